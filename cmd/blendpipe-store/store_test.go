//go:build corpus

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/local"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/transfer"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// blendpipe runs a command and returns its exit code and output.
func blendpipe(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	t.Logf("blendpipe %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	return code, out.String() + errOut.String()
}

func env(t *testing.T) {
	for k, v := range map[string]string{"WORKER_POOL_SIZE": "4", "MAX_FILE_SIZE_MB": "500", "MAX_RETRIES": "3",
		"UPLOAD_TIMEOUT_SECONDS": "60", "GCS_BUCKET": "", "UPLOADS_BUCKET": "", "BQ_PROJECT": "", "LOG_FORMAT": "text"} {
		t.Setenv(k, v)
	}
}

// seedAndBlend validates every upload of p into a seed and blends the
// walk and run seeds, as the services would.
func seedAndBlend(t *testing.T, p *pipeline.Pipeline) {
	t.Helper()
	ctx := context.Background()
	var walk, run string
	for _, name := range []string{"kirby-xbot60__Walking_InPlace.fbx", "kirby-xbot60__Running_InPlace.fbx", "kirby-xbot60__Idle.fbx"} {
		obj, err := p.Uploads.Stat(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := p.Validate(ctx, obj, "test")
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.Contains(name, "Walking"):
			walk = v.Object
		case strings.Contains(name, "Running"):
			run = v.Object
		}
	}
	if _, err := p.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "mix"}}); err != nil {
		t.Fatal(err)
	}
}

func TestLocalPipelineUploadResyncPull(t *testing.T) {
	env(t)
	src := filepath.Join(corpus.Require(t), "mixamo")
	dir := t.TempDir()
	if code, out := blendpipe(t, "upload", src, "--dir", dir, "--metadata", "batch=locomotion"); code != 0 || !strings.Contains(out, "25 uploaded, 0 skipped, 0 failed") {
		t.Fatalf("upload: exit %d", code)
	}
	if code, out := blendpipe(t, "upload", "--dir", dir, src); code != 0 || !strings.Contains(out, "0 uploaded, 25 skipped, 0 failed") {
		t.Fatalf("second upload: exit %d", code)
	}

	// The local pipeline's services, on the same directories.
	ctx := context.Background()
	uploads, err := localdir.Open(filepath.Join(dir, "uploads"), localdir.Options{Bucket: "uploads"})
	if err != nil {
		t.Fatal(err)
	}
	lib, err := localdir.Open(filepath.Join(dir, "library"), localdir.Options{Bucket: "library", KeepVersions: local.LibraryVersions})
	if err != nil {
		t.Fatal(err)
	}
	up, err := uploads.Stat(ctx, "kirby-xbot60__Idle.fbx", nil)
	if err != nil || up.Metadata["batch"] != "locomotion" {
		t.Fatalf("uploaded object %+v, %v", up, err)
	}
	seedAndBlend(t, &pipeline.Pipeline{Uploads: uploads, Library: lib, MaxFileSize: 500 << 20, Log: pipelinetest.Logger(t)})

	if code, out := blendpipe(t, "resync", "--dir", dir); code != 0 || !strings.Contains(out, "4 objects in library: 4 rows added, 0 fixed, 0 marked deleted") {
		t.Fatalf("resync: exit %d", code)
	}
	if code, out := blendpipe(t, "resync", "--dir", dir); code != 0 || !strings.Contains(out, "0 rows added, 0 fixed, 0 marked deleted, 4 unchanged") {
		t.Fatalf("second resync: exit %d", code)
	}
	rows, err := rowsOf(t, dir)
	if err != nil || len(rows) != 4 || !strings.HasPrefix(rows[0], "file://"+lib.Dir()) {
		t.Fatalf("rows %v, %v", rows, err)
	}

	// A blend deleted by mistake, restored from its kept generation.
	blends, err := storage.ListAll(ctx, lib, &storage.ListOptions{Prefix: "blend/"})
	if err != nil || len(blends) != 1 {
		t.Fatalf("blends %v, %v", blends, err)
	}
	if err := lib.Delete(ctx, blends[0].Name, nil); err != nil {
		t.Fatal(err)
	}
	if code, out := blendpipe(t, "resync", "--dir", dir); code != 0 || !strings.Contains(out, "0 rows added, 0 fixed, 1 marked deleted") {
		t.Fatalf("resync after the delete: exit %d", code)
	}
	if code, out := blendpipe(t, "restore", "--dir", dir, blends[0].Name+"#"+strconv.FormatInt(blends[0].Generation, 10)); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: exit %d", code)
	}
	if code, out := blendpipe(t, "resync", "--dir", dir); code != 0 || !strings.Contains(out, "1 rows added, 0 fixed, 0 marked deleted, 3 unchanged") {
		t.Fatalf("resync after the restore: exit %d", code)
	}

	out := filepath.Join(t.TempDir(), "npc")
	if code, o := blendpipe(t, "pull", "-o", out, "--dir", dir, "--method", "mix", "--since", "2000-01-01"); code != 0 || !strings.Contains(o, "1 downloaded") {
		t.Fatalf("pull: exit %d", code)
	}
	m, err := transfer.ReadManifest(filepath.Join(out, transfer.ManifestName))
	if err != nil || len(m.Animations) != 1 || m.Animations[0].Method != "mix" || len(m.Animations[0].Sources) != 2 {
		t.Fatalf("manifest %+v, %v", m, err)
	}
	if code, o := blendpipe(t, "pull", "-o", out, "--dir", dir, "--method", "mix"); code != 0 || !strings.Contains(o, "0 downloaded, 1 unchanged") {
		t.Fatalf("second pull: exit %d", code)
	}
	if code, o := blendpipe(t, "pull", "-o", t.TempDir(), "--dir", dir, "--until", "2000-01-01"); code != 0 || !strings.Contains(o, "0 downloaded, 0 unchanged") {
		t.Fatalf("pull of nothing: exit %d", code)
	}
}

