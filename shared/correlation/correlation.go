// Package correlation carries a request's correlation id in a context: the
// id a blend, a seed or a batch keeps from the request or event that made it
// to the metadata and catalogue rows it writes. Logging reads it from the
// same context, so the core and the platform agree on one key.
package correlation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
)

type ctxKey struct{}

// MaxLen bounds a correlation id taken from a request or an event.
const MaxLen = 128

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// ID is the correlation id ctx carries, or "".
func ID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Valid reports whether id can serve as a correlation id as given: 1 to
// MaxLen letters, digits and -_.:/+=@. It is echoed in headers, written
// into object metadata and logged, so anything else is replaced by a new id.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-_.:/+=@", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// New returns a random correlation id of 32 hex digits.
func New() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
