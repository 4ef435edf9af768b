package fbx

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error Parse and Decode return for bad input is a *FormatError
// wrapping one of these, so callers can branch with errors.Is.
var (
	// ErrNotFBX: the data does not start with the binary FBX magic.
	ErrNotFBX = errors.New("not an FBX file")
	// ErrUnsupported: valid FBX that this package does not read (unknown versions or encodings).
	ErrUnsupported = errors.New("unsupported FBX")
	// ErrTruncated: the data ends before a record, property or array does.
	ErrTruncated = errors.New("truncated FBX data")
	// ErrMalformed: a record, property or object is inconsistent.
	ErrMalformed = errors.New("malformed FBX data")
	// ErrLimit: a size, count or depth exceeds the Limits in force.
	ErrLimit = errors.New("FBX limit exceeded")
)

// FormatError reports bad input: where it was (byte offset, or -1 when the problem is in the
// decoded scene rather than at one place in the bytes), what was expected and found, and the
// sentinel it matches.
type FormatError struct {
	Offset int64 // byte offset from the start of the file; -1 when not tied to one place
	// Line and Column (from 1, in bytes) place errors in ASCII files; 0 in binary ones.
	Line, Column int
	What         string // what was being read and what was wrong, e.g. `array "KeyTime": 9 bytes, want 16`
	Err          error  // one of the sentinels above
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("fbx: %s: %v", e.What, e.Err)
	}
	if e.Line > 0 {
		return fmt.Sprintf("fbx: line %d, column %d: %s: %v", e.Line, e.Column, e.What, e.Err)
	}
	return fmt.Sprintf("fbx: offset %d: %s: %v", e.Offset, e.What, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

func errAt(off int, sentinel error, format string, args ...any) *FormatError {
	return &FormatError{Offset: int64(off), What: fmt.Sprintf(format, args...), Err: sentinel}
}

func errScene(sentinel error, format string, args ...any) *FormatError {
	return &FormatError{Offset: -1, What: fmt.Sprintf(format, args...), Err: sentinel}
}
