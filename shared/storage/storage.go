// Package storage is the object store port: the operations the pipeline needs
// from a bucket, with one implementation on Google Cloud Storage (package gcs)
// and one on a local directory (package localdir) for the local pipeline.
//
// Every implementation honours the same contract, checked by package
// storagetest: generations increase with every write, a Put guarded by
// DoesNotExist succeeds for exactly one of many concurrent writers, and
// failures are reported as *Error values that match ErrNotFound,
// ErrPreconditionFailed, ErrInvalidName, ErrUnsupported or ErrTransient
// through errors.Is.
package storage

import (
	"context"
	"io"
	"iter"
	"time"
)

// Buckets is a client that opens stores by bucket name; closing it closes
// the client they share.
type Buckets interface {
	Bucket(name string) Store
	Close() error
}

// Store is one bucket.
type Store interface {
	// Bucket is the bucket's name as it appears in Attrs and events.
	Bucket() string

	// Get opens the object for reading. The attributes and the bytes belong
	// to the same generation even when the object is overwritten meanwhile.
	// The caller must close the reader.
	Get(ctx context.Context, name string, opts *ReadOptions) (*Reader, error)

	// Stat returns the object's attributes.
	Stat(ctx context.Context, name string, opts *ReadOptions) (Attrs, error)

	// Put writes the object from body and returns the attributes of the new
	// generation. Readers never see a partly written object.
	Put(ctx context.Context, name string, body io.Reader, opts *PutOptions) (Attrs, error)

	// Delete removes the object.
	Delete(ctx context.Context, name string, opts *DeleteOptions) error

	// List yields the objects in lexicographic order of their names. An error
	// ends the sequence.
	List(ctx context.Context, opts *ListOptions) iter.Seq2[Attrs, error]

	// SignedURL returns a URL that lets its holder GET the object for ttl.
	// Stores that cannot sign return an error matching ErrUnsupported.
	SignedURL(name string, ttl time.Duration) (string, error)
}

// Attrs describes one generation of an object.
type Attrs struct {
	Bucket         string
	Name           string
	Size           int64
	Generation     int64
	Metageneration int64
	ContentType    string
	// MD5 is the digest of the content; nil when the store does not know it
	// (GCS omits it for composite objects, a file dropped into a local bucket
	// has none until it is rewritten through the store).
	MD5 []byte
	// CRC32C is the Castagnoli checksum of the content, valid when HasCRC32C.
	CRC32C    uint32
	HasCRC32C bool
	Metadata  map[string]string
	Created   time.Time
	Updated   time.Time
}

// Condition guards a write or a delete on the object's live generation. The
// zero Condition guards nothing.
type Condition struct {
	generation int64
	set        bool
}

// DoesNotExist holds only when the object has no live generation: a Put with
// it creates the object once and fails with ErrPreconditionFailed after that.
func DoesNotExist() Condition { return Condition{generation: 0, set: true} }

// GenerationMatch holds only while the live generation is gen; gen 0 is the
// same as DoesNotExist.
func GenerationMatch(gen int64) Condition { return Condition{generation: gen, set: true} }

// Generation reports the generation the condition requires and whether there
// is a condition at all.
func (c Condition) Generation() (gen int64, ok bool) { return c.generation, c.set }

// ReadOptions selects what Get and Stat read. A nil *ReadOptions reads the
// live generation.
type ReadOptions struct {
	// Generation, when non-zero, reads that generation only. One that is
	// not live is found only where the bucket keeps noncurrent versions (a
	// GCS bucket with versioning, as the library is, or a local directory
	// opened with KeepVersions); elsewhere the read fails with ErrNotFound.
	Generation int64
}

// PutOptions describe the object being written. A nil *PutOptions writes
// unconditionally with no content type and no metadata.
type PutOptions struct {
	ContentType string
	Metadata    map[string]string
	If          Condition
}

