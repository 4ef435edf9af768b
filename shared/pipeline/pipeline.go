// Package pipeline holds the use cases of the services: validate an upload
// into a seed, make a blend, run a batch manifest, and sync an object's
// metadata into the catalog. It works over two ports, the object store
// (package storage) and the metadata store (package catalog), and knows
// nothing of HTTP or CloudEvents: the adapters in package events and httpapi,
// and the functions built on them, decode requests and call it.
//
// Package library names the objects it reads and writes and encodes their
// metadata; the bucket's layout is described there.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Pipeline is the set of use cases over one uploads bucket, one library
// bucket and the catalog. A service sets the ports it uses; the others may be
// nil.
type Pipeline struct {
	Uploads storage.Store
	Library storage.Store
	Catalog catalog.Store
	// Search, when set, also receives every synced row; its failures are
	// logged and never fail the sync.
	Search Indexer
	// MaxFileSize bounds an upload and each blend source, in bytes.
	MaxFileSize int64
	// Workers is the batch worker pool's size.
	Workers int
	// Sharder, when set, runs heavy batch manifests as shards elsewhere.
	Sharder *Sharder
	// URI names an object in catalog rows; gs://bucket/name when nil.
	URI func(bucket, name string) string
	Log *slog.Logger
	// Observer, when set, is told each use case's outcome (for metrics).
	Observer Observer
}

// Indexer keeps a search index of catalog rows (package search).
type Indexer interface {
	Put(ctx context.Context, row catalog.Row) error
}

func (p *Pipeline) log() *slog.Logger { return cmp.Or(p.Log, slog.Default()) }

func (p *Pipeline) uri(bucket, name string) string {
	if p.URI != nil {
		return p.URI(bucket, name)
	}
	return "gs://" + bucket + "/" + name
}

// Kind classifies a failed request for the adapters.
type Kind int

const (
	// KindInternal is a failure that is none of the others.
	KindInternal Kind = iota
	// KindInvalid is bad input; Field names it (HTTP 400).
	KindInvalid
	// KindNotFound is a missing source object (HTTP 404).
	KindNotFound
	// KindTooLarge is input over a limit (HTTP 413).
	KindTooLarge
	// KindConflict is an explicit output name holding a different blend (HTTP 409).
	KindConflict
	// KindUnavailable is a transient storage or catalog failure (HTTP 503,
	// and a CloudEvent answered with an error so Eventarc redelivers).
	KindUnavailable
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindTooLarge:
		return "too_large"
	case KindConflict:
		return "conflict"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// Error is the error of every use case.
type Error struct {
	Kind  Kind
	Field string // the request field at fault, for KindInvalid, KindNotFound, KindTooLarge
	Msg   string
	Err   error
}

func (e *Error) Error() string {
	s := "pipeline: "
	if e.Field != "" {
		s += e.Field + ": "
	}
	s += e.Msg
	if e.Err != nil && e.Msg == "" {
		s += e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err: an *Error's own, KindUnavailable for a
// transient storage failure, KindInternal otherwise.
func KindOf(err error) Kind {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind
	}
	if storage.IsTransient(err) {
		return KindUnavailable
	}
	return KindInternal
}

// storageError classifies a storage failure on object name for field.
func storageError(field, name string, err error) error {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return &Error{Kind: KindNotFound, Field: field, Msg: fmt.Sprintf("%s does not exist", name), Err: err}
	case errors.Is(err, storage.ErrInvalidName):
		return &Error{Kind: KindInvalid, Field: field, Msg: err.Error(), Err: err}
	case storage.IsTransient(err):
		return &Error{Kind: KindUnavailable, Field: field, Msg: "storage unavailable: " + err.Error(), Err: err}
	}
	return &Error{Kind: KindInternal, Field: field, Msg: err.Error(), Err: err}
}
