package animfile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// Load reads and decodes a file like Read, without handing its bytes back, refusing files
// larger than maxBytes (0 = DefaultMaxBytes) before reading them. Where the system allows it,
// a binary FBX file is decoded straight from a read-only mapping of the file: the FBX decoder
// keeps nothing of its input, and mapping spares the copy into fresh memory that is about a
// fifth of what reading and decoding a Mixamo clip costs. Other formats are copied out of
// the mapping first, since their decoders may keep slices of the input.
func Load(ctx context.Context, path string, maxBytes int64) (*anim.Animation, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxBytes {
		return nil, fmt.Errorf("%s: %d bytes exceeds the limit of %d", path, st.Size(), maxBytes)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if data, unmap, ok := mapFile(f, st.Size()); ok {
		defer unmap()
		if format, _ := Detect(path, data); format != FBX {
			data = bytes.Clone(data)
		}
		return Decode(path, data)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Decode(path, data)
}
