package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/batch"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Defaults of a Sharder's zero fields.
const (
	DefaultBlendsPerShard = 100
	DefaultMaxShards      = 64
)

// Sharder sends the manifests too heavy for the service's own worker pool
// to shards run elsewhere (a Kubernetes Indexed Job). A manifest is heavy
// when it has more than MaxBlends blends or its distinct inputs add up to
// more than MaxInputBytes; a zero limit is not checked.
type Sharder struct {
	MaxBlends     int
	MaxInputBytes int64
	// BlendsPerShard sets the shard count, at most MaxShards.
	BlendsPerShard int
	MaxShards      int
	Jobs           JobStarter
}

// ShardJob is a sharded manifest for a JobStarter: shards
// library.ShardName(Manifest, 0..Shards-1) in Bucket, written for the manifest's
// Generation.
type ShardJob struct {
	Bucket        string
	Manifest      string
	Generation    int64
	Shards        int
	Blends        int
	CorrelationID string
}

// JobStarter runs the shards of a ShardJob, each with RunShard. A
// redelivered event asks again for the same job: it must not start a
// second run.
type JobStarter interface {
	StartShards(ctx context.Context, job ShardJob) error
}

// Shard is the body of jobs/<name>.shards/<i>.json: blends of the manifest
// as the manifest writes them, with their positions in it.
type Shard struct {
	Manifest      string        `json:"manifest"`
	Generation    int64         `json:"manifest_generation"`
	Shard         int           `json:"shard"`
	Shards        int           `json:"shards"`
	Total         int           `json:"total"`
	CorrelationID string        `json:"correlation_id,omitempty"`
	Indexes       []int         `json:"indexes"`
	Blends        []batch.Blend `json:"blends"`
}

// heavy says why m is too heavy to run here, or "" when it is not.
func (s *Sharder) heavy(ctx context.Context, lib storage.Store, m *batch.Manifest) (string, error) {
	if s.MaxBlends > 0 && len(m.Blends) > s.MaxBlends {
		return fmt.Sprintf("%d blends, over %d", len(m.Blends), s.MaxBlends), nil
	}
	if s.MaxInputBytes <= 0 {
		return "", nil
	}
	var total int64
	seen := map[string]bool{}
	for _, b := range m.Blends {
		for _, src := range b.Sources() {
			if seen[src] {
				continue
			}
			seen[src] = true
			a, err := lib.Stat(ctx, src, nil)
			if storage.IsTransient(err) {
				return "", fmt.Errorf("sharding: %w", err)
			}
			if err != nil {
				continue // the blend reports it
			}
			if total += a.Size; total > s.MaxInputBytes {
				return fmt.Sprintf("inputs of over %d bytes", s.MaxInputBytes), nil
			}
		}
	}
	return "", nil
}

func (s *Sharder) count(blends int) int {
	per := s.BlendsPerShard
	if per <= 0 {
		per = DefaultBlendsPerShard
	}
	most := s.MaxShards
	if most <= 0 {
		most = DefaultMaxShards
	}
	return max(1, min((blends+per-1)/per, most))
}

// route shards m and starts its job when m is heavy; started reports
// whether it did, in which case the shards write the result.
func (s *Sharder) route(ctx context.Context, p *Pipeline, m *batch.Manifest, res *BatchResult) (started bool, err error) {
	if s.Jobs == nil {
		return false, nil
	}
	why, err := s.heavy(ctx, p.Library, m)
	if err != nil || why == "" {
		return false, err
	}
	job := ShardJob{Bucket: p.Library.Bucket(), Manifest: res.Manifest, Generation: res.Generation,
		Shards: s.count(len(m.Blends)), Blends: len(m.Blends), CorrelationID: res.CorrelationID}
	for i := range job.Shards {
		part := m.Shard(i, job.Shards)
		sh := Shard{Manifest: job.Manifest, Generation: job.Generation, Shard: i, Shards: job.Shards, Total: len(m.Blends),
			CorrelationID: job.CorrelationID, Indexes: make([]int, len(part.Blends)), Blends: part.Blends}
		for k, b := range part.Blends {
			sh.Indexes[k] = b.Index
		}
		body, err := json.Marshal(sh)
		if err != nil {
			return false, fmt.Errorf("batch %s: shard %d: %w", job.Manifest, i, err)
		}
		// A redelivered event finds the shards written; a pod may be reading them.
		name := library.ShardName(job.Manifest, i)
		meta := library.Batch{ManifestGeneration: job.Generation, CorrelationID: job.CorrelationID}
		if _, err := p.putBatchObject(ctx, name, body, meta); err != nil {
			return false, fmt.Errorf("batch %s: write shard %d: %w", job.Manifest, i, err)
		}
	}
	if err := s.Jobs.StartShards(ctx, job); err != nil {
		return false, fmt.Errorf("batch %s: start %d shards: %w", job.Manifest, job.Shards, err)
	}
	p.log().InfoContext(ctx, "batch sharded", "manifest", job.Manifest, "generation", job.Generation, "why", why,
		"blends", job.Blends, "shards", job.Shards, "correlation_id", job.CorrelationID)
	return true, nil
}

