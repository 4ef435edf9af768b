package pipeline

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/batch"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/correlation"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// BatchResult is the body of jobs/<name>.result.json.
type BatchResult struct {
	Manifest   string `json:"manifest"`
	Generation int64  `json:"generation"`
	// Error is a manifest that could not be parsed; no blend ran.
	Error         string        `json:"error,omitempty"`
	Total         int           `json:"total"`
	OK            int           `json:"ok"`
	Failed        int           `json:"failed"`
	Blends        []BatchBlend  `json:"blends"`
	CorrelationID string        `json:"correlation_id,omitempty"`
	Finished      time.Time     `json:"finished"`
	Wall          time.Duration `json:"wall_ns"`
}

// BatchBlend is one blend's outcome in a batch.
type BatchBlend struct {
	Index      int    `json:"index"`
	Name       string `json:"name"`
	Output     string `json:"output,omitempty"`
	Generation int64  `json:"generation,omitempty"`
	Cached     bool   `json:"cached,omitempty"`
	Error      string `json:"error,omitempty"`
	// Kind classifies Error: invalid, not_found, too_large, conflict.
	Kind     string   `json:"kind,omitempty"`
	Field    string   `json:"field,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Batch runs the manifest obj on the worker pool and writes its result
// file. Objects that are not manifests are ignored (nil result). When a
// blend fails transiently nothing is written and the error is returned, so
// the event is redelivered; the blends that succeeded are then found in the
// library instead of being made again.
func (p *Pipeline) Batch(ctx context.Context, obj storage.Attrs, correlationID string) (*BatchResult, error) {
	correlationID = cmp.Or(correlationID, correlation.ID(ctx))
	if !library.IsManifest(obj.Name) {
		return nil, nil
	}
	resultName := library.ResultName(obj.Name)
	gen := obj.Generation
	if cur, err := p.Library.Stat(ctx, resultName, nil); err == nil && writtenFor(cur, gen) {
		p.log().InfoContext(ctx, "batch already done", "manifest", obj.Name, "generation", obj.Generation)
		data, _, err := storage.ReadAll(ctx, p.Library, resultName, nil)
		if err != nil {
			return nil, fmt.Errorf("batch %s: %w", obj.Name, err)
		}
		var r BatchResult
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("batch %s: %s: %w", obj.Name, resultName, err)
		}
		return &r, nil
	} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("batch %s: %w", obj.Name, err)
	}

	res := &BatchResult{Manifest: obj.Name, Generation: obj.Generation, CorrelationID: correlationID, Blends: []BatchBlend{}}
	if obj.Size > batch.MaxManifestBytes {
		// Refused from the event's size, before any download.
		res.Error = fmt.Sprintf("%s: %d bytes exceeds the limit of %d", obj.Name, obj.Size, batch.MaxManifestBytes)
		_, err := p.writeResult(ctx, resultName, gen, res)
		return res, err
	}
	data, attrs, err := storage.ReadAll(ctx, p.Library, obj.Name, &storage.ReadOptions{Generation: obj.Generation})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil // replaced or deleted: the newer generation has its own event
	}
	if err != nil {
		return nil, fmt.Errorf("batch %s: %w", obj.Name, err)
	}
	res.Generation = attrs.Generation
	begin := time.Now()
	m, err := batch.ParseManifest(data, obj.Name)
	if err != nil {
		res.Error = err.Error()
	} else {
		res.Total = len(m.Blends)
		if p.Sharder != nil {
			started, err := p.Sharder.route(ctx, p, m, res)
			if err != nil || started {
				return nil, err
			}
		}
		outs, sum, err := p.runBlends(ctx, m, obj.Name, correlationID)
		if err != nil {
			return nil, err
		}
		res.OK, res.Failed, res.Blends = sum.OK, sum.Failed, inOrder(outs)
	}
	res.Wall = time.Since(begin)
	if _, err := p.writeResult(ctx, resultName, gen, res); err != nil {
		return nil, err
	}
	p.log().InfoContext(ctx, "batch done", "manifest", obj.Name, "total", res.Total, "ok", res.OK, "failed", res.Failed,
		"correlation_id", correlationID)
	return res, nil
}

// runBlends runs the blends of m on the worker pool. A transient failure or
// a cancellation is returned as the error, so that the whole run is tried
// again; every other failure is the blend's outcome. outs is indexed like
// the manifest m was parsed from, which may be larger than m (a shard).
func (p *Pipeline) runBlends(ctx context.Context, m *batch.Manifest, manifest, correlationID string) (map[int]BatchBlend, batch.Summary, error) {
	cache := newInputCache()
	var mu sync.Mutex
	outs := make(map[int]BatchBlend, len(m.Blends))
	do := func(ctx context.Context, b batch.Blend) (batch.Outcome, error) {
		out := BatchBlend{Index: b.Index, Name: b.Name}
		r, err := p.blend(ctx, BlendRequest{
			Sources: b.Sources(), Options: b.Options, Format: b.Format, Output: manifestOutput(b.Output),
			ClipName: b.Name, CorrelationID: correlationID,
		}, cache)
		var o batch.Outcome
		if err != nil {
			out.Error, out.Kind = err.Error(), KindOf(err).String()
			var pe *Error
			if errors.As(err, &pe) {
				out.Field = pe.Field
			}
		} else {
			out.Output, out.Generation, out.Cached, out.Warnings = r.Output, r.Generation, r.Cached, r.Warnings
			o = batch.Outcome{Output: r.Output, Bytes: r.Size, Warnings: r.Warnings}
		}
		mu.Lock()
		outs[b.Index] = out
		mu.Unlock()
		return o, err
	}
	sum := batch.RunWith(ctx, m, do, batch.RunOptions{Workers: p.Workers, Observer: p.observer()})
	for _, r := range sum.Results {
		if r.Err != nil && KindOf(r.Err) == KindUnavailable {
			return nil, sum, fmt.Errorf("batch %s: blend %s: %w", manifest, r.Name, r.Err)
		}
		if r.Skipped {
			return nil, sum, fmt.Errorf("batch %s: cancelled: %w", manifest, r.Err)
		}
	}
	return outs, sum, nil
}

// manifestOutput places a manifest's output under blend/: the original
// format names files relative to its upload folder.
func manifestOutput(out string) string {
	if out == "" || strings.HasPrefix(out, library.BlendPrefix) {
		return out
	}
	return library.BlendPrefix + strings.TrimPrefix(out, "./")
}

// writeResult writes a result file (a manifest's, or a shard's summary),
// marked with the manifest generation it reports on so that a redelivered
// event finds it. One already written for that generation is kept, and
// created is false; one of another generation is replaced.
func (p *Pipeline) writeResult(ctx context.Context, name string, manifestGen int64, res *BatchResult) (created bool, err error) {
	res.Finished = time.Now().UTC()
	body, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return false, err
	}
	created, err = p.putBatchObject(ctx, name, body, library.Batch{ManifestGeneration: manifestGen, CorrelationID: res.CorrelationID})
	if err != nil {
		return false, fmt.Errorf("batch %s: write %s: %w", res.Manifest, name, err)
	}
	return created, nil
}

// putBatchObject writes an object of a batch unless it is there for the
// same manifest generation.
func (p *Pipeline) putBatchObject(ctx context.Context, name string, body []byte, meta library.Batch) (bool, error) {
	_, created, err := storage.PutDerived(ctx, p.Library, name, body, storage.DerivedOptions{
		ContentType: "application/json", Metadata: meta.Encode(), Replace: true,
		Same: func(live storage.Attrs) bool { return writtenFor(live, meta.ManifestGeneration) },
	})
	return created, err
}

// writtenFor reports whether a is a batch object (a result, a shard, a
// shard's summary) written for manifest generation gen. One whose mark does
// not decode is not.
func writtenFor(a storage.Attrs, gen int64) bool {
	md, err := library.DecodeBatch(a.Metadata)
	return err == nil && md.ManifestGeneration == gen
}
