package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// ManifestName is the manifest's file name in a pulled folder.
const ManifestName = "manifest.json"

// ManifestVersion is the manifest's format; it changes only when a field
// changes meaning or goes away.
const ManifestVersion = 1

// Outcomes of Pull.
const (
	Downloaded Outcome = "downloaded"
	Unchanged  Outcome = "unchanged" // the file in place already has the catalogued checksum
	Removed    Outcome = "removed"   // no longer selected; its file was deleted
)

// Manifest describes a pulled folder: every file in it the pull placed and
// verified, with what an engine needs to use it without reading it.
type Manifest struct {
	Version     int       `json:"version"`
	GeneratedAt time.Time `json:"generated_at"`
	// Library is the bucket the files came from.
	Library string `json:"library"`
	// Filter is the selection, as given.
	Filter     ManifestFilter `json:"filter"`
	Animations []Entry        `json:"animations"`
}

// ManifestFilter records the selection of a pull.
type ManifestFilter struct {
	Kind   string     `json:"kind,omitempty"`
	Rig    string     `json:"rig,omitempty"`
	Clip   string     `json:"clip,omitempty"`
	Method string     `json:"method,omitempty"`
	Source string     `json:"source,omitempty"`
	Prefix string     `json:"prefix,omitempty"`
	Since  *time.Time `json:"since,omitempty"`
	Until  *time.Time `json:"until,omitempty"`
}

// Entry is one pulled animation.
type Entry struct {
	// Name is the object's name in the library; File is the file's path
	// relative to the manifest, with forward slashes.
	Name         string           `json:"name"`
	File         string           `json:"file"`
	SHA256       string           `json:"sha256"`
	Size         int64            `json:"size"`
	Generation   int64            `json:"generation"`
	Kind         string           `json:"kind"`
	Format       string           `json:"format,omitempty"`
	Rig          string           `json:"rig,omitempty"`
	Clip         string           `json:"clip,omitempty"`
	Method       string           `json:"method,omitempty"`
	FPS          float64          `json:"fps,omitempty"`
	Frames       int64            `json:"frames,omitempty"`
	DurationS    float64          `json:"duration_s"`
	JointCount   int64            `json:"joint_count,omitempty"`
	RootMotionCM float64          `json:"root_motion_cm,omitempty"`
	Sources      []string         `json:"sources,omitempty"`
	Options      json.RawMessage  `json:"options,omitempty"`
	Metrics      json.RawMessage  `json:"metrics,omitempty"`
	Quality      *catalog.Quality `json:"quality,omitempty"`
	Preview      string           `json:"preview,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
}

// PullOptions configure Pull.
type PullOptions struct {
	Catalog catalog.Store
	Library storage.Store
	// Filter selects the rows; an empty Kind selects blends.
	Filter catalog.Filter
	// Dir receives the files (at their object names) and the manifest.
	Dir string
	// Workers is how many files download at once; 1 when below.
	Workers int
	// Timeout bounds each attempt at one file; 0 means none.
	Timeout time.Duration
	// Retry repeats an attempt that failed transiently; its Retryable is
	// set here.
	Retry resilience.Policy
	// Progress is told of each file and byte; may be nil.
	Progress Progress
	// Now stamps the manifest; time.Now when nil.
	Now func() time.Time
}

// PullReport lists every selected row's outcome and every file removed.
type PullReport struct {
	Results  []Result      `json:"results"`
	Bytes    int64         `json:"bytes_downloaded"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	Manifest string        `json:"manifest"`
	// Notes say what the pull could not rely on (an unreadable manifest).
	Notes []string `json:"notes,omitempty"`
}

// Count returns how many results had outcome o.
func (r PullReport) Count(o Outcome) int { return count(r.Results, o) }

// OK reports whether every selected row is in place.
func (r PullReport) OK() bool { return r.Count(Failed) == 0 }

