// Package transfer moves animation files between a machine and the
// pipeline's buckets: Upload pushes downloads into the uploads bucket, Pull
// fetches catalogued blends into a folder with a manifest for a game
// engine's build.
package transfer

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// IsAnimation reports whether a file name has one of the extensions the
// pipeline validates (animfile's formats: .fbx, .glb, .gltf, .bvh).
func IsAnimation(name string) bool {
	_, err := animfile.ByExtension(path.Ext(name))
	return err == nil
}

// UploadOptions configure Upload.
type UploadOptions struct {
	Store storage.Store
	// Prefix is put before every object name ("batch-7/").
	Prefix string
	// Workers is how many files go up at once (WORKER_POOL_SIZE); 1 when
	// below.
	Workers int
	// MaxFileSize refuses larger files before sending (MAX_FILE_SIZE_MB in
	// bytes); 0 means no limit.
	MaxFileSize int64
	// Timeout bounds each attempt at one file (UPLOAD_TIMEOUT_SECONDS); 0
	// means none.
	Timeout time.Duration
	// Retry repeats an attempt that failed transiently (MAX_RETRIES,
	// RETRY_BACKOFF_MULTIPLIER); its Retryable is set here.
	Retry resilience.Policy
	// Metadata is attached to every object written.
	Metadata map[string]string
	// Progress is told of each file and each byte read; may be nil.
	Progress Progress
}

// Outcome is what happened to one file.
type Outcome string

const (
	Uploaded Outcome = "uploaded"
	Skipped  Outcome = "skipped" // the object already holds the same bytes
	Failed   Outcome = "failed"
)

// Result is the outcome of one file.
type Result struct {
	Path       string  `json:"path"`
	Object     string  `json:"object,omitempty"`
	Size       int64   `json:"size"`
	Outcome    Outcome `json:"outcome"`
	Reason     string  `json:"reason,omitempty"`
	Generation int64   `json:"generation,omitempty"`
	Attempts   int     `json:"attempts,omitempty"`
}

