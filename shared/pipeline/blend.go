package pipeline

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/batch"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/correlation"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/job"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/preview"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/retarget"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// BlendRequest is one blend of objects of the library.
type BlendRequest struct {
	// Sources are object names under seed/ or blend/.
	Sources []string
	Options blend.Options
	// Format is the output format: fbx (default), glb, gltf or bvh.
	Format string
	// Output is the object name to write, under blend/; empty names the blend
	// by its content address.
	Output string
	// ClipName names the output clip; empty keeps the operator's name.
	ClipName      string
	CorrelationID string
}

// BlendResult is a blend in the library.
type BlendResult struct {
	Output     string            `json:"output"`
	Bucket     string            `json:"bucket"`
	Generation int64             `json:"generation"`
	Size       int64             `json:"size"`
	SHA256     string            `json:"sha256"`
	Metadata   map[string]string `json:"metadata"`
	// Quality is the summary kept in the object's metadata and the catalog.
	Quality catalog.Quality `json:"quality"`
	// Report is the full comparison with the inputs; only when this request
	// made the blend.
	Report   *quality.Report `json:"report,omitempty"`
	Warnings []string        `json:"warnings,omitempty"`
	// Written is what the output options did to the file (renamed joints,
	// reduced keys); only when this request made the blend.
	Written *job.OutputReport `json:"written,omitempty"`
	// Retarget is how a retargeted clip met its character: the joints
	// matched, those unmapped (named), the scale and the feet's skating;
	// only when this request made the blend.
	Retarget *retarget.Result `json:"retarget,omitempty"`
	// Cached is true when the blend already existed and nothing was computed.
	Cached bool `json:"cached"`
}

// Blend makes the blend the request asks for, or returns it from the
// library when the same inputs and options were blended before.
func (p *Pipeline) Blend(ctx context.Context, req BlendRequest) (*BlendResult, error) {
	req.CorrelationID = cmp.Or(req.CorrelationID, correlation.ID(ctx))
	return p.blend(ctx, req, nil)
}

// source is one input of a blend.
type source struct {
	attrs storage.Attrs
	sha   string
	rig   string
	clip  string // the clip its metadata names, if any
}