func rowsOf(t *testing.T, dir string) ([]string, error) {
	cat, err := sqlite.Open(context.Background(), filepath.Join(dir, sqlite.FileName))
	if err != nil {
		return nil, err
	}
	defer cat.Close()
	rows, err := cat.Current(context.Background(), catalog.Filter{})
	var uris []string
	for _, r := range rows {
		uris = append(uris, r.URI)
	}
	return uris, err
}

func TestUploadExitCodes(t *testing.T) {
	env(t)
	t.Setenv("MAX_FILE_SIZE_MB", "1")
	src := filepath.Join(corpus.Require(t), "mixamo")
	code, out := blendpipe(t, "upload", "--dir", t.TempDir(), src)
	if code != 1 || !regexp.MustCompile(`failed:\n(  .*: .* is over the limit of 1.0 MiB \(MAX_FILE_SIZE_MB\)\n)+`).MatchString(out) {
		t.Errorf("oversized files: exit %d", code)
	}
	if code, _ := blendpipe(t, "upload", "--dir", t.TempDir()); code != 2 {
		t.Errorf("no path: exit %d, want 2", code)
	}
	if code, out := blendpipe(t, "upload", src); code != 1 || !strings.Contains(out, "UPLOADS_BUCKET") {
		t.Errorf("no bucket: exit %d", code)
	}
	if code, out := blendpipe(t, "upload", "--dir", t.TempDir(), "--metadata", "novalue", src); code != 2 || !strings.Contains(out, "want key=value") {
		t.Errorf("bad metadata: exit %d", code)
	}
	if code, out := blendpipe(t, "restore", "--dir", t.TempDir(), "seed/a.fbx#12"); code != 1 || !strings.Contains(out, "generation 12 is not live (the object does not exist) nor kept") {
		t.Errorf("local restore: exit %d", code)
	}
}
