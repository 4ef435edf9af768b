package gltf

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinels classify a *FormatError; test for them with errors.Is.
var (
	ErrNotGLTF        = errors.New("not a glTF or GLB file")
	ErrTruncated      = errors.New("truncated data")
	ErrVersion        = errors.New("unsupported version")
	ErrJSON           = errors.New("malformed JSON")
	ErrLimit          = errors.New("limit exceeded")
	ErrReference      = errors.New("invalid reference")
	ErrBounds         = errors.New("data out of bounds")
	ErrHierarchy      = errors.New("invalid node hierarchy")
	ErrExternalBuffer = errors.New("external buffer not supported")
	ErrValue          = errors.New("invalid value")
	ErrNoSkeleton     = errors.New("no skeleton")
	ErrInvalidModel   = errors.New("invalid animation model")
)

// FormatError reports bad input: a malformed file for Decode, or an unusable model for Encode.
type FormatError struct {
	Path     string // where in the document, e.g. "animations[0].samplers[3].output"
	Offset   int64  // byte offset in the file, or -1 when the problem is not at a byte position
	Expected string
	Found    string
	Err      error // one of the package's sentinels
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("gltf: ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	if e.Path != "" {
		fmt.Fprintf(&b, " at %s", e.Path)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (byte offset %d)", e.Offset)
	}
	if e.Expected != "" {
		fmt.Fprintf(&b, ": expected %s", e.Expected)
		if e.Found != "" {
			fmt.Fprintf(&b, ", found %s", e.Found)
		}
	} else if e.Found != "" {
		fmt.Fprintf(&b, ": %s", e.Found)
	}
	return b.String()
}

func (e *FormatError) Unwrap() error { return e.Err }

// errAt builds a *FormatError that is not tied to a byte offset.
func errAt(sentinel error, path, expected, found string) *FormatError {
	return &FormatError{Path: path, Offset: -1, Expected: expected, Found: found, Err: sentinel}
}

// errOffset builds a *FormatError at a byte offset of the container.
func errOffset(sentinel error, off int64, expected, found string) *FormatError {
	return &FormatError{Offset: off, Expected: expected, Found: found, Err: sentinel}
}
