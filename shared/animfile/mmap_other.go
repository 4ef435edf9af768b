//go:build !linux

package animfile

import "os"

// mapFile is not used outside Linux: Load reads the file instead.
func mapFile(*os.File, int64) ([]byte, func(), bool) { return nil, nil, false }
