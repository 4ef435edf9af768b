package transfer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/transfer"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func ratio(v float64) *float64 { return &v }

// fill seeds three corpus clips through validation, makes three blends, and
// catalogs everything with Resync (the catalog is whatever p.Catalog is).
// It returns the blends' names.
func fill(t *testing.T, p *pipeline.Pipeline) []string {
	t.Helper()
	ctx := context.Background()
	var seeds []string
	for _, c := range []struct{ corpus, upload string }{
		{"mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx"},
		{"mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx"},
		{"mixamo/kirby-xbot60__Idle.fbx", "Idle.fbx"},
	} {
		obj := pipelinetest.Put(t, p.Uploads, c.upload, pipelinetest.Corpus(t, c.corpus))
		v, err := p.Validate(ctx, obj, "seed-"+c.upload)
		if err != nil || v.Status != pipeline.StatusSeeded {
			t.Fatalf("seed %s: %+v, %v", c.upload, v, err)
		}
		seeds = append(seeds, v.Object)
	}
	var blends []string
	for _, req := range []pipeline.BlendRequest{
		{Sources: seeds[:2], Options: blend.Options{Method: "mix", Ratio: ratio(0.3)}},
		{Sources: seeds[:2], Options: blend.Options{Method: "mix", Ratio: ratio(0.7)}},
		{Sources: []string{seeds[2], seeds[0]}, Options: blend.Options{Method: "transition"}},
	} {
		req.CorrelationID = "pull-test"
		res, err := p.Blend(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		blends = append(blends, res.Output)
	}
	if _, err := p.Resync(ctx, pipeline.ResyncOptions{}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(blends)
	return blends
}

// checkPulled compares the folder with the library and the catalog: every
// selected blend byte-identical at its name, and a manifest entry per row
// with the row's checksum, duration, metrics and sources.
func checkPulled(t *testing.T, p *pipeline.Pipeline, dir string, f catalog.Filter) transfer.Manifest {
	t.Helper()
	ctx := context.Background()
	f.Kind = catalog.KindBlend
	rows, err := p.Catalog.Current(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	m, err := transfer.ReadManifest(filepath.Join(dir, transfer.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Animations) != len(rows) || len(rows) == 0 {
		t.Fatalf("manifest lists %d animations, the catalog %d", len(m.Animations), len(rows))
	}
	for i, r := range rows {
		e := m.Animations[i]
		want, _, err := storage.ReadAll(ctx, p.Library, r.Name, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.File)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: pulled file differs from the object", r.Name)
		}
		var metrics, wantMetrics map[string]any
		if err := json.Unmarshal(e.Metrics, &metrics); err != nil {
			t.Errorf("%s: metrics %s: %v", r.Name, e.Metrics, err)
		}
		json.Unmarshal([]byte(r.Metrics), &wantMetrics)
		if e.Name != r.Name || e.SHA256 != r.SHA256 || e.Size != int64(len(want)) || e.DurationS != r.DurationS || e.DurationS <= 0 ||
			!slices.Equal(e.Sources, r.Sources) || len(e.Sources) != 2 || e.Method != r.Method || e.Generation != r.Generation ||
			e.Frames != r.Frames || e.Rig != r.Rig || len(metrics) == 0 || len(metrics) != len(wantMetrics) || e.Quality == nil {
			t.Errorf("manifest entry %+v\nfor row %+v", e, r)
		}
	}
	if m.Library != p.Library.Bucket() || m.Filter.Kind != "blend" {
		t.Errorf("manifest library %q filter %+v", m.Library, m.Filter)
	}
	return m
}

func noPartFiles(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".part") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

func TestPullRefusesNamesOutsideTheFolder(t *testing.T) {
	t.Parallel()
	env := pipelinetest.New(t, "localdir")
	p := env.P
	ctx := context.Background()
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	for _, name := range []string{"blend/../../evil.fbx", "blend/r/.hidden.fbx", "manifest.json"} {
		row := catalog.Row{Bucket: "library", Name: name, Generation: 1, Kind: catalog.KindBlend, SHA256: strings.Repeat("0", 64), Size: 1}
		if err := p.Catalog.Append(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := transfer.Pull(ctx, transfer.PullOptions{Catalog: p.Catalog, Library: p.Library, Dir: dir, Filter: catalog.Filter{Kind: catalog.KindBlend}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Count(transfer.Failed) != 3 {
		t.Fatalf("%+v", rep.Results)
	}
	for _, r := range rep.Results {
		if !strings.Contains(r.Reason, "cannot be a file in the folder") {
			t.Errorf("%s: %q", r.Object, r.Reason)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "evil.fbx")); !os.IsNotExist(err) {
		t.Errorf("a file was written outside the folder: %v", err)
	}
}