// DeleteOptions guard a delete. A nil *DeleteOptions deletes unconditionally.
type DeleteOptions struct {
	If Condition
}

// ListOptions narrow a listing. A nil *ListOptions lists the whole bucket.
type ListOptions struct {
	Prefix string
	// StartOffset skips names that sort before it (inclusive bound, as GCS).
	StartOffset string
	// Limit stops the listing after that many objects; 0 means no limit.
	Limit int
}

// Reader streams one generation of an object.
type Reader struct {
	Attrs Attrs
	body  io.ReadCloser
}

// NewReader pairs a body with the attributes of the generation it reads.
// Implementations use it; callers get Readers from Store.Get.
func NewReader(attrs Attrs, body io.ReadCloser) *Reader {
	return &Reader{Attrs: attrs, body: body}
}

func (r *Reader) Read(p []byte) (int, error) { return r.body.Read(p) }

// Close releases the underlying stream.
func (r *Reader) Close() error { return r.body.Close() }

// EventType names a change the way Eventarc names Cloud Storage events, so
// the local router can post CloudEvents with the same types.
type EventType string

const (
	// ObjectFinalized is sent when a new generation becomes live: a write,
	// a copy or a restore of a noncurrent generation (which is a copy).
	ObjectFinalized EventType = "google.cloud.storage.object.v1.finalized"
	// ObjectArchived is sent, on a bucket with versioning only, when the
	// live generation becomes noncurrent: deleted, or overwritten (then
	// with the finalized of the new generation). Its payload is the
	// generation archived.
	ObjectArchived EventType = "google.cloud.storage.object.v1.archived"
	// ObjectDeleted is sent when a generation is removed for good: on a
	// bucket without versioning a delete, or the generation an overwrite
	// replaced; on one with versioning only a noncurrent generation being
	// removed (a lifecycle rule, a delete naming the generation), never
	// the live one becoming noncurrent.
	ObjectDeleted EventType = "google.cloud.storage.object.v1.deleted"
	// ObjectMetadataUpdated is sent when the metadata of a live generation
	// changes; its bytes and generation stay, its metageneration grows.
	ObjectMetadataUpdated EventType = "google.cloud.storage.object.v1.metadataUpdated"
)

// EventTypes are the four types Cloud Storage sends, as Eventarc names them
// ("Pub/Sub notifications for Cloud Storage", event types;
// https://cloud.google.com/storage/docs/pubsub-notifications).
func EventTypes() []EventType {
	return []EventType{ObjectFinalized, ObjectArchived, ObjectDeleted, ObjectMetadataUpdated}
}

// Ends reports whether an event of type t says its generation stopped being
// live (archived) or stopped existing (deleted).
func (t EventType) Ends() bool { return t == ObjectArchived || t == ObjectDeleted }

// Event is one change to a bucket. Object carries the fields of Eventarc's
// StorageObjectData: bucket, name, generation, metageneration, size,
// contentType, md5Hash, crc32c, metadata, timeCreated and updated. In that
// payload GCS writes generation, metageneration and size as decimal strings,
// md5Hash as standard base64 of the 16 bytes and crc32c as standard base64
// of the checksum's 4 bytes in big-endian order.
type Event struct {
	Type   EventType
	Object Attrs
}

// ReadAll reads a whole object into memory with its attributes.
func ReadAll(ctx context.Context, s Store, name string, opts *ReadOptions) ([]byte, Attrs, error) {
	r, err := s.Get(ctx, name, opts)
	if err != nil {
		return nil, Attrs{}, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, Attrs{}, &Error{Op: "read", Bucket: s.Bucket(), Name: name, Kind: classifyIO(err), Err: err}
	}
	return b, r.Attrs, nil
}

// ListAll collects a listing into a slice.
func ListAll(ctx context.Context, s Store, opts *ListOptions) ([]Attrs, error) {
	var out []Attrs
	for a, err := range s.List(ctx, opts) {
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}
