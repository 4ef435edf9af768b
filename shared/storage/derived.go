package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
)

// DerivedOptions describe an object derived from others (a seed from an
// upload, a blend from its inputs, a picture from an animation, a result
// from a manifest): writing it again writes the same thing, so a repeated
// event may find it in place.
type DerivedOptions struct {
	ContentType string
	Metadata    map[string]string
	// Same reports whether the live object already is what is being written
	// (the same content hash, the same source generation). Nil never holds.
	Same func(live Attrs) bool
	// Replace overwrites a live object that is not Same, guarded by its
	// generation; without it such an object is kept and PutDerived fails
	// with ErrPreconditionFailed.
	Replace bool
}

// derivedAttempts bounds the writes of PutDerived while others change the
// object between its write and its look.
const derivedAttempts = 3

// errOccupied is the cause of PutDerived's ErrPreconditionFailed.
var errOccupied = errors.New("the object holds something else")

// PutDerived creates the derived object name from data, create-only, so
// that of concurrent writers one creates it and the others find it. When
// the name is taken it returns the live attributes with created false if
// the object is opts.Same, replaces it if opts.Replace, and otherwise fails
// with an error matching ErrPreconditionFailed (the live attributes are
// returned with it). An object deleted or replaced between the write and the
// look is written again; one that keeps changing fails with ErrTransient,
// for the caller's event to come again.
func PutDerived(ctx context.Context, s Store, name string, data []byte, opts DerivedOptions) (attrs Attrs, created bool, err error) {
	put := &PutOptions{ContentType: opts.ContentType, Metadata: opts.Metadata, If: DoesNotExist()}
	for range derivedAttempts {
		a, err := s.Put(ctx, name, bytes.NewReader(data), put)
		if err == nil {
			return a, true, nil
		}
		if !errors.Is(err, ErrPreconditionFailed) {
			return Attrs{}, false, err
		}
		live, err := s.Stat(ctx, name, nil)
		switch {
		case errors.Is(err, ErrNotFound):
			put.If = DoesNotExist()
			continue
		case err != nil:
			return Attrs{}, false, err
		case opts.Same != nil && opts.Same(live):
			return live, false, nil
		case !opts.Replace:
			return live, false, &Error{Op: "put", Bucket: s.Bucket(), Name: name, Kind: ErrPreconditionFailed, Err: errOccupied}
		}
		put.If = GenerationMatch(live.Generation)
	}
	return Attrs{}, false, &Error{Op: "put", Bucket: s.Bucket(), Name: name, Kind: ErrTransient,
		Err: fmt.Errorf("the object changed during each of %d writes", derivedAttempts)}
}
