package localdir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage/storagetest"
)

func open(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContract(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, storagetest.Harness{
		New: func(t *testing.T) storage.Store {
			return open(t, filepath.Join(t.TempDir(), "library"), Options{})
		},
		DeleteConditions: true,
		SignsURLs:        false,
	})
}

func TestRecordsAreNotObjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, t.TempDir(), Options{Bucket: "library"})
	if _, err := s.Put(ctx, "seed/a.fbx", strings.NewReader("a"), &storage.PutOptions{Metadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".meta/lock", ".meta/objects/seed/a.fbx", ".meta/x"} {
		if _, err := s.Stat(ctx, name, nil); !errors.Is(err, storage.ErrInvalidName) {
			t.Errorf("Stat(%q) = %v, want ErrInvalidName", name, err)
		}
		if _, err := s.Put(ctx, name, strings.NewReader("x"), nil); !errors.Is(err, storage.ErrInvalidName) {
			t.Errorf("Put(%q) = %v, want ErrInvalidName", name, err)
		}
	}
	all, err := storage.ListAll(ctx, s, nil)
	if err != nil || len(all) != 1 || all[0].Name != "seed/a.fbx" || all[0].Bucket != "library" {
		t.Fatalf("List = %+v, %v; want only seed/a.fbx in bucket library", all, err)
	}
	staged, _ := os.ReadDir(filepath.Join(s.Dir(), metaDir, tmpDir))
	if len(staged) != 0 {
		t.Errorf("staging area not empty after writes: %v", staged)
	}
}