// ParseShard reads a shard object: its blends are checked as a manifest's
// are, and their positions must fit the manifest.
func ParseShard(data []byte, name string) (*Shard, *batch.Manifest, error) {
	var raw struct {
		Shard
		Blends json.RawMessage `json:"blends"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, fmt.Errorf("shard %s: %w", name, err)
	}
	sh := raw.Shard
	switch {
	case !library.IsManifest(sh.Manifest):
		return nil, nil, fmt.Errorf("shard %s: manifest %q is not a manifest name", name, sh.Manifest)
	case sh.Shards < 1 || sh.Shard < 0 || sh.Shard >= sh.Shards:
		return nil, nil, fmt.Errorf("shard %s: shard %d of %d is out of range", name, sh.Shard, sh.Shards)
	case len(raw.Blends) == 0:
		return nil, nil, fmt.Errorf("shard %s: no blends", name)
	}
	m, err := batch.ParseManifest(append(append([]byte(`{"blends":`), raw.Blends...), '}'), name)
	if err != nil {
		return nil, nil, err
	}
	if len(sh.Indexes) != len(m.Blends) {
		return nil, nil, fmt.Errorf("shard %s: %d indexes for %d blends", name, len(sh.Indexes), len(m.Blends))
	}
	for k, ix := range sh.Indexes {
		if ix < 0 || ix >= sh.Total || k > 0 && ix <= sh.Indexes[k-1] {
			return nil, nil, fmt.Errorf("shard %s: indexes[%d] = %d: want increasing positions below total %d", name, k, ix, sh.Total)
		}
		m.Blends[k].Index = ix
	}
	sh.Blends = m.Blends
	return &sh, m, nil
}

// RunShard runs shard i of manifest, writes its summary and, when every
// shard's summary is in, merges them into the manifest's result file. Of
// shards finishing together exactly one writes the result; the others and
// a retried shard return the result as written. It returns a nil result
// while shards are missing. A transient failure is returned as the error,
// for the shard to be run again.
func (p *Pipeline) RunShard(ctx context.Context, manifest string, i int) (*BatchResult, error) {
	name := library.ShardName(manifest, i)
	sh, m, err := ReadShard(ctx, p.Library, manifest, i)
	if err != nil {
		return nil, err
	}
	gen := sh.Generation
	if r, err := p.resultFor(ctx, library.ResultName(manifest), gen); r != nil || err != nil {
		return r, err
	}
	sumName := library.ShardResultName(manifest, i)
	if cur, err := p.Library.Stat(ctx, sumName, nil); errors.Is(err, storage.ErrNotFound) || err == nil && !writtenFor(cur, gen) {
		begin := time.Now()
		outs, sum, err := p.runBlends(ctx, m, name, sh.CorrelationID)
		if err != nil {
			return nil, err
		}
		part := &BatchResult{Manifest: manifest, Generation: sh.Generation, CorrelationID: sh.CorrelationID,
			Total: len(m.Blends), OK: sum.OK, Failed: sum.Failed, Blends: inOrder(outs), Wall: time.Since(begin)}
		if _, err := p.writeResult(ctx, sumName, gen, part); err != nil {
			return nil, err
		}
		p.log().InfoContext(ctx, "shard done", "manifest", manifest, "shard", i, "shards", sh.Shards, "ok", part.OK,
			"failed", part.Failed, "correlation_id", sh.CorrelationID)
	} else if err != nil {
		return nil, fmt.Errorf("shard %s: %w", name, err)
	}
	return p.mergeShards(ctx, sh)
}

// MaxShardBytes bounds a shard object: its blends are a manifest's,
// written out as JSON with their positions.
const MaxShardBytes = 2 * batch.MaxManifestBytes

// ReadShard reads and parses shard i of manifest from s, refusing an
// object over MaxShardBytes before holding it in memory, and one that holds
// another shard.
func ReadShard(ctx context.Context, s storage.Store, manifest string, i int) (*Shard, *batch.Manifest, error) {
	name := library.ShardName(manifest, i)
	r, err := s.Get(ctx, name, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("shard %s: %w", name, err)
	}
	defer r.Close()
	if r.Attrs.Size > MaxShardBytes {
		return nil, nil, fmt.Errorf("shard %s: %d bytes exceeds the limit of %d", name, r.Attrs.Size, MaxShardBytes)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxShardBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("shard %s: %w", name, err)
	}
	if len(data) > MaxShardBytes {
		return nil, nil, fmt.Errorf("shard %s: over the limit of %d bytes", name, MaxShardBytes)
	}
	sh, m, err := ParseShard(data, name)
	if err != nil {
		return nil, nil, err
	}
	if sh.Manifest != manifest || sh.Shard != i {
		return nil, nil, fmt.Errorf("shard %s: holds shard %d of %s", name, sh.Shard, sh.Manifest)
	}
	return sh, m, nil
}

// resultFor returns the result file name when it reports on manifest
// generation gen.
func (p *Pipeline) resultFor(ctx context.Context, name string, gen int64) (*BatchResult, error) {
	data, a, err := storage.ReadAll(ctx, p.Library, name, nil)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if !writtenFor(a, gen) {
		return nil, nil
	}
	var r BatchResult
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &r, nil
}

// mergeShards writes the manifest's result from its shards' summaries when
// all are in.
func (p *Pipeline) mergeShards(ctx context.Context, sh *Shard) (*BatchResult, error) {
	gen := sh.Generation
	parts := make([]*BatchResult, sh.Shards)
	for i := range sh.Shards {
		name := library.ShardResultName(sh.Manifest, i)
		r, err := p.resultFor(ctx, name, gen)
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, nil // another shard merges when it is done
		}
		parts[i] = r
	}
	res := &BatchResult{Manifest: sh.Manifest, Generation: sh.Generation, CorrelationID: sh.CorrelationID,
		Total: sh.Total, Blends: []BatchBlend{}}
	for _, r := range parts {
		res.OK += r.OK
		res.Failed += r.Failed
		res.Blends = append(res.Blends, r.Blends...)
		res.Wall = max(res.Wall, r.Wall) // shards run side by side
	}
	slices.SortFunc(res.Blends, func(a, b BatchBlend) int { return a.Index - b.Index })
	for k, b := range res.Blends {
		if b.Index != k {
			return nil, fmt.Errorf("batch %s: shards report blend %d where %d was expected", sh.Manifest, b.Index, k)
		}
	}
	if len(res.Blends) != sh.Total {
		return nil, fmt.Errorf("batch %s: shards report %d of %d blends", sh.Manifest, len(res.Blends), sh.Total)
	}
	resultName := library.ResultName(sh.Manifest)
	// An older manifest's result is replaced.
	created, err := p.writeResult(ctx, resultName, gen, res)
	if err != nil {
		return nil, err
	}
	if !created {
		// Another shard merged between our look at the summaries and now.
		if r, err := p.resultFor(ctx, resultName, gen); r != nil || err != nil {
			return r, err
		}
		return nil, fmt.Errorf("batch %s: result written meanwhile for another manifest generation", sh.Manifest)
	}
	p.log().InfoContext(ctx, "batch done", "manifest", sh.Manifest, "shards", sh.Shards, "total", res.Total, "ok", res.OK,
		"failed", res.Failed, "correlation_id", sh.CorrelationID)
	return res, nil
}

// inOrder lists outcomes by their manifest position.
func inOrder(outs map[int]BatchBlend) []BatchBlend {
	l := make([]BatchBlend, 0, len(outs))
	for _, b := range outs {
		l = append(l, b)
	}
	slices.SortFunc(l, func(a, b BatchBlend) int { return a.Index - b.Index })
	return l
}