func (p *Pipeline) blend(ctx context.Context, req BlendRequest, cache *inputCache) (*BlendResult, error) {
	format, err := animfile.OutputFormat(req.Output, req.Format)
	if err != nil {
		if req.Format == "" && req.Output == "" {
			format = animfile.FBX.Name()
		} else {
			return nil, &Error{Kind: KindInvalid, Field: "format", Msg: err.Error()}
		}
	}
	if err := checkSources(req.Sources); err != nil {
		return nil, err
	}
	if err := req.Options.Validate(len(req.Sources)); err != nil {
		return nil, optionError(err)
	}
	if req.Output != "" {
		if err := checkOutput(req.Output, format); err != nil {
			return nil, err
		}
	}
	opts := req.Options.Canonical()
	optJSON, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}

	srcs := make([]source, len(req.Sources))
	for i, name := range req.Sources {
		field := fmt.Sprintf("sources[%d]", i)
		a, err := p.Library.Stat(ctx, name, nil)
		if err != nil {
			return nil, storageError(field, name, err)
		}
		if p.MaxFileSize > 0 && a.Size > p.MaxFileSize {
			return nil, &Error{Kind: KindTooLarge, Field: field, Msg: fmt.Sprintf("%s is %d bytes, over the limit of %d", name, a.Size, p.MaxFileSize)}
		}
		// Values that do not decode are left out of the description, and
		// hash and rig are all a source needs.
		md, _ := library.DecodeAnimation(a.Metadata)
		srcs[i] = source{attrs: a, sha: md.SHA256, rig: md.Rig, clip: md.Clip}
	}
	if cache == nil {
		cache = newInputCache()
	}
	// A source put in place by hand has no metadata: its hash and rig come
	// from its bytes.
	for i := range srcs {
		if srcs[i].sha != "" && srcs[i].rig != "" {
			continue
		}
		in, err := cache.load(ctx, p.Library, srcs[i].attrs, fmt.Sprintf("sources[%d]", i))
		if err != nil {
			return nil, err
		}
		srcs[i].sha, srcs[i].rig = in.sha, in.rig
	}

	key := blendKey(srcs, optJSON, format, req.ClipName)
	// A blend is filed under its first input's rig; a retarget under its character's.
	rig := srcs[0].rig
	if opts.Method == blend.Retarget {
		rig = srcs[1].rig
	}
	output := req.Output
	if output == "" {
		output = library.BlendName(rig, opts.Method, key, format)
	}
	if res, err := p.existing(ctx, output, key); res != nil || err != nil {
		return res, err
	}

	inputs := make([]*anim.Animation, len(srcs))
	metrics := make([]quality.Metrics, len(srcs))
	for i, s := range srcs {
		in, err := cache.load(ctx, p.Library, s.attrs, fmt.Sprintf("sources[%d]", i))
		if err != nil {
			return nil, err
		}
		inputs[i], metrics[i] = in.anim, in.metrics
	}
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = sourceClip(s)
	}
	// The clip is named for the blend (blend.Label, as engines can spell it) unless the
	// request names it.
	out, err := job.Blend(inputs, job.Spec{Options: req.Options, Format: format, ClipName: req.ClipName, InputNames: names, InputMetrics: metrics})
	if err != nil {
		return nil, optionError(err)
	}
	sum := sha256.Sum256(out.Data)
	sha := hex.EncodeToString(sum[:])
	q := summary(out.Quality)
	mJSON, _ := json.Marshal(out.Quality.Result.Compact())
	meta := library.Blend{Animation: library.Describe(out.Info), Key: key, Sources: req.Sources, Method: opts.Method,
		Options: string(optJSON), Quality: &q, Metrics: string(mJSON), Label: out.Result.Label}
	var written *job.OutputReport
	if out.Written.Rename != nil || out.Written.Compression != nil {
		w, _ := json.Marshal(out.Written)
		meta.Written, written = string(w), &out.Written
	}
	meta.SHA256, meta.Format, meta.Rig, meta.CorrelationID = sha, format, rig, req.CorrelationID
	// The blend names its pictures, which the blend service draws on the
	// blend's event (DrawPreview), off this request's path.
	spec := blendSpec(out.Result, out.Result.Animation.Clip(), names)
	if err := preview.CheckSheet(out.Result.Animation.Skeleton, out.Result.Animation.Clip(), spec.options()); err != nil {
		p.log().WarnContext(ctx, "no preview can be drawn; the blend has none", "output", output, "error", err)
	} else if sj, err := json.Marshal(spec); err == nil {
		meta.Preview, meta.PreviewOptions = library.PreviewName(output), string(sj)
	}
	a, created, err := storage.PutDerived(ctx, p.Library, output, out.Data, storage.DerivedOptions{
		ContentType: animfile.ContentType(format), Metadata: meta.Encode(),
		Same: func(live storage.Attrs) bool { return blendMeta(live).Key == key },
	})
	switch {
	case errors.Is(err, storage.ErrPreconditionFailed):
		return nil, conflict(output)
	case err != nil:
		return nil, storageError("output", output, err)
	case !created:
		// Another request made the same blend first.
		return cached(a), nil
	}
	report := out.Quality
	p.log().InfoContext(ctx, "blend written", "output", output, "generation", a.Generation, "method", opts.Method,
		"sources", req.Sources, "correlation_id", req.CorrelationID)
	return &BlendResult{Output: output, Bucket: a.Bucket, Generation: a.Generation, Size: a.Size, SHA256: sha,
		Metadata: a.Metadata, Quality: q, Report: &report, Warnings: report.Check(quality.DefaultLimits()), Written: written,
		Retarget: out.Retarget}, nil
}

// existing returns the blend already at output when it was made from the
// same inputs and options (key), nil when output does not exist, and a
// conflict when it holds something else.
func (p *Pipeline) existing(ctx context.Context, output, key string) (*BlendResult, error) {
	a, err := p.Library.Stat(ctx, output, nil)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, storageError("output", output, err)
	}
	if blendMeta(a).Key != key {
		return nil, conflict(output)
	}
	return cached(a), nil
}

func conflict(output string) error {
	return &Error{Kind: KindConflict, Field: "output", Msg: output + " already holds a different blend"}
}

// blendMeta reads a blend's metadata as far as it decodes: the key is a
// plain string, so a bad value elsewhere does not make it another blend.
func blendMeta(a storage.Attrs) library.Blend {
	md, _ := library.DecodeBlend(a.Metadata)
	return md
}

// cached is the result of a blend found in the library. An unreadable
// quality reads as zero.
func cached(a storage.Attrs) *BlendResult {
	md := blendMeta(a)
	var q catalog.Quality
	if md.Quality != nil {
		q = *md.Quality
	}
	return &BlendResult{Output: a.Name, Bucket: a.Bucket, Generation: a.Generation, Size: a.Size,
		SHA256: md.SHA256, Metadata: a.Metadata, Quality: q, Cached: true}
}

