//go:build corpus

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/local"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/local/localtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/transfer"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// TestUploadThroughTheRunningPipelineAndPullBack is the round trip of the
// guide's users: Mixamo downloads pushed into a running local pipeline
// (blendpipe dev), validated into seeds by its router and services, and
// pulled back byte-identical with a manifest.
func TestUploadThroughTheRunningPipelineAndPullBack(t *testing.T) {
	env(t)
	downloads := t.TempDir()
	for _, name := range []string{"kirby-xbot60__Walking_InPlace.fbx", "kirby-xbot60__Running_InPlace.fbx", "add101-ch46__idle.glb", "bvhpython__test_freebvh_mixamorig.bvh"} {
		b, err := os.ReadFile(filepath.Join(corpus.Require(t), "mixamo", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(downloads, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	ctx := t.Context()
	srv := localtest.Start(t, local.Options{Dir: dir, MaxFileSize: 500 << 20, Workers: 2,
		Poll: 50 * time.Millisecond, Log: pipelinetest.Logger(t)})

	if code, _ := blendpipe(t, "upload", "--dir", dir, downloads); code != 0 {
		t.Fatalf("upload: exit %d", code)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		rows, err := srv.Pipeline().Catalog.Current(ctx, catalog.Filter{Kind: catalog.KindSeed})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 4 && srv.Idle() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d seeds catalogued after 60 s, want 4", len(rows))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The rows the running pipeline's metadata sync wrote are the ones
	// resync would build.
	if code, o := blendpipe(t, "resync", "--dir", dir); code != 0 || !strings.Contains(o, "0 rows added, 0 fixed, 0 marked deleted, 4 unchanged") {
		t.Fatalf("resync: exit %d", code)
	}

	out := t.TempDir()
	if code, _ := blendpipe(t, "pull", "--dir", dir, "--kind", "seed", "-o", out); code != 0 {
		t.Fatalf("pull: exit %d", code)
	}
	m, err := transfer.ReadManifest(filepath.Join(out, transfer.ManifestName))
	if err != nil || len(m.Animations) != 4 {
		t.Fatalf("manifest %+v, %v", m, err)
	}
	originals := map[string][]byte{}
	entries, _ := os.ReadDir(downloads)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(downloads, e.Name()))
		originals[e.Name()] = b
	}
	for _, e := range m.Animations {
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(e.File)))
		if err != nil {
			t.Fatal(err)
		}
		match := ""
		for name, b := range originals {
			if bytes.Equal(got, b) {
				match = name
			}
		}
		if match == "" || e.DurationS <= 0 || e.Frames == 0 || e.Rig == "" || e.Kind != "seed" {
			t.Errorf("%s: matches upload %q; entry %+v", e.Name, match, e)
		}
		delete(originals, match)
	}
	if len(originals) != 0 {
		t.Errorf("uploads not pulled back: %v", originals)
	}
}
