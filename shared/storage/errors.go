package storage

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

var (
	// ErrNotFound: the object (or the requested generation) does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrPreconditionFailed: a Condition did not hold; nothing was changed.
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrInvalidName: the object name breaks the naming rules of ValidateName
	// or cannot be stored by this implementation.
	ErrInvalidName = errors.New("invalid object name")
	// ErrUnsupported: the store cannot do this operation (signing URLs on a
	// local directory).
	ErrUnsupported = errors.New("operation not supported")
	// ErrTransient: the failure may go away on retry (5xx, 429, timeouts,
	// dropped connections). Cloud Run services return such errors so that
	// Eventarc redelivers the event.
	ErrTransient = errors.New("transient failure")
)

// Error is the error every Store returns.
type Error struct {
	Op     string // get, stat, put, delete, list, sign
	Bucket string
	Name   string
	// Kind is one of the Err* values above, or nil for a permanent failure
	// with no more specific meaning.
	Kind error
	// Err is the underlying failure from the client library or the file
	// system, kept for errors.As (for example *googleapi.Error).
	Err error
}

func (e *Error) Error() string {
	msg := "storage: " + e.Op
	switch {
	case e.Kind == ErrInvalidName:
		// The cause quotes the name; printed raw it could break the line.
		if e.Bucket != "" {
			msg += " in " + e.Bucket
		}
	case e.Bucket != "" || e.Name != "":
		msg += " " + e.Bucket + "/" + e.Name
	}
	if e.Kind != nil {
		msg += ": " + e.Kind.Error()
	}
	if e.Err != nil && e.Err != e.Kind {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// IsTransient reports whether retrying the failed operation may succeed:
// errors a store marked ErrTransient, and errors that no store saw, such as
// network timeouts and reset connections on a body being read.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrTransient) {
		return true
	}
	// A kind other than transient is a verdict from the store: a missing
	// object does not appear on retry because the read timed out once.
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrPreconditionFailed) ||
		errors.Is(err, ErrInvalidName) || errors.Is(err, ErrUnsupported) {
		return false
	}
	return classifyIO(err) == ErrTransient
}

// classifyIO recognises the transport failures common to every store.
func classifyIO(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		// The caller gave up; repeating the call under the same context
		// cannot succeed.
		return nil
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT):
		return ErrTransient
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrTransient
	}
	return nil
}

// ClassifyIO returns ErrTransient for transport failures any store can meet
// (timeouts, resets, refused connections, truncated bodies) and nil
// otherwise. Implementations use it for errors their client did not classify.
func ClassifyIO(err error) error { return classifyIO(err) }