// blendKey is the content address of a blend: the input hashes in order,
// the canonical options, the output format and the clip name written into
// the file.
func blendKey(srcs []source, optJSON []byte, format, clip string) string {
	h := sha256.New()
	h.Write([]byte("blend/v1\n"))
	for _, s := range srcs {
		h.Write([]byte(s.sha + "\n"))
	}
	h.Write(optJSON)
	h.Write([]byte("\n" + format))
	if clip != "" {
		h.Write([]byte("\n" + clip))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func checkSources(srcs []string) error {
	if len(srcs) == 0 {
		return &Error{Kind: KindInvalid, Field: "sources", Msg: "missing; want object names under seed/ or blend/"}
	}
	if len(srcs) > batch.MaxInputs {
		return &Error{Kind: KindTooLarge, Field: "sources", Msg: fmt.Sprintf("%d sources exceeds the limit of %d", len(srcs), batch.MaxInputs)}
	}
	for i, s := range srcs {
		field := fmt.Sprintf("sources[%d]", i)
		if err := storage.ValidateName(s); err != nil {
			return &Error{Kind: KindInvalid, Field: field, Msg: err.Error()}
		}
		if !library.IsSeed(s) && !library.IsBlend(s) {
			return &Error{Kind: KindInvalid, Field: field, Msg: fmt.Sprintf("%q is not under seed/ or blend/", s)}
		}
	}
	return nil
}

func checkOutput(out, format string) error {
	if err := storage.ValidateName(out); err != nil {
		return &Error{Kind: KindInvalid, Field: "output", Msg: err.Error()}
	}
	if !library.IsBlend(out) {
		return &Error{Kind: KindInvalid, Field: "output", Msg: fmt.Sprintf("%q is not under blend/", out)}
	}
	if strings.HasSuffix(out, library.ErrorSuffix) {
		return &Error{Kind: KindInvalid, Field: "output", Msg: fmt.Sprintf("%q ends in %s", out, library.ErrorSuffix)}
	}
	if f, _ := animfile.ByName(format); !strings.EqualFold(path.Ext(out), f.Ext()) {
		return &Error{Kind: KindInvalid, Field: "output", Msg: fmt.Sprintf("%q does not end in %s", out, f.Ext())}
	}
	return nil
}

// optionError turns the blend core's *blend.OptionError into a 400 naming the
// field; other failures of a blend are internal.
func optionError(err error) error {
	var oe *blend.OptionError
	if errors.As(err, &oe) {
		field := oe.Field
		if strings.HasPrefix(field, "inputs") {
			field = "sources" + strings.TrimPrefix(field, "inputs")
		}
		return &Error{Kind: KindInvalid, Field: field, Msg: oe.Msg, Err: err}
	}
	return &Error{Kind: KindInternal, Msg: err.Error(), Err: err}
}

// summary keeps the metrics the catalog filters on.
func summary(r quality.Report) catalog.Quality {
	m := r.Result
	q := catalog.Quality{
		SkatingCMS: m.FootSkatingCMPerS, L2Velocity: m.L2VelocityCMPerS, L2Acceleration: m.L2AccelerationCMPerS2,
		MaxPoseChangeCM: m.MaxPoseChangeCM, GroundPenetrationCM: m.PenetrationCM,
	}
	if t := m.Transition; t != nil {
		q.TransitionCost = t.Cost()
	}
	return q
}

// inputCache decodes and measures each source generation once, however
// many blends of a batch use it.
type inputCache struct {
	mu      sync.Mutex
	entries map[string]*cachedInput
}

type cachedInput struct {
	once    sync.Once
	anim    *anim.Animation
	metrics quality.Metrics
	sha     string
	rig     string
	err     error
}

func newInputCache() *inputCache { return &inputCache{entries: map[string]*cachedInput{}} }

func (c *inputCache) load(ctx context.Context, s storage.Store, a storage.Attrs, field string) (*cachedInput, error) {
	key := a.Name + "#" + strconv.FormatInt(a.Generation, 10)
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &cachedInput{}
		c.entries[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		data, _, err := storage.ReadAll(ctx, s, a.Name, &storage.ReadOptions{Generation: a.Generation})
		if err != nil {
			e.err = storageError(field, a.Name, err)
			return
		}
		sum := sha256.Sum256(data)
		e.sha = hex.EncodeToString(sum[:])
		e.anim, err = animfile.Decode(path.Base(a.Name), data)
		if err != nil {
			e.err = &Error{Kind: KindInvalid, Field: field, Msg: "unreadable: " + err.Error(), Err: err}
			return
		}
		info := mixamo.Describe(e.anim)
		e.rig = library.RigFolder(info.Rig, info.RigSignature)
		if e.metrics, err = job.MeasureInput(e.anim); err != nil {
			e.err = &Error{Kind: KindInvalid, Field: field, Msg: err.Error(), Err: err}
		}
	})
	if e.err != nil && KindOf(e.err) == KindUnavailable {
		// Do not keep a transient failure for the rest of the batch.
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	return e, e.err
}

// sourceClip names a source by its clip, else its file name.
func sourceClip(s source) string {
	if s.clip != "" {
		return s.clip
	}
	base := path.Base(s.attrs.Name)
	return strings.TrimSuffix(base, path.Ext(base))
}
