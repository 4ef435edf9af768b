// Package localdir is the object store on a local directory: the local
// pipeline's stand-in for a Cloud Storage bucket.
//
// Objects are plain files under the directory, so a file copied in by hand is
// an object too. What a file cannot carry (generation, content type, metadata,
// checksums) lives in a sidecar JSON file at the same relative path under the
// hidden .meta/objects tree; .meta also holds the staging area for writes,
// the lock file and, with KeepVersions, earlier generations
// (.meta/versions). Nothing under .meta is ever listed or addressable.
//
// Writes are staged in .meta/tmp and renamed into place, so readers see the
// old object or the new one, never a part. Preconditions are checked and the
// rename done under an exclusive flock on .meta/lock, which makes them atomic
// across goroutines and across processes sharing the directory; reads take
// the lock shared so that a file and its sidecar are always seen together.
package localdir

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"iter"
	"mime"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

const (
	metaDir    = ".meta"
	objectsDir = "objects"
	tmpDir     = "tmp"
	lockName   = "lock"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Options configure a Store.
type Options struct {
	// Bucket is the name reported in Attrs and events; the directory's base
	// name when empty.
	Bucket string
	// OnChange, when set, is called after each change is committed and the
	// lock released, in the goroutine that made the change, with the events
	// Cloud Storage sends for it ("Pub/Sub notifications for Cloud
	// Storage", event types): ObjectFinalized for the new generation of a
	// Put, preceded by the end of the generation it replaced; for a Delete,
	// the end of the live generation; ObjectMetadataUpdated for Update.
	// Without KeepVersions, as on a bucket without versioning, the end is
	// ObjectDeleted. With it, as on a bucket with versioning, it is
	// ObjectArchived, followed by ObjectDeleted for each noncurrent
	// generation dropped beyond KeepVersions, as a lifecycle rule deletes
	// them. A slow callback slows the writer; queue work instead. Changes
	// made concurrently may report in either order, as Eventarc's may
	// arrive in any order.
	OnChange func(ctx context.Context, ev storage.Event)
	// NoSync skips fsync of written files. Renames still keep partial
	// objects invisible, but a machine crash may then leave an empty file.
	NoSync bool
	// KeepVersions is how many noncurrent generations of each object are
	// kept, readable with ReadOptions.Generation, as a Cloud Storage bucket
	// with versioning and a lifecycle rule keeps the newest few; 0 keeps
	// none.
	KeepVersions int
}

// Store is a bucket on a directory. It is safe for concurrent use, also by
// several processes opening the same directory.
type Store struct {
	root     string
	bucket   string
	onChange func(context.Context, storage.Event)
	sync     bool
	keep     int
}

var _ storage.Store = (*Store)(nil)

// Open uses dir as a bucket, creating it and its .meta tree if needed.
func Open(dir string, opts Options) (*Store, error) {
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localdir: open %s: %w", dir, err)
	}
	for _, d := range []string{filepath.Join(root, metaDir, objectsDir), filepath.Join(root, metaDir, tmpDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("localdir: open %s: %w", dir, err)
		}
	}
	bucket := opts.Bucket
	if bucket == "" {
		bucket = filepath.Base(root)
	}
	return &Store{root: root, bucket: bucket, onChange: opts.OnChange, sync: !opts.NoSync, keep: max(opts.KeepVersions, 0)}, nil
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// Dir returns the absolute path of the directory holding the objects.
func (s *Store) Dir() string { return s.root }

// Path returns the file that holds the object name, for tools that need a
// path (a previewer, a file watcher). The file may not exist.
func (s *Store) Path(name string) (string, error) {
	if err := s.checkName("path", name); err != nil {
		return "", err
	}
	return s.dataPath(name), nil
}

// sidecar is what the store knows about a file beyond its bytes.
type sidecar struct {
	Generation     int64             `json:"generation"`
	Metageneration int64             `json:"metageneration"`
	ContentType    string            `json:"contentType,omitempty"`
	MD5            []byte            `json:"md5,omitempty"`
	CRC32C         uint32            `json:"crc32c"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	Created        time.Time         `json:"created"`
	Updated        time.Time         `json:"updated"`
	// The file the sidecar describes. A file replaced outside the store no
	// longer matches and is then described from the file system alone.
	Size     int64  `json:"size"`
	ModNanos int64  `json:"modNanos"`
	Inode    uint64 `json:"inode"`
}

func (s *Store) dataPath(name string) string {
	return filepath.Join(s.root, filepath.FromSlash(name))
}

func (s *Store) sidecarPath(name string) string {
	return filepath.Join(s.root, metaDir, objectsDir, filepath.FromSlash(name))
}

func (s *Store) lock(exclusive bool) (func(), error) {
	return flock(filepath.Join(s.root, metaDir, lockName), exclusive)
}

func (s *Store) fail(op, name string, kind, err error) error {
	return &storage.Error{Op: op, Bucket: s.bucket, Name: name, Kind: kind, Err: err}
}

func (s *Store) checkName(op, name string) error {
	if err := storage.CheckName(op, s.bucket, name); err != nil {
		return err
	}
	if first, _, _ := strings.Cut(name, "/"); first == metaDir {
		return s.fail(op, name, storage.ErrInvalidName, fmt.Errorf("%q: names under %s/ are reserved for the store's records", name, metaDir))
	}
	return nil
}

// describe builds the attributes of the file behind fi. The caller holds the
// lock, shared or exclusive.
func (s *Store) describe(name string, fi os.FileInfo) storage.Attrs {
	a := storage.Attrs{Bucket: s.bucket, Name: name, Size: fi.Size()}
	if sc, ok := s.readSidecar(name); ok && sc.Size == fi.Size() && sc.ModNanos == fi.ModTime().UnixNano() && sc.Inode == inode(fi) {
		a.Generation = sc.Generation
		a.Metageneration = sc.Metageneration
		a.ContentType = sc.ContentType
		a.MD5 = sc.MD5
		a.CRC32C, a.HasCRC32C = sc.CRC32C, true
		a.Metadata = sc.Metadata
		a.Created, a.Updated = sc.Created, sc.Updated
		return a
	}
	// A file put here by hand: its modification time stands in for the
	// generation, as a GCS generation is the write time in microseconds.
	mod := fi.ModTime().UTC()
	a.Generation = max(mod.UnixMicro(), 1)
	a.Metageneration = 1
	a.ContentType = mime.TypeByExtension(path.Ext(name))
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	a.Created, a.Updated = mod, mod
	return a
}

func (s *Store) readSidecar(name string) (sidecar, bool) {
	b, err := os.ReadFile(s.sidecarPath(name))
	if err != nil {
		return sidecar{}, false
	}
	var sc sidecar
	if err := json.Unmarshal(b, &sc); err != nil {
		return sidecar{}, false
	}
	return sc, true
}

// stat describes the live object; the caller holds the lock.
func (s *Store) stat(op, name string) (storage.Attrs, error) {
	fi, err := os.Stat(s.dataPath(name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return storage.Attrs{}, s.fail(op, name, storage.ErrNotFound, nil)
		}
		return storage.Attrs{}, s.fail(op, name, nil, err)
	}
	if !fi.Mode().IsRegular() {
		// A directory is a prefix of other objects, not an object.
		return storage.Attrs{}, s.fail(op, name, storage.ErrNotFound, nil)
	}
	return s.describe(name, fi), nil
}

// Stat returns the attributes of the live object.
func (s *Store) Stat(ctx context.Context, name string, opts *storage.ReadOptions) (storage.Attrs, error) {
	if err := s.checkName("stat", name); err != nil {
		return storage.Attrs{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Attrs{}, s.fail("stat", name, storage.ClassifyIO(err), err)
	}
	unlock, err := s.lock(false)
	if err != nil {
		return storage.Attrs{}, s.fail("stat", name, nil, err)
	}
	defer unlock()
	a, err := s.stat("stat", name)
	if opts != nil && opts.Generation != 0 && (errors.Is(err, storage.ErrNotFound) || (err == nil && opts.Generation != a.Generation)) {
		a, _, err = s.version("stat", name, opts.Generation, a.Generation)
	}
	if err != nil {
		return storage.Attrs{}, err
	}
	return a, nil
}

// Get opens the live object. The open file keeps reading the generation it
// was opened at even if a Put replaces the object meanwhile.
func (s *Store) Get(ctx context.Context, name string, opts *storage.ReadOptions) (*storage.Reader, error) {
	if err := s.checkName("get", name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, s.fail("get", name, storage.ClassifyIO(err), err)
	}
	unlock, err := s.lock(false)
	if err != nil {
		return nil, s.fail("get", name, nil, err)
	}
	defer unlock()
	f, err := os.Open(s.dataPath(name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			if opts != nil && opts.Generation != 0 {
				return s.openVersion(name, opts.Generation, 0)
			}
			return nil, s.fail("get", name, storage.ErrNotFound, nil)
		}
		return nil, s.fail("get", name, nil, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, s.fail("get", name, nil, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, s.fail("get", name, storage.ErrNotFound, nil)
	}
	a := s.describe(name, fi)
	if opts != nil && opts.Generation != 0 && opts.Generation != a.Generation {
		f.Close()
		return s.openVersion(name, opts.Generation, a.Generation)
	}
	return storage.NewReader(a, f), nil
}

// Put stages body in .meta/tmp, then under the exclusive lock checks the
// condition and renames the file into place.
func (s *Store) Put(ctx context.Context, name string, body io.Reader, opts *storage.PutOptions) (storage.Attrs, error) {
	if opts == nil {
		opts = &storage.PutOptions{}
	}
	if err := s.checkName("put", name); err != nil {
		return storage.Attrs{}, err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.root, metaDir, tmpDir), "put-*")
	if err != nil {
		return storage.Attrs{}, s.fail("put", name, nil, err)
	}
	staged := tmp.Name()
	committed := false
	defer func() {
		if !committed {
			os.Remove(staged)
		}
	}()
	md5h, crc := md5.New(), crc32.New(castagnoli)
	_, err = io.Copy(io.MultiWriter(tmp, md5h, crc), &ctxReader{ctx: ctx, r: body})
	if err == nil && s.sync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return storage.Attrs{}, s.fail("put", name, storage.ClassifyIO(err), err)
	}

	unlock, err := s.lock(true)
	if err != nil {
		return storage.Attrs{}, s.fail("put", name, nil, err)
	}
	prev, prevErr := s.stat("put", name)
	exists := prevErr == nil
	if prevErr != nil && !errors.Is(prevErr, storage.ErrNotFound) {
		unlock()
		return storage.Attrs{}, prevErr
	}
	if want, ok := opts.If.Generation(); ok {
		live := int64(0)
		if exists {
			live = prev.Generation
		}
		if want != live {
			unlock()
			return storage.Attrs{}, s.fail("put", name, storage.ErrPreconditionFailed, fmt.Errorf("want generation %d, live generation is %d", want, live))
		}
	}
	var pruned []storage.Attrs
	if exists && s.keep > 0 {
		if pruned, err = s.keepVersion(name, prev); err != nil {
			unlock()
			return storage.Attrs{}, s.fail("put", name, nil, fmt.Errorf("keeping generation %d: %w", prev.Generation, err))
		}
	}
	now := time.Now().UTC()
	sc := sidecar{
		// Like GCS's, generations are the write time in microseconds, and
		// never below the generation replaced: the catalog orders events
		// by generation.
		Generation:     max(now.UnixMicro(), prev.Generation+1),
		Metageneration: 1,
		ContentType:    opts.ContentType,
		MD5:            md5h.Sum(nil),
		CRC32C:         crc.Sum32(),
		Metadata:       cloneMap(opts.Metadata),
		Created:        now,
		Updated:        now,
	}
	a, err := s.commit(name, staged, sc)
	unlock()
	if err != nil {
		return storage.Attrs{}, err
	}
	committed = true
	if exists {
		s.ended(ctx, prev, pruned)
	}
	s.notify(ctx, storage.ObjectFinalized, a)
	return a, nil
}

// ended reports the end of the live generation a and the removal of the
// noncurrent generations dropped with it.
func (s *Store) ended(ctx context.Context, a storage.Attrs, pruned []storage.Attrs) {
	if s.keep > 0 {
		s.notify(ctx, storage.ObjectArchived, a)
	} else {
		s.notify(ctx, storage.ObjectDeleted, a)
	}
	for _, p := range pruned {
		s.notify(ctx, storage.ObjectDeleted, p)
	}
}

func (s *Store) notify(ctx context.Context, typ storage.EventType, a storage.Attrs) {
	if s.onChange != nil {
		s.onChange(ctx, storage.Event{Type: typ, Object: a})
	}
}

// commit moves the staged file into place and records its sidecar. The
// caller holds the exclusive lock.
func (s *Store) commit(name, staged string, sc sidecar) (storage.Attrs, error) {
	dst := s.dataPath(name)
	if err := s.mkdirParents(name, dst); err != nil {
		return storage.Attrs{}, err
	}
	if fi, err := os.Lstat(dst); err == nil && fi.IsDir() {
		return storage.Attrs{}, s.fail("put", name, storage.ErrInvalidName, fmt.Errorf("%q is a prefix of other objects, which a directory cannot also hold as a file", name))
	}
	fi, err := os.Stat(staged)
	if err != nil {
		return storage.Attrs{}, s.fail("put", name, nil, err)
	}
	sc.Size, sc.ModNanos, sc.Inode = fi.Size(), fi.ModTime().UnixNano(), inode(fi)
	if err := os.Rename(staged, dst); err != nil {
		return storage.Attrs{}, s.fail("put", name, nil, err)
	}
	if err := s.writeSidecar(name, sc); err != nil {
		// The bytes are live; without their sidecar they are described from
		// the file system, as a file copied in by hand would be.
		return storage.Attrs{}, s.fail("put", name, nil, fmt.Errorf("object written but its attributes were not recorded: %w", err))
	}
	return storage.Attrs{
		Bucket: s.bucket, Name: name, Size: sc.Size,
		Generation: sc.Generation, Metageneration: sc.Metageneration,
		ContentType: sc.ContentType, MD5: sc.MD5, CRC32C: sc.CRC32C, HasCRC32C: true,
		Metadata: cloneMap(sc.Metadata), Created: sc.Created, Updated: sc.Updated,
	}, nil
}

func (s *Store) mkdirParents(name, dst string) error {
	err := os.MkdirAll(filepath.Dir(dst), 0o755)
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
		return s.fail("put", name, storage.ErrInvalidName, fmt.Errorf("a prefix of %q is an object, which a directory cannot also hold as a folder", name))
	}
	return s.fail("put", name, nil, err)
}

func (s *Store) writeSidecar(name string, sc sidecar) error {
	return s.writeRecord(s.sidecarPath(name), sc)
}

// writeRecord writes sc to dst through a staged file and a rename.
func (s *Store) writeRecord(dst string, sc sidecar) error {
	b, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.root, metaDir, tmpDir), "meta-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err == nil && s.sync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Delete removes the object and its sidecar, then any folders left empty,
// since a bucket has no empty folders.
func (s *Store) Delete(ctx context.Context, name string, opts *storage.DeleteOptions) error {
	if err := s.checkName("delete", name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return s.fail("delete", name, storage.ClassifyIO(err), err)
	}
	unlock, err := s.lock(true)
	if err != nil {
		return s.fail("delete", name, nil, err)
	}
	prev, err := s.stat("delete", name)
	if err != nil {
		unlock()
		return err
	}
	if opts != nil {
		if want, ok := opts.If.Generation(); ok && want != prev.Generation {
			unlock()
			return s.fail("delete", name, storage.ErrPreconditionFailed, fmt.Errorf("want generation %d, live generation is %d", want, prev.Generation))
		}
	}
	var pruned []storage.Attrs
	if s.keep > 0 {
		if pruned, err = s.keepVersion(name, prev); err != nil {
			unlock()
			return s.fail("delete", name, nil, fmt.Errorf("keeping generation %d: %w", prev.Generation, err))
		}
	}
	if err := os.Remove(s.dataPath(name)); err != nil {
		unlock()
		return s.fail("delete", name, nil, err)
	}
	if err := os.Remove(s.sidecarPath(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		unlock()
		return s.fail("delete", name, nil, fmt.Errorf("object deleted but its attributes were not: %w", err))
	}
	pruneEmpty(s.root, filepath.Dir(s.dataPath(name)))
	pruneEmpty(filepath.Join(s.root, metaDir, objectsDir), filepath.Dir(s.sidecarPath(name)))
	unlock()
	s.ended(ctx, prev, pruned)
	return nil
}

// Update changes the custom metadata of the live generation, as a PATCH of
// the object's metadata does on Cloud Storage: the keys given are set, a
// key given the empty value is removed, the others stay. The generation and
// the bytes stay; the metageneration grows by one. cond guards on the live
// generation.
func (s *Store) Update(ctx context.Context, name string, metadata map[string]string, cond storage.Condition) (storage.Attrs, error) {
	if err := s.checkName("update", name); err != nil {
		return storage.Attrs{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Attrs{}, s.fail("update", name, storage.ClassifyIO(err), err)
	}
	unlock, err := s.lock(true)
	if err != nil {
		return storage.Attrs{}, s.fail("update", name, nil, err)
	}
	a, err := s.stat("update", name)
	if err != nil {
		unlock()
		return storage.Attrs{}, err
	}
	if want, ok := cond.Generation(); ok && want != a.Generation {
		unlock()
		return storage.Attrs{}, s.fail("update", name, storage.ErrPreconditionFailed, fmt.Errorf("want generation %d, live generation is %d", want, a.Generation))
	}
	fi, err := os.Stat(s.dataPath(name))
	if err != nil {
		unlock()
		return storage.Attrs{}, s.fail("update", name, nil, err)
	}
	md := cloneMap(a.Metadata)
	for k, v := range metadata {
		if md == nil {
			md = map[string]string{}
		}
		if v == "" {
			delete(md, k)
		} else {
			md[k] = v
		}
	}
	if a.MD5 == nil {
		if a.MD5, a.CRC32C, err = checksums(s.dataPath(name)); err != nil {
			unlock()
			return storage.Attrs{}, s.fail("update", name, nil, err)
		}
	}
	a.Metadata, a.Metageneration, a.Updated, a.HasCRC32C = cloneMap(md), a.Metageneration+1, time.Now().UTC(), true
	sc := sidecar{
		Generation: a.Generation, Metageneration: a.Metageneration, ContentType: a.ContentType,
		MD5: a.MD5, CRC32C: a.CRC32C, Metadata: a.Metadata, Created: a.Created, Updated: a.Updated,
		Size: fi.Size(), ModNanos: fi.ModTime().UnixNano(), Inode: inode(fi),
	}
	err = s.writeSidecar(name, sc)
	unlock()
	if err != nil {
		return storage.Attrs{}, s.fail("update", name, nil, err)
	}
	a.Metadata = cloneMap(md)
	s.notify(ctx, storage.ObjectMetadataUpdated, a)
	return a, nil
}

// pruneEmpty removes dir and its parents while they are empty, stopping at
// stop (exclusive).
func pruneEmpty(stop, dir string) {
	for dir != stop && strings.HasPrefix(dir, stop+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// List walks the folder the prefix points into and yields the files in the
// byte order of their names, as GCS does.
func (s *Store) List(ctx context.Context, opts *storage.ListOptions) iter.Seq2[storage.Attrs, error] {
	if opts == nil {
		opts = &storage.ListOptions{}
	}
	return func(yield func(storage.Attrs, error) bool) {
		names, err := s.names(opts.Prefix)
		if err != nil {
			yield(storage.Attrs{}, err)
			return
		}
		n := 0
		for _, name := range names {
			if name < opts.StartOffset {
				continue
			}
			if err := ctx.Err(); err != nil {
				yield(storage.Attrs{}, s.fail("list", opts.Prefix, storage.ClassifyIO(err), err))
				return
			}
			a, err := s.Stat(ctx, name, nil)
			if errors.Is(err, storage.ErrNotFound) {
				continue // deleted since the walk
			}
			if !yield(a, err) || err != nil {
				return
			}
			n++
			if opts.Limit > 0 && n >= opts.Limit {
				return
			}
		}
	}
}

func (s *Store) names(prefix string) ([]string, error) {
	dir := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = prefix[:i]
		if err := s.checkName("list", dir); err != nil {
			return nil, err
		}
	}
	start := filepath.Join(s.root, filepath.FromSlash(dir))
	var names []string
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			if name == metaDir {
				return fs.SkipDir
			}
			return nil
		}
		// Files copied in by hand with names no store could address are
		// left out rather than failing the listing.
		if d.Type().IsRegular() && strings.HasPrefix(name, prefix) && storage.ValidateName(name) == nil {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return nil, s.fail("list", prefix, nil, err)
	}
	slices.Sort(names)
	return names, nil
}

// SignedURL is not available on a directory: there is no server to verify a
// signature. The local pipeline serves object paths instead.
func (s *Store) SignedURL(name string, ttl time.Duration) (string, error) {
	if err := s.checkName("sign", name); err != nil {
		return "", err
	}
	return "", s.fail("sign", name, storage.ErrUnsupported, errors.New("a local directory cannot sign URLs"))
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func cloneMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
