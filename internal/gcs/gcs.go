// Package gcs is the object store on a Google Cloud Storage bucket, through
// cloud.google.com/go/storage.
package gcs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"net/http"
	"time"

	cloudstorage "cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// MaxSignedURLTTL is the longest a V4 signed URL may live.
const MaxSignedURLTTL = 7 * 24 * time.Hour

// Options configure a Store.
type Options struct {
	// GoogleAccessID and PrivateKey sign URLs with a service account key.
	// When both are empty the client's own credentials sign: on Cloud Run the
	// library calls IAM signBlob for the service account, which needs the
	// roles/iam.serviceAccountTokenCreator role on itself.
	GoogleAccessID string
	PrivateKey     []byte
	// SignedURLHost and SignedURLInsecure point signed URLs at an emulator
	// (host:port, plain HTTP); empty means storage.googleapis.com over HTTPS.
	SignedURLHost     string
	SignedURLInsecure bool
	// ChunkSize is the chunk of resumable uploads for bodies of unknown
	// length (files): the client retries a failed chunk alone. Zero keeps
	// the client's 16 MiB; it is rounded up to a multiple of 256 KiB.
	ChunkSize int
}

// Store is one bucket. It is safe for concurrent use.
type Store struct {
	bucket *cloudstorage.BucketHandle
	name   string
	opts   Options
}

var _ storage.Store = (*Store)(nil)

// New returns the bucket named bucket reached through client. The caller owns
// the client (and closes it); creating it with storage.WithJSONReads keeps
// reads on the JSON API, which emulators serve.
func New(client *cloudstorage.Client, bucket string, opts Options) *Store {
	return &Store{bucket: client.Bucket(bucket), name: bucket, opts: opts}
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.name }

func (s *Store) fail(op, name string, err error) error {
	if err == nil {
		return nil
	}
	return &storage.Error{Op: op, Bucket: s.name, Name: name, Kind: kind(err), Err: err}
}

// kind maps the client's errors onto the port's.
func kind(err error) error {
	if errors.Is(err, cloudstorage.ErrObjectNotExist) {
		return storage.ErrNotFound
	}
	if errors.Is(err, cloudstorage.ErrBucketNotExist) {
		// A missing bucket is a deployment mistake, not a missing object:
		// callers must not treat it as "nothing to do".
		return nil
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		switch {
		case ge.Code == http.StatusNotFound:
			return storage.ErrNotFound
		case ge.Code == http.StatusPreconditionFailed, ge.Code == http.StatusNotModified:
			return storage.ErrPreconditionFailed
		case ge.Code == http.StatusRequestTimeout, ge.Code == http.StatusTooManyRequests, ge.Code >= 500:
			return storage.ErrTransient
		default:
			return nil
		}
	}
	if st, ok := status.FromError(err); ok && st.Code() != codes.Unknown {
		switch st.Code() {
		case codes.NotFound:
			return storage.ErrNotFound
		case codes.FailedPrecondition, codes.Aborted:
			return storage.ErrPreconditionFailed
		case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Internal:
			return storage.ErrTransient
		}
	}
	if cloudstorage.ShouldRetry(err) {
		return storage.ErrTransient
	}
	return storage.ClassifyIO(err)
}

func (s *Store) object(name string, cond storage.Condition) *cloudstorage.ObjectHandle {
	o := s.bucket.Object(name)
	if gen, ok := cond.Generation(); ok {
		if gen == 0 {
			o = o.If(cloudstorage.Conditions{DoesNotExist: true})
		} else {
			o = o.If(cloudstorage.Conditions{GenerationMatch: gen})
		}
	}
	return o
}

// Stat returns the attributes of the live object, or of opts.Generation.
func (s *Store) Stat(ctx context.Context, name string, opts *storage.ReadOptions) (storage.Attrs, error) {
	if err := storage.CheckName("stat", s.name, name); err != nil {
		return storage.Attrs{}, err
	}
	o := s.bucket.Object(name)
	if opts != nil && opts.Generation != 0 {
		o = o.Generation(opts.Generation)
	}
	a, err := o.Attrs(ctx)
	if err != nil {
		return storage.Attrs{}, s.fail("stat", name, err)
	}
	return convert(a), nil
}

// Get reads the attributes, then the bytes of that same generation. Over the
// JSON API the reader carries no custom metadata or MD5, hence the two calls;
// pinning the generation keeps them consistent. An object overwritten
// between the calls is read again; one replaced on every attempt gives up
// with a transient error.
func (s *Store) Get(ctx context.Context, name string, opts *storage.ReadOptions) (*storage.Reader, error) {
	if err := storage.CheckName("get", s.name, name); err != nil {
		return nil, err
	}
	const attempts = 5
	pinned := opts != nil && opts.Generation != 0
	for range attempts {
		o := s.bucket.Object(name)
		if pinned {
			o = o.Generation(opts.Generation)
		}
		a, err := o.Attrs(ctx)
		if err != nil {
			return nil, s.fail("get", name, err)
		}
		r, err := s.bucket.Object(name).Generation(a.Generation).NewReader(ctx)
		if err == nil {
			return storage.NewReader(convert(a), r), nil
		}
		if pinned || !errors.Is(err, cloudstorage.ErrObjectNotExist) {
			return nil, s.fail("get", name, err)
		}
	}
	return nil, &storage.Error{Op: "get", Bucket: s.name, Name: name, Kind: storage.ErrTransient,
		Err: fmt.Errorf("object replaced during each of %d reads", attempts)}
}

