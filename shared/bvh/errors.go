package bvh

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error Decode returns for bad input is a *FormatError wrapping one of the
// first three, and every refusal of Encode one wrapping ErrUnwritable, so callers can branch with
// errors.Is.
var (
	// ErrSyntax: the text does not follow the BVH grammar, or ends early.
	ErrSyntax = errors.New("malformed BVH")
	// ErrValue: a number is not finite, or outside the range its field allows.
	ErrValue = errors.New("BVH value out of range")
	// ErrLimit: a size, count or depth exceeds the Limits in force.
	ErrLimit = errors.New("BVH limit exceeded")
	// ErrUnwritable: the animation or the options cannot be written as BVH.
	ErrUnwritable = errors.New("cannot write BVH")
)

// FormatError reports bad input: the line it is on, what the grammar or a limit expected there,
// what the input holds instead, and the sentinel it matches. For Encode the input is the animation
// and the options, and Line is 0.
type FormatError struct {
	Line     int    // 1-based line number; 0 when the problem is not on one line
	Expected string // e.g. `"{"`, "a number for OFFSET", "frame 12 (0-based): 168 values"
	Found    string // e.g. `"CHANNELS"`, "end of file", "160 values"
	Err      error  // ErrSyntax, ErrValue, ErrLimit or ErrUnwritable
}

func (e *FormatError) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("bvh: expected %s, found %s: %v", e.Expected, e.Found, e.Err)
	}
	return fmt.Sprintf("bvh: line %d: expected %s, found %s: %v", e.Line, e.Expected, e.Found, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

func errAt(line int, sentinel error, found, expected string, args ...any) *FormatError {
	return &FormatError{Line: line, Expected: fmt.Sprintf(expected, args...), Found: found, Err: sentinel}
}

// quote shows a token in an error message, shortened so hostile input cannot bloat the message.
func quote(tok []byte) string {
	if tok == nil {
		return "end of file"
	}
	const max = 40
	if len(tok) > max {
		return fmt.Sprintf("%q...", tok[:max])
	}
	return fmt.Sprintf("%q", tok)
}