// Pull brings Dir in line with the catalog's current rows under Filter: a
// file whose SHA-256 already matches its row stays, others are downloaded
// (the generation the row describes) to a temporary file, verified against
// the row's checksum and size, and only then renamed into place; a file the
// previous manifest listed that is no longer selected is removed. The
// manifest, written last and atomically, lists the files in place: the new
// rows, and for rows that failed, the previous file if it is still there.
func Pull(ctx context.Context, opts PullOptions) (PullReport, error) {
	start := time.Now()
	rep := PullReport{Manifest: filepath.Join(opts.Dir, ManifestName)}
	f := opts.Filter
	if f.Kind == "" {
		f.Kind = catalog.KindBlend
	}
	rows, err := opts.Catalog.Current(ctx, f)
	if err != nil {
		return rep, fmt.Errorf("pull: read catalog: %w", err)
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return rep, fmt.Errorf("pull: %w", err)
	}
	prev, err := ReadManifest(rep.Manifest)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("previous manifest ignored, every file is checked: %v", err))
	}
	old := map[string]Entry{}
	for _, e := range prev.Animations {
		old[e.Name] = e
	}
	prog := opts.Progress
	if prog == nil {
		prog = nopProgress{}
	}
	var total int64
	for _, r := range rows {
		total += r.Size
	}
	prog.Start(len(rows), total)

	var got atomic.Int64
	results := each(opts.Workers, len(rows), func(i int) Result {
		r := pullOne(ctx, opts, rows[i], prog)
		if r.Outcome == Downloaded {
			got.Add(rows[i].Size)
		}
		prog.Done(r)
		return r
	})

	man := Manifest{Version: ManifestVersion, Library: opts.Library.Bucket(), Filter: manifestFilter(f), Animations: []Entry{}}
	if opts.Now != nil {
		man.GeneratedAt = opts.Now().UTC()
	} else {
		man.GeneratedAt = time.Now().UTC()
	}
	selected := map[string]bool{}
	for i, r := range rows {
		selected[r.Name] = true
		switch {
		case results[i].Outcome != Failed:
			man.Animations = append(man.Animations, entry(r))
		case old[r.Name].Name != "" && fileExists(filepath.Join(opts.Dir, filepath.FromSlash(old[r.Name].File))):
			man.Animations = append(man.Animations, old[r.Name])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(old)) {
		if selected[name] {
			continue
		}
		e := old[name]
		res := Result{Path: filepath.Join(opts.Dir, filepath.FromSlash(e.File)), Object: name, Size: e.Size, Outcome: Removed}
		if err := removeOwned(opts.Dir, e.File); err != nil {
			res.Outcome, res.Reason = Failed, "not removed: "+err.Error()
			man.Animations = append(man.Animations, e)
		}
		prog.Done(res)
		results = append(results, res)
	}
	prog.Finish()
	slices.SortFunc(man.Animations, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	rep.Results, rep.Bytes = results, got.Load()
	if err := writeManifest(rep.Manifest, man); err != nil {
		return rep, fmt.Errorf("pull: write manifest: %w", err)
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// localFile maps an object name to a path below dir; names the store
// accepted never escape it, but the catalog is read, not trusted.
func localFile(dir, name string) (string, error) {
	clean := path.Clean(name)
	if clean != name || strings.HasPrefix(clean, "../") || path.IsAbs(clean) || clean == ManifestName || strings.HasPrefix(path.Base(clean), ".") {
		return "", fmt.Errorf("object name %q cannot be a file in the folder", name)
	}
	return filepath.Join(dir, filepath.FromSlash(clean)), nil
}

func pullOne(ctx context.Context, opts PullOptions, r catalog.Row, prog Progress) Result {
	res := Result{Object: r.Name, Size: r.Size, Outcome: Failed, Generation: r.Generation}
	dst, err := localFile(opts.Dir, r.Name)
	if err != nil {
		res.Reason = err.Error()
		return res
	}
	res.Path = dst
	if len(r.SHA256) != 64 {
		res.Reason = fmt.Sprintf("the catalog row holds no SHA-256 (%q) to verify a download against; run blendpipe resync", r.SHA256)
		return res
	}
	if sum, err := fileSHA256(dst); err == nil && sum == r.SHA256 {
		res.Outcome = Unchanged
		prog.Add(r.Size)
		return res
	}
	policy := opts.Retry
	policy.Retryable = storage.IsTransient
	err = resilience.Retry(ctx, policy, func(ctx context.Context) error {
		res.Attempts++
		if opts.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
			defer cancel()
		}
		return download(ctx, opts.Library, r, dst, prog)
	})
	if errors.Is(err, storage.ErrNotFound) {
		res.Reason = fmt.Sprintf("generation %d is no longer in the library (the catalog is behind the bucket; run blendpipe resync): %v", r.Generation, err)
		return res
	}
	if err != nil {
		res.Reason = err.Error()
		return res
	}
	res.Outcome = Downloaded
	return res
}

// errChecksum marks a download whose bytes are not the catalogued ones.
var errChecksum = errors.New("checksum mismatch")

// download writes generation r.Generation of the object to a temporary file
// beside dst, checks its SHA-256 and size against the row, and renames it
// into place. Nothing is left behind on failure.
func download(ctx context.Context, s storage.Store, r catalog.Row, dst string, prog Progress) (err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	obj, err := s.Get(ctx, r.Name, &storage.ReadOptions{Generation: r.Generation})
	if err != nil {
		return err
	}
	defer obj.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	body := &counting{r: obj, add: prog.Add}
	n, err := io.Copy(io.MultiWriter(tmp, h), body)
	if err != nil {
		prog.Add(-body.n)
		return &storage.Error{Op: "get", Bucket: s.Bucket(), Name: r.Name, Kind: storage.ClassifyIO(err), Err: err}
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != r.SHA256 || n != r.Size {
		prog.Add(-body.n)
		return fmt.Errorf("%w: %s#%d read %d bytes with SHA-256 %s; the catalog says %d bytes with %s",
			errChecksum, r.Name, r.Generation, n, sum, r.Size, r.SHA256)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// removeOwned deletes a file the previous manifest listed, and the folders
// it leaves empty below dir.
func removeOwned(dir, file string) error {
	p, err := localFile(dir, file)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for d := filepath.Dir(p); d != dir && strings.HasPrefix(d, dir+string(filepath.Separator)); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
	return nil
}

func entry(r catalog.Row) Entry {
	e := Entry{
		Name: r.Name, File: r.Name, SHA256: r.SHA256, Size: r.Size, Generation: r.Generation, Kind: string(r.Kind),
		Format: r.Format, Rig: r.Rig, Clip: r.Clip, Method: r.Method, FPS: r.FPS, Frames: r.Frames,
		DurationS: r.DurationS, JointCount: r.JointCount, RootMotionCM: r.RootMotionCM, Sources: r.Sources,
		Quality: r.Quality, Preview: r.Preview, CreatedAt: r.CreatedAt,
	}
	if json.Valid([]byte(r.Options)) {
		e.Options = json.RawMessage(r.Options)
	}
	if json.Valid([]byte(r.Metrics)) {
		e.Metrics = json.RawMessage(r.Metrics)
	}
	return e
}

func manifestFilter(f catalog.Filter) ManifestFilter {
	m := ManifestFilter{Kind: string(f.Kind), Rig: f.Rig, Clip: f.Clip, Method: f.Method, Source: f.Source, Prefix: f.Prefix}
	if !f.Since.IsZero() {
		t := f.Since.UTC()
		m.Since = &t
	}
	if !f.Until.IsZero() {
		t := f.Until.UTC()
		m.Until = &t
	}
	return m
}

// ReadManifest reads a pulled folder's manifest.
func ReadManifest(p string) (Manifest, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", p, err)
	}
	if m.Version != ManifestVersion {
		return Manifest{}, fmt.Errorf("%s: version %d, want %d", p, m.Version, ManifestVersion)
	}
	return m, nil
}

func writeManifest(p string, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+ManifestName+".*")
	if err != nil {
		return err
	}
	if _, err = tmp.Write(append(b, '\n')); err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
