//go:build corpus

package transfer_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/transfer"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestUploadFolderOnceThroughTransientFailures(t *testing.T) {
	dir, files := corpusFiles(t)
	f := &flaky{FailFirst: 5, LoseAnswer: 3}
	client, _ := fakeGCS(t, f, false, "uploads")
	// 256 KiB chunks: most corpus files go up in several resumable chunks.
	store := gcs.New(client, "uploads", gcs.Options{ChunkSize: 256 << 10})
	md := map[string]string{"batch": "locomotion", "artist": "x"}
	opts := transfer.UploadOptions{Store: store, Prefix: "in/", Workers: 4, Retry: fastRetry(), Metadata: md, MaxFileSize: 500 << 20}
	ctx := context.Background()

	var out bytes.Buffer
	opts.Progress = transfer.NewBar(&out, false)
	rep := transfer.Upload(ctx, opts, []string{dir})
	for _, r := range rep.Results {
		if r.Outcome != transfer.Uploaded {
			t.Errorf("%s: %s %s", r.Path, r.Outcome, r.Reason)
		}
	}
	if !rep.OK() || rep.Count(transfer.Uploaded) != len(files) || f.Failed() != 6 {
		t.Fatalf("uploaded %d of %d files with %d requests failed, ok=%v", rep.Count(transfer.Uploaded), len(files), f.Failed(), rep.OK())
	}
	retried := slices.ContainsFunc(rep.Results, func(r transfer.Result) bool { return r.Attempts > 1 })
	if !retried {
		t.Error("no file needed a second attempt")
	}
	if lines := strings.Count(out.String(), "\n"); lines != len(files) {
		t.Errorf("%d progress lines, want one per file:\n%s", lines, out.String())
	}
	checkUploaded(t, store, "in/", files, md)
	t.Logf("%d files, %d bytes in %v, %d requests failed", len(files), rep.Bytes, rep.Elapsed, f.Failed())

	// Again: nothing to send.
	opts.Progress = nil
	again := transfer.Upload(ctx, opts, []string{dir})
	if again.Count(transfer.Skipped) != len(files) || again.Bytes != 0 || !again.OK() {
		t.Errorf("second run: %d skipped of %d, %d bytes sent", again.Count(transfer.Skipped), len(files), again.Bytes)
	}
}

func TestUploadToTheLocalPipeline(t *testing.T) {
	dir, files := corpusFiles(t)
	store, err := localdir.Open(filepath.Join(t.TempDir(), "uploads"), localdir.Options{Bucket: "uploads", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts := transfer.UploadOptions{Store: store, Workers: 3, Retry: fastRetry(), Metadata: map[string]string{"source": "mixamo"}}
	rep := transfer.Upload(ctx, opts, []string{dir})
	if !rep.OK() || rep.Count(transfer.Uploaded) != len(files) {
		t.Fatalf("%+v", rep)
	}
	checkUploaded(t, store, "", files, opts.Metadata)
	again := transfer.Upload(ctx, opts, []string{dir})
	if again.Count(transfer.Skipped) != len(files) || again.Bytes != 0 {
		t.Errorf("second run: %d skipped of %d", again.Count(transfer.Skipped), len(files))
	}

	// A changed file goes up again, the others stay.
	changed := filepath.Join(t.TempDir(), "kirby-xbot60__Idle.fbx")
	if err := os.WriteFile(changed, []byte("other bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	third := transfer.Upload(ctx, opts, []string{changed})
	if third.Count(transfer.Uploaded) != 1 {
		t.Errorf("changed file: %+v", third.Results)
	}
}

func TestUploadRefusesBeforeSending(t *testing.T) {
	dir, files := corpusFiles(t)
	store, err := localdir.Open(t.TempDir(), localdir.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notes, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	const limit = 500 << 10
	big := 0
	for _, p := range files {
		if fi, _ := os.Stat(p); fi.Size() > limit {
			big++
		}
	}
	rep := transfer.Upload(context.Background(), transfer.UploadOptions{Store: store, Workers: 2, MaxFileSize: limit},
		[]string{dir, notes, filepath.Join(dir, "missing.fbx")})
	if rep.OK() {
		t.Fatal("report OK with files refused")
	}
	reasons := map[string]int{}
	for _, r := range rep.Results {
		if r.Outcome != transfer.Failed {
			continue
		}
		switch {
		case strings.Contains(r.Reason, "MAX_FILE_SIZE_MB"):
			reasons["size"]++
		case strings.Contains(r.Reason, "not an animation file"):
			reasons["ext"]++
		case strings.Contains(r.Reason, "no such file"):
			reasons["missing"]++
		default:
			t.Errorf("%s: unexpected reason %q", r.Path, r.Reason)
		}
	}
	if reasons["size"] != big || reasons["ext"] != 1 || reasons["missing"] != 1 || big == 0 {
		t.Errorf("failures %v, want %d too large, 1 not an animation, 1 missing", reasons, big)
	}
	objs, err := storage.ListAll(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != len(files)-big || rep.Count(transfer.Uploaded) != len(files)-big {
		t.Errorf("%d objects, %d uploaded; want %d", len(objs), rep.Count(transfer.Uploaded), len(files)-big)
	}
}

func TestUploadReplacesAnObjectStoredWrong(t *testing.T) {
	_, files := corpusFiles(t)
	p := files["kirby-xbot60__Idle.fbx"]
	dir, err := localdir.Open(t.TempDir(), localdir.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rep := transfer.Upload(context.Background(), transfer.UploadOptions{Store: &corrupting{Store: dir}, Retry: fastRetry()}, []string{p})
	if !rep.OK() || rep.Results[0].Attempts != 2 {
		t.Fatalf("%+v", rep.Results)
	}
	checkUploaded(t, dir, "", map[string]string{"kirby-xbot60__Idle.fbx": p}, nil)
}

func TestUploadTimesOutEachAttempt(t *testing.T) {
	_, files := corpusFiles(t)
	dir, err := localdir.Open(t.TempDir(), localdir.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	retry := fastRetry()
	retry.MaxAttempts = 3
	start := time.Now()
	rep := transfer.Upload(context.Background(), transfer.UploadOptions{Store: stalling{dir}, Timeout: 50 * time.Millisecond, Retry: retry},
		[]string{files["kirby-xbot60__Idle.fbx"]})
	r := rep.Results[0]
	if rep.OK() || r.Attempts != 3 || !strings.Contains(r.Reason, "deadline exceeded") || !strings.Contains(r.Reason, "after 3 attempts") {
		t.Errorf("%+v", r)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