// A file copied into the folder by hand is an object, described from the
// file system, and guarded by preconditions like any other.
func TestFileCopiedInByHand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, t.TempDir(), Options{})
	p, err := s.Path("uploads/Walking.fbx")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(p), 0o755)
	mod := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	if err := os.WriteFile(p, []byte("by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, mod, mod)

	a, err := s.Stat(ctx, "uploads/Walking.fbx", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Generation != mod.UnixMicro() || a.Size != 7 || a.Metageneration != 1 || a.HasCRC32C || a.MD5 != nil || !a.Updated.Equal(mod) {
		t.Errorf("attrs of a hand-copied file: %+v", a)
	}
	if _, err := s.Put(ctx, "uploads/Walking.fbx", strings.NewReader("new"), &storage.PutOptions{If: storage.DoesNotExist()}); !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("DoesNotExist over a hand-copied file = %v", err)
	}
	if _, err := s.Put(ctx, "uploads/Walking.fbx", strings.NewReader("through the store"), &storage.PutOptions{If: storage.GenerationMatch(a.Generation), Metadata: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}

	// Replaced by hand again: the stale sidecar must not describe it.
	if err := os.WriteFile(p, []byte("replaced by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, a, err := storage.ReadAll(ctx, s, "uploads/Walking.fbx", nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "replaced by hand" || a.Metadata != nil || a.HasCRC32C || a.Size != int64(len(b)) {
		t.Errorf("after a replacement by hand: %q %+v", b, a)
	}
}

func TestFileAndFolderConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, t.TempDir(), Options{})
	cases := []struct{ first, second string }{
		{"seed/a", "seed/a/b.fbx"},
		{"blend/x/y.fbx", "blend/x"},
	}
	for _, c := range cases {
		if _, err := s.Put(ctx, c.first, strings.NewReader("1"), nil); err != nil {
			t.Fatal(err)
		}
		_, err := s.Put(ctx, c.second, strings.NewReader("2"), nil)
		if !errors.Is(err, storage.ErrInvalidName) {
			t.Errorf("Put(%q) after Put(%q) = %v, want ErrInvalidName", c.second, c.first, err)
		}
		if b, _, err := storage.ReadAll(ctx, s, c.first, nil); err != nil || string(b) != "1" {
			t.Errorf("first object after the conflict: %q, %v", b, err)
		}
	}
}

// TestEvents: the store reports each change with the events Cloud Storage
// sends for it. "Pub/Sub notifications for Cloud Storage", event types
// (https://cloud.google.com/storage/docs/pubsub-notifications#events):
// OBJECT_FINALIZE for a new generation; OBJECT_DELETE when an object is
// permanently deleted, including one overwritten or deleted by a lifecycle
// rule, but on a bucket with versioning not when it becomes noncurrent;
// OBJECT_ARCHIVE, on a bucket with versioning only, when the live version
// becomes noncurrent, deleted or overwritten; OBJECT_METADATA_UPDATE when
// the metadata of an existing object changes. "Object Versioning"
// (https://cloud.google.com/storage/docs/object-versioning): a delete or an
// overwrite of a live object on a versioned bucket keeps it as a noncurrent
// version. Eventarc names them google.cloud.storage.object.v1.finalized,
// archived, deleted and metadataUpdated.
func TestEvents(t *testing.T) {
	t.Parallel()
	type ev struct {
		typ storage.EventType
		gen int // 1-based index of the generation written, 0 for none
	}
	const (
		fin  = storage.ObjectFinalized
		arc  = storage.ObjectArchived
		del  = storage.ObjectDeleted
		meta = storage.ObjectMetadataUpdated
	)
	for _, tt := range []struct {
		name string
		keep int
		want []ev
	}{
		{"without versioning", 0, []ev{
			{fin, 1},
			{del, 1}, {fin, 2}, // the overwrite deletes generation 1
			{meta, 2},
			{del, 2}, // the delete
			{fin, 3},
			{del, 3}, {fin, 4},
		}},
		{"with versioning, one noncurrent generation kept", 1, []ev{
			{fin, 1},
			{arc, 1}, {fin, 2}, // the overwrite archives generation 1
			{meta, 2},
			{arc, 2}, {del, 1}, // the delete archives 2; the lifecycle rule drops 1
			{fin, 3},
			{arc, 3}, {del, 2}, {fin, 4},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var (
				mu     sync.Mutex
				events []storage.Event
			)
			s := open(t, t.TempDir(), Options{Bucket: "library", NoSync: true, KeepVersions: tt.keep, OnChange: func(_ context.Context, ev storage.Event) {
				mu.Lock()
				events = append(events, ev)
				mu.Unlock()
			}})
			const name = "seed/r/Walking.fbx"
			var gens []int64
			put := func(body string, opts *storage.PutOptions) {
				a, err := s.Put(ctx, name, strings.NewReader(body), opts)
				if err != nil {
					t.Fatal(err)
				}
				gens = append(gens, a.Generation)
			}
			put("one", &storage.PutOptions{ContentType: "application/octet-stream", Metadata: map[string]string{"k": "1"}})
			put("two", nil)
			if _, err := s.Put(ctx, name, strings.NewReader("lost"), &storage.PutOptions{If: storage.DoesNotExist()}); !errors.Is(err, storage.ErrPreconditionFailed) {
				t.Fatalf("create-only put over a live object: %v", err)
			}
			updated, err := s.Update(ctx, name, map[string]string{"k": "2"}, storage.GenerationMatch(gens[1]))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, name, nil); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, name, nil); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("second delete: %v", err)
			}
			put("three", nil)
			put("four", nil)

			var got []ev
			for _, e := range events {
				got = append(got, ev{e.Type, slices.Index(gens, e.Object.Generation) + 1})
				if e.Object.Bucket != "library" || e.Object.Name != name || !e.Object.HasCRC32C || e.Object.MD5 == nil || e.Object.Created.IsZero() {
					t.Errorf("%s event lacks StorageObjectData fields: %+v", e.Type, e.Object)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("events (type, generation written)\n  %v\nwant\n  %v", got, tt.want)
			}
			if events[0].Object.Metadata["k"] != "1" || events[0].Object.ContentType != "application/octet-stream" {
				t.Errorf("finalized event lacks metadata or content type: %+v", events[0].Object)
			}
			// The metadata update keeps the generation and its bytes, raises
			// the metageneration and is what a read sees.
			if updated.Generation != gens[1] || updated.Metageneration != 2 || updated.Metadata["k"] != "2" || events[3].Object.Metadata["k"] != "2" {
				t.Errorf("update: %+v, event %+v", updated, events[3].Object)
			}
			if tt.keep > 0 {
				if b, a, err := storage.ReadAll(ctx, s, name, &storage.ReadOptions{Generation: gens[1]}); err == nil {
					t.Errorf("generation 2 pruned, yet read: %q %+v", b, a)
				}
				b, a, err := storage.ReadAll(ctx, s, name, &storage.ReadOptions{Generation: gens[2]})
				if err != nil || string(b) != "three" || a.Generation != gens[2] {
					t.Errorf("noncurrent generation 3: %q %+v %v", b, a, err)
				}
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, t.TempDir(), Options{NoSync: true})
	const name = "blend/x.fbx"
	if _, err := s.Update(ctx, name, map[string]string{"k": "v"}, storage.Condition{}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("update of a missing object: %v", err)
	}
	a, err := s.Put(ctx, name, strings.NewReader("x"), &storage.PutOptions{Metadata: map[string]string{"keep": "1", "drop": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, name, map[string]string{"k": "v"}, storage.GenerationMatch(a.Generation+1)); !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("update on the wrong generation: %v", err)
	}
	if _, err := s.Update(ctx, name, nil, storage.Condition{}); err != nil {
		t.Fatal(err)
	}
	u, err := s.Update(ctx, name, map[string]string{"drop": "", "new": "2"}, storage.GenerationMatch(a.Generation))
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Stat(ctx, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"keep": "1", "new": "2"}
	if !maps.Equal(st.Metadata, want) || st.Metageneration != 3 || st.Generation != a.Generation || !bytes.Equal(st.MD5, a.MD5) || !maps.Equal(u.Metadata, want) {
		t.Errorf("after updates: %+v, want metadata %v, metageneration 3, generation %d", st, want, a.Generation)
	}
	if _, err := s.Update(ctx, ".meta/lock", nil, storage.Condition{}); !errors.Is(err, storage.ErrInvalidName) {
		t.Errorf("update of a reserved name: %v", err)
	}
}

// Readers racing an overwriting writer see one whole generation or the
// other, with attributes that describe the bytes they read.
func TestReadersNeverSeePartialWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, t.TempDir(), Options{NoSync: true})
	bodies := [][]byte{bytes.Repeat([]byte{'a'}, 300_000), bytes.Repeat([]byte{'b'}, 200_000)}
	if _, err := s.Put(ctx, "blend/hot.fbx", bytes.NewReader(bodies[0]), nil); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Put(ctx, "blend/hot.fbx", bytes.NewReader(bodies[i%2]), nil); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 200 {
		b, a, err := storage.ReadAll(ctx, s, "blend/hot.fbx", nil)
		if err != nil {
			t.Fatal(err)
		}
		whole := bytes.Equal(b, bodies[0]) || bytes.Equal(b, bodies[1])
		if !whole || a.Size != int64(len(b)) || a.CRC32C != crc32.Checksum(b, castagnoli) {
			t.Fatalf("read %d bytes (whole generation: %v) with attrs size %d crc %08x", len(b), whole, a.Size, a.CRC32C)
		}
	}
	close(stop)
	wg.Wait()
}

func TestCanceledPutLeavesNothing(t *testing.T) {
	t.Parallel()
	s := open(t, t.TempDir(), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	body := io.MultiReader(strings.NewReader("partial"), readerFunc(func([]byte) (int, error) {
		cancel()
		return 0, nil
	}), strings.NewReader("never"))
	_, err := s.Put(ctx, "seed/partial.fbx", body, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
	if _, err := s.Stat(context.Background(), "seed/partial.fbx", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("canceled Put left an object: %v", err)
	}
	if staged, _ := os.ReadDir(filepath.Join(s.Dir(), metaDir, tmpDir)); len(staged) != 0 {
		t.Errorf("canceled Put left staged files: %v", staged)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// Several processes sharing the directory (the CLI and the dev server, say)
// race to create one object: the flock makes exactly one of them win.
func TestConcurrentCreateAcrossProcesses(t *testing.T) {
	if os.Getenv("LOCALDIR_RACE_DIR") != "" {
		t.Skip("running as a child process")
	}
	dir := t.TempDir()
	const procs = 4
	start := filepath.Join(dir, "start")
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*bytes.Buffer, procs)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRaceChild$", "-test.v")
		cmd.Env = append(os.Environ(), "LOCALDIR_RACE_DIR="+dir, fmt.Sprintf("LOCALDIR_RACE_ID=%d", i))
		outs[i] = new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	// The children wait for this file so that their Puts overlap.
	time.Sleep(200 * time.Millisecond)
	os.WriteFile(start, nil, 0o644)
	won := 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, outs[i])
		}
		switch {
		case strings.Contains(outs[i].String(), "RESULT won"):
			won++
		case strings.Contains(outs[i].String(), "RESULT lost"):
		default:
			t.Fatalf("child %d reported nothing:\n%s", i, outs[i])
		}
	}
	if won != 1 {
		t.Errorf("%d processes won, want 1", won)
	}
}

func TestRaceChild(t *testing.T) {
	dir := os.Getenv("LOCALDIR_RACE_DIR")
	if dir == "" {
		t.Skip("only runs as a child of TestConcurrentCreateAcrossProcesses")
	}
	s := open(t, filepath.Join(dir, "library"), Options{})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "start")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no start signal")
		}
		time.Sleep(time.Millisecond)
	}
	_, err := s.Put(context.Background(), "seed/race.fbx", strings.NewReader(os.Getenv("LOCALDIR_RACE_ID")), &storage.PutOptions{If: storage.DoesNotExist()})
	switch {
	case err == nil:
		fmt.Println("RESULT won")
	case errors.Is(err, storage.ErrPreconditionFailed):
		fmt.Println("RESULT lost")
	default:
		t.Fatal(err)
	}
}

