package localdir

import (
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// versionsDir holds noncurrent generations under .meta: for object NAME,
// .meta/versions/NAME/GENERATION is a hard link to the replaced file and
// GENERATION.json its attributes.
const versionsDir = "versions"

func (s *Store) versionDir(name string) string {
	return filepath.Join(s.root, metaDir, versionsDir, filepath.FromSlash(name))
}

// keepVersion keeps the live generation of name, described by a, before a
// Put replaces it or a Delete removes it, and drops the oldest kept ones
// beyond s.keep, returning what it dropped. Linking costs no copy, and the
// live file is renamed over or removed afterwards, so the kept bytes never
// change. The caller holds the exclusive lock.
func (s *Store) keepVersion(name string, a storage.Attrs) ([]storage.Attrs, error) {
	dir := s.versionDir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, strconv.FormatInt(a.Generation, 10))
	if err := os.Remove(data); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.Link(s.dataPath(name), data); err != nil {
		return nil, err
	}
	fi, err := os.Stat(data)
	if err != nil {
		return nil, err
	}
	sc := sidecar{
		Generation: a.Generation, Metageneration: a.Metageneration, ContentType: a.ContentType,
		MD5: a.MD5, CRC32C: a.CRC32C, Metadata: a.Metadata, Created: a.Created, Updated: a.Updated,
		Size: fi.Size(), ModNanos: fi.ModTime().UnixNano(), Inode: inode(fi),
	}
	if a.MD5 == nil {
		// A file copied in by hand: its checksums are computed once, here.
		if sc.MD5, sc.CRC32C, err = checksums(data); err != nil {
			return nil, err
		}
	}
	if err := s.writeRecord(data+".json", sc); err != nil {
		os.Remove(data)
		return nil, err
	}
	return s.pruneVersions(name, dir)
}

// pruneVersions removes all but the newest s.keep generations in dir, as
// the lifecycle rule of a bucket with versioning deletes noncurrent
// generations with enough newer ones, and returns the attributes of those
// it removed.
func (s *Store) pruneVersions(name, dir string) ([]storage.Attrs, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var gens []int64
	for _, e := range entries {
		if g, err := strconv.ParseInt(e.Name(), 10, 64); err == nil {
			gens = append(gens, g)
		}
	}
	slices.Sort(gens)
	var pruned []storage.Attrs
	for _, g := range gens[:max(len(gens)-s.keep, 0)] {
		a, data, err := s.version("prune", name, g, 0)
		if err != nil {
			// A record that does not read still names its generation.
			a = storage.Attrs{Bucket: s.bucket, Name: name, Generation: g}
			data = filepath.Join(dir, strconv.FormatInt(g, 10))
		}
		if err := os.Remove(data + ".json"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return pruned, err
		}
		if err := os.Remove(data); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return pruned, err
		}
		pruned = append(pruned, a)
	}
	return pruned, nil
}

// version describes a kept generation and returns its file. live is the
// live generation (0 when there is none), for the error.
func (s *Store) version(op, name string, gen, live int64) (storage.Attrs, string, error) {
	notFound := func() error {
		why := fmt.Sprintf("generation %d is not live (live: %d)", gen, live)
		if live == 0 {
			why = fmt.Sprintf("generation %d is not live (the object does not exist)", gen)
		}
		if s.keep == 0 {
			return s.fail(op, name, storage.ErrNotFound, errors.New(why+"; this directory keeps no earlier generations"))
		}
		return s.fail(op, name, storage.ErrNotFound, errors.New(why+" nor kept"))
	}
	if s.keep == 0 {
		return storage.Attrs{}, "", notFound()
	}
	data := filepath.Join(s.versionDir(name), strconv.FormatInt(gen, 10))
	b, err := os.ReadFile(data + ".json")
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return storage.Attrs{}, "", notFound()
	}
	if err != nil {
		return storage.Attrs{}, "", s.fail(op, name, nil, err)
	}
	var sc sidecar
	if err := json.Unmarshal(b, &sc); err != nil || sc.Generation != gen {
		return storage.Attrs{}, "", s.fail(op, name, nil, fmt.Errorf("record of generation %d is damaged", gen))
	}
	return storage.Attrs{
		Bucket: s.bucket, Name: name, Size: sc.Size,
		Generation: sc.Generation, Metageneration: sc.Metageneration,
		ContentType: sc.ContentType, MD5: sc.MD5, CRC32C: sc.CRC32C, HasCRC32C: true,
		Metadata: cloneMap(sc.Metadata), Created: sc.Created, Updated: sc.Updated,
	}, data, nil
}

// openVersion opens a kept generation for Get; the caller holds the lock.
func (s *Store) openVersion(name string, gen, live int64) (*storage.Reader, error) {
	a, data, err := s.version("get", name, gen, live)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(data)
	if err != nil {
		return nil, s.fail("get", name, nil, err)
	}
	return storage.NewReader(a, f), nil
}

func checksums(p string) ([]byte, uint32, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	m, c := md5.New(), crc32.New(castagnoli)
	if _, err := io.Copy(io.MultiWriter(m, c), f); err != nil {
		return nil, 0, err
	}
	return m.Sum(nil), c.Sum32(), nil
}
