package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// A cursor is the last name of the page before, with a digest of the
// filters it was issued for. Pages are keyed by name, which never changes
// for a row, so a walk through the pages sees every name that stays live
// throughout exactly once, whatever is synced meanwhile; names added behind
// the cursor wait for the next walk. The encoding is opaque to clients.
type cursor struct {
	V     int    `json:"v"`
	After string `json:"a"`
	F     string `json:"f"`
}

// maxCursor bounds what decodeCursor reads: a name is at most 1024 bytes.
const maxCursor = 2048

var errCursor = errors.New("not a cursor of this API; pass next_cursor as it was answered")

func filterDigest(f catalog.Filter) string {
	h := sha256.Sum256([]byte(strings.Join([]string{string(f.Kind), f.Rig, f.Clip, f.Method, f.Source}, "\x00")))
	return base64.RawURLEncoding.EncodeToString(h[:9])
}

func encodeCursor(after string, f catalog.Filter) string {
	b, _ := json.Marshal(cursor{V: 1, After: after, F: filterDigest(f)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns the name a page starts after; the error says why a
// cursor is refused.
func decodeCursor(s string, f catalog.Filter) (string, error) {
	if len(s) > maxCursor {
		return "", fmt.Errorf("%d bytes, more than a cursor's %d", len(s), maxCursor)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", errCursor
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.V != 1 || c.After == "" {
		return "", errCursor
	}
	if c.F != filterDigest(f) {
		return "", errors.New("issued for other filters; repeat rig, clip, method and source as in the first page")
	}
	return c.After, nil
}