// UploadReport lists every file in the order given.
type UploadReport struct {
	Results []Result      `json:"results"`
	Bytes   int64         `json:"bytes_uploaded"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Count returns how many files had outcome o.
func (r UploadReport) Count(o Outcome) int { return count(r.Results, o) }

// count returns how many of results had outcome o.
func count(results []Result, o Outcome) int {
	n := 0
	for _, r := range results {
		if r.Outcome == o {
			n++
		}
	}
	return n
}

// OK reports whether every file went up or was already there.
func (r UploadReport) OK() bool { return r.Count(Failed) == 0 }

// file is one file found under the paths, with its object name.
type file struct {
	path, object string
	size         int64
}

// collect finds the files to upload: each path that is a file, and the
// animation files under each path that is a folder (hidden entries are
// skipped). A file's object name is its base name; a folder's files keep
// their path below the folder. Files that cannot be uploaded are returned
// as failed results.
func collect(paths []string, prefix string) ([]file, []Result) {
	var files []file
	var bad []Result
	seen := map[string]string{}
	add := func(p, rel string, size int64) {
		name := prefix + filepath.ToSlash(rel)
		switch {
		case !IsAnimation(p):
			bad = append(bad, Result{Path: p, Size: size, Outcome: Failed, Reason: "not an animation file (want " + animfile.ExtensionList() + ")"})
		case seen[name] != "":
			bad = append(bad, Result{Path: p, Object: name, Size: size, Outcome: Failed, Reason: "same object name as " + seen[name]})
		default:
			if err := storage.ValidateName(name); err != nil {
				bad = append(bad, Result{Path: p, Object: name, Size: size, Outcome: Failed, Reason: err.Error()})
				return
			}
			seen[name] = p
			files = append(files, file{path: p, object: name, size: size})
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			bad = append(bad, Result{Path: p, Outcome: Failed, Reason: err.Error()})
			continue
		}
		if !fi.IsDir() {
			add(p, filepath.Base(p), fi.Size())
			continue
		}
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				bad = append(bad, Result{Path: q, Outcome: Failed, Reason: err.Error()})
				return nil
			}
			if q != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !IsAnimation(q) {
				return nil
			}
			fi, err := os.Stat(q) // follows a link to a file
			if err != nil || !fi.Mode().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(p, q)
			if err != nil {
				return err
			}
			add(q, rel, fi.Size())
			return nil
		})
		if err != nil {
			bad = append(bad, Result{Path: p, Outcome: Failed, Reason: err.Error()})
		}
	}
	return files, bad
}

// Upload sends the files under paths to the store, Workers at a time. A file
// whose object already holds the same bytes (by MD5, or the sha256 metadata
// where the store knows no MD5) is skipped; a larger one than MaxFileSize
// fails before anything is sent. Each object carries Metadata and the
// content's SHA-256. An existing object is replaced only if it is still the
// generation compared, so a concurrent writer's object is never lost; the
// guard also lets the Cloud Storage client resume a failed chunk on its own.
// Failed files do not stop the others; the report says why each failed.
func Upload(ctx context.Context, opts UploadOptions, paths []string) UploadReport {
	start := time.Now()
	files, bad := collect(paths, opts.Prefix)
	prog := opts.Progress
	if prog == nil {
		prog = nopProgress{}
	}
	var total int64
	for _, f := range files {
		total += f.size
	}
	prog.Start(len(files)+len(bad), total)
	for _, r := range bad {
		prog.Done(r)
	}
	var sent atomic.Int64
	results := each(opts.Workers, len(files), func(i int) Result {
		r := uploadOne(ctx, opts, files[i], prog)
		if r.Outcome == Uploaded {
			sent.Add(files[i].size)
		}
		prog.Done(r)
		return r
	})
	prog.Finish()
	return UploadReport{Results: append(bad, results...), Bytes: sent.Load(), Elapsed: time.Since(start)}
}

func uploadOne(ctx context.Context, opts UploadOptions, f file, prog Progress) Result {
	res := Result{Path: f.path, Object: f.object, Size: f.size, Outcome: Failed}
	if opts.MaxFileSize > 0 && f.size > opts.MaxFileSize {
		res.Reason = fmt.Sprintf("%s is over the limit of %s (MAX_FILE_SIZE_MB)", mib(f.size), mib(opts.MaxFileSize))
		prog.Add(f.size) // counted as handled, so the bar still reaches the end
		return res
	}
	sums, err := checksums(f.path)
	if err != nil {
		res.Reason = err.Error()
		prog.Add(f.size)
		return res
	}
	policy := opts.Retry
	policy.Retryable = storage.IsTransient
	attempt := func(ctx context.Context) error {
		res.Attempts++
		if opts.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
			defer cancel()
		}
		live, err := opts.Store.Stat(ctx, f.object, nil)
		var cond storage.Condition
		switch {
		case err == nil && sums.same(live) && res.Attempts > 1:
			// An earlier attempt went through but its answer was lost.
			res.Outcome, res.Generation = Uploaded, live.Generation
			prog.Add(f.size)
			return nil
		case err == nil && sums.same(live):
			res.Outcome, res.Reason, res.Generation = Skipped, "already uploaded with the same checksum", live.Generation
			prog.Add(f.size)
			return nil
		case err == nil:
			cond = storage.GenerationMatch(live.Generation)
		case errors.Is(err, storage.ErrNotFound):
			cond = storage.DoesNotExist()
		default:
			return err
		}
		fh, err := os.Open(f.path)
		if err != nil {
			return err
		}
		defer fh.Close()
		body := &counting{r: fh, add: prog.Add}
		md := maps.Clone(opts.Metadata)
		if md == nil {
			md = map[string]string{}
		}
		// The key the pipeline marks its own objects' content with.
		md[library.MetaSHA256] = sums.sha256
		a, err := opts.Store.Put(ctx, f.object, body, &storage.PutOptions{ContentType: contentType(f.object), Metadata: md, If: cond})
		if err != nil {
			prog.Add(-body.n) // sent again by the next attempt
		}
		if errors.Is(err, storage.ErrPreconditionFailed) {
			// Written meanwhile: by an earlier attempt whose answer was
			// lost, or by someone else.
			if now, serr := opts.Store.Stat(ctx, f.object, nil); serr == nil && sums.same(now) {
				prog.Add(f.size)
				res.Outcome, res.Generation = Uploaded, now.Generation
				return nil
			}
			if res.Attempts > 1 {
				// Most likely the remains of our own abandoned attempt:
				// compare and guard again.
				return &storage.Error{Op: "put", Bucket: opts.Store.Bucket(), Name: f.object, Kind: storage.ErrTransient, Err: err}
			}
			return fmt.Errorf("the object changed while it was being uploaded; run again to compare: %w", err)
		}
		if errors.Is(err, storage.ErrNotFound) {
			// Not a missing object, since a Put creates it: an upload
			// session the store no longer knows (expired, or finished by a
			// chunk whose answer was lost). A new attempt starts another.
			return &storage.Error{Op: "put", Bucket: opts.Store.Bucket(), Name: f.object, Kind: storage.ErrTransient, Err: err}
		}
		if err != nil {
			return err
		}
		if !sums.same(a) {
			// A resumed upload that repeated or lost a chunk: the store has
			// other bytes than the file. The next attempt replaces them.
			prog.Add(-body.n)
			return &storage.Error{Op: "put", Bucket: opts.Store.Bucket(), Name: f.object, Kind: storage.ErrTransient,
				Err: fmt.Errorf("the stored object's MD5 %x differs from the file's %x", a.MD5, sums.md5)}
		}
		res.Outcome, res.Generation = Uploaded, a.Generation
		return nil
	}
	if err := resilience.Retry(ctx, policy, attempt); err != nil {
		res.Outcome, res.Reason = Failed, err.Error()
		return res
	}
	return res
}

type sums struct {
	md5    []byte
	sha256 string
}

func checksums(p string) (sums, error) {
	f, err := os.Open(p)
	if err != nil {
		return sums{}, err
	}
	defer f.Close()
	m, s := md5.New(), sha256.New()
	if _, err := io.Copy(io.MultiWriter(m, s), f); err != nil {
		return sums{}, fmt.Errorf("read %s: %w", p, err)
	}
	return sums{md5: m.Sum(nil), sha256: hex.EncodeToString(s.Sum(nil))}, nil
}

// same reports whether the object holds these bytes: by MD5 when the store
// knows it, else by the SHA-256 an upload recorded.
func (s sums) same(a storage.Attrs) bool {
	if a.MD5 != nil {
		return bytes.Equal(a.MD5, s.md5)
	}
	return library.ContentHash(a.Metadata) == s.sha256
}

// contentType is the content type of the object name by its extension;
// application/octet-stream when it names no format.
func contentType(name string) string {
	f, _ := animfile.ByExtension(path.Ext(name))
	return f.ContentType()
}

// counting reports the bytes read through it.
type counting struct {
	r   io.Reader
	n   int64
	add func(int64)
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.add(int64(n))
	return n, err
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