func BenchmarkPut1MB(b *testing.B) {
	for _, sync := range []bool{true, false} {
		b.Run(fmt.Sprintf("fsync=%v", sync), func(b *testing.B) {
			s := open(b, b.TempDir(), Options{NoSync: !sync})
			body := bytes.Repeat([]byte("mixamo!!"), 1<<17)
			r := bytes.NewReader(body)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r.Reset(body)
				if _, err := s.Put(context.Background(), fmt.Sprintf("seed/bench-%d.fbx", i%16), r, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGet1MB(b *testing.B) {
	s := open(b, b.TempDir(), Options{})
	body := bytes.Repeat([]byte("mixamo!!"), 1<<17)
	if _, err := s.Put(context.Background(), "seed/bench.fbx", bytes.NewReader(body), &storage.PutOptions{Metadata: map[string]string{"sha256": "x"}}); err != nil {
		b.Fatal(err)
	}
	buf := bytes.NewBuffer(make([]byte, 0, len(body)))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := s.Get(context.Background(), "seed/bench.fbx", nil)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// A damaged sidecar (a crash mid-write of an older version, a hand edit)
// leaves the object readable, described from the file system.
func TestDamagedSidecar(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, t.TempDir(), Options{})
	put, err := s.Put(ctx, "seed/a.fbx", strings.NewReader("content"), &storage.PutOptions{Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.sidecarPath("seed/a.fbx"), []byte(`{"generation": 12`), 0o644); err != nil {
		t.Fatal(err)
	}
	b, a, err := storage.ReadAll(ctx, s, "seed/a.fbx", nil)
	if err != nil || string(b) != "content" {
		t.Fatalf("read with a damaged sidecar: %q, %v", b, err)
	}
	if a.Metadata != nil || a.HasCRC32C || a.Generation <= 0 || a.Size != put.Size {
		t.Errorf("attrs from a damaged sidecar: %+v", a)
	}
	// Writing through the store again repairs it.
	if _, err := s.Put(ctx, "seed/a.fbx", strings.NewReader("again"), &storage.PutOptions{If: storage.GenerationMatch(a.Generation), Metadata: map[string]string{"k": "w"}}); err != nil {
		t.Fatal(err)
	}
	if a, err := s.Stat(ctx, "seed/a.fbx", nil); err != nil || a.Metadata["k"] != "w" || !a.HasCRC32C {
		t.Errorf("after rewriting: %+v, %v", a, err)
	}
}

func TestKeepVersions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{NoSync: true, KeepVersions: 2})
	if err != nil {
		t.Fatal(err)
	}
	const name = "seed/r/a.fbx"
	var gens []storage.Attrs
	for i, body := range []string{"one", "two", "three"} {
		a, err := s.Put(ctx, name, strings.NewReader(body), &storage.PutOptions{ContentType: "text/plain", Metadata: map[string]string{"n": fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		gens = append(gens, a)
	}
	if err := s.Delete(ctx, name, nil); err != nil {
		t.Fatal(err)
	}
	// The newest two replaced generations are kept, with their attributes.
	for i, want := range []string{"", "two", "three"} {
		b, a, err := storage.ReadAll(ctx, s, name, &storage.ReadOptions{Generation: gens[i].Generation})
		if want == "" {
			if !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("generation %d: %v, want not found (pruned)", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("generation %d: %v", i, err)
		}
		st, err := s.Stat(ctx, name, &storage.ReadOptions{Generation: gens[i].Generation})
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want || a.Generation != gens[i].Generation || a.Metadata["n"] != fmt.Sprint(i) ||
			!bytes.Equal(a.MD5, gens[i].MD5) || a.CRC32C != gens[i].CRC32C || a.ContentType != "text/plain" || st.Size != int64(len(want)) {
			t.Errorf("generation %d: %q %+v (stat %+v), want %q like %+v", i, b, a, st, want, gens[i])
		}
	}
	if _, err := s.Stat(ctx, name, nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("live object after delete: %v", err)
	}
	// Kept generations are not objects.
	if all, err := storage.ListAll(ctx, s, nil); err != nil || len(all) != 0 {
		t.Errorf("listing %v, %v", all, err)
	}
	// Without KeepVersions, nothing is kept.
	plain, err := Open(t.TempDir(), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := plain.Put(ctx, name, strings.NewReader("one"), nil)
	plain.Put(ctx, name, strings.NewReader("two"), nil)
	if _, err := plain.Stat(ctx, name, &storage.ReadOptions{Generation: first.Generation}); !errors.Is(err, storage.ErrNotFound) ||
		!strings.Contains(err.Error(), "keeps no earlier generations") {
		t.Errorf("replaced generation without KeepVersions: %v", err)
	}
}