// Put uploads body. Content of known length up to 16 MiB goes in a single
// request with a buffer of its own size rather than the client's default
// 16 MiB chunk, which every Writer would otherwise allocate.
func (s *Store) Put(ctx context.Context, name string, body io.Reader, opts *storage.PutOptions) (storage.Attrs, error) {
	if opts == nil {
		opts = &storage.PutOptions{}
	}
	if err := storage.CheckName("put", s.name, name); err != nil {
		return storage.Attrs{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // abandons the upload if the copy fails
	w := s.object(name, opts.If).NewWriter(ctx)
	w.ContentType = opts.ContentType
	w.Metadata = maps.Clone(opts.Metadata)
	const quantum = 256 << 10 // chunk sizes are multiples of 256 KiB
	if l, ok := body.(interface{ Len() int }); ok && l.Len() < googleapi.DefaultUploadChunkSize {
		w.ChunkSize = (l.Len()/quantum + 1) * quantum
	} else if s.opts.ChunkSize > 0 {
		w.ChunkSize = (s.opts.ChunkSize + quantum - 1) / quantum * quantum
	}
	if _, err := io.Copy(w, body); err != nil {
		cancel()
		w.Close()
		return storage.Attrs{}, s.fail("put", name, err)
	}
	if err := w.Close(); err != nil {
		return storage.Attrs{}, s.fail("put", name, err)
	}
	return convert(w.Attrs()), nil
}

// Delete removes the live object. The client retries a delete only when it
// carries a generation condition, since only then is it idempotent.
func (s *Store) Delete(ctx context.Context, name string, opts *storage.DeleteOptions) error {
	if err := storage.CheckName("delete", s.name, name); err != nil {
		return err
	}
	var cond storage.Condition
	if opts != nil {
		cond = opts.If
	}
	return s.fail("delete", name, s.object(name, cond).Delete(ctx))
}

// List pages through the bucket with the client's iterator.
func (s *Store) List(ctx context.Context, opts *storage.ListOptions) iter.Seq2[storage.Attrs, error] {
	if opts == nil {
		opts = &storage.ListOptions{}
	}
	return func(yield func(storage.Attrs, error) bool) {
		it := s.bucket.Objects(ctx, &cloudstorage.Query{Prefix: opts.Prefix, StartOffset: opts.StartOffset})
		for n := 0; opts.Limit == 0 || n < opts.Limit; n++ {
			a, err := it.Next()
			if errors.Is(err, iterator.Done) {
				return
			}
			if err != nil {
				yield(storage.Attrs{}, s.fail("list", opts.Prefix, err))
				return
			}
			if !yield(convert(a), nil) {
				return
			}
		}
	}
}

// SignedURL returns a V4 URL for GET of the object.
func (s *Store) SignedURL(name string, ttl time.Duration) (string, error) {
	if err := storage.CheckName("sign", s.name, name); err != nil {
		return "", err
	}
	if ttl <= 0 || ttl > MaxSignedURLTTL {
		return "", &storage.Error{Op: "sign", Bucket: s.name, Name: name, Err: fmt.Errorf("ttl %s outside (0, %s]", ttl, MaxSignedURLTTL)}
	}
	u, err := s.bucket.SignedURL(name, &cloudstorage.SignedURLOptions{
		GoogleAccessID: s.opts.GoogleAccessID,
		PrivateKey:     s.opts.PrivateKey,
		Method:         http.MethodGet,
		Expires:        time.Now().Add(ttl),
		Scheme:         cloudstorage.SigningSchemeV4,
		Hostname:       s.opts.SignedURLHost,
		Insecure:       s.opts.SignedURLInsecure,
	})
	if err != nil {
		return "", s.fail("sign", name, err)
	}
	return u, nil
}

func convert(a *cloudstorage.ObjectAttrs) storage.Attrs {
	out := storage.Attrs{
		Bucket:         a.Bucket,
		Name:           a.Name,
		Size:           a.Size,
		Generation:     a.Generation,
		Metageneration: a.Metageneration,
		ContentType:    a.ContentType,
		MD5:            a.MD5,
		CRC32C:         a.CRC32C,
		// The JSON API returns crc32c for every object; the client has no
		// flag for its absence.
		HasCRC32C: true,
		Metadata:  a.Metadata,
		Created:   a.Created,
		Updated:   a.Updated,
	}
	if len(out.MD5) == 0 {
		out.MD5 = nil
	}
	if len(out.Metadata) == 0 {
		out.Metadata = nil
	}
	return out
}
