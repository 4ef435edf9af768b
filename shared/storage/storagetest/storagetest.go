// Package storagetest is the contract every storage.Store implementation is
// tested against, so that the services behave the same on GCS and on the
// local directory.
package storagetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Harness describes the implementation under test.
type Harness struct {
	// New returns an empty store. It is called once per subtest.
	New func(t *testing.T) storage.Store
	// DeleteConditions is false when the backend ignores generation
	// conditions on delete (fake-gcs-server does; GCS does not).
	DeleteConditions bool
	// SignsURLs is true when SignedURL yields a URL this test can GET.
	SignsURLs bool
}

// Run runs the whole contract.
func Run(t *testing.T, h Harness) {
	t.Run("PutGetStat", func(t *testing.T) { testPutGetStat(t, h) })
	t.Run("Overwrite", func(t *testing.T) { testOverwrite(t, h) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, h) })
	t.Run("Preconditions", func(t *testing.T) { testPreconditions(t, h) })
	t.Run("DeletePreconditions", func(t *testing.T) { testDeletePreconditions(t, h) })
	t.Run("ConcurrentCreate", func(t *testing.T) { testConcurrentCreate(t, h) })
	t.Run("ConcurrentCompareAndSwap", func(t *testing.T) { testConcurrentCAS(t, h) })
	t.Run("PutDerived", func(t *testing.T) { testPutDerived(t, h) })
	t.Run("ConcurrentPutDerived", func(t *testing.T) { testConcurrentPutDerived(t, h) })
	t.Run("List", func(t *testing.T) { testList(t, h) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, h) })
	t.Run("InvalidNames", func(t *testing.T) { testInvalidNames(t, h) })
	t.Run("SignedURL", func(t *testing.T) { testSignedURL(t, h) })
}

func put(t *testing.T, s storage.Store, name string, body []byte, opts *storage.PutOptions) storage.Attrs {
	t.Helper()
	a, err := s.Put(context.Background(), name, bytes.NewReader(body), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", name, err)
	}
	return a
}

func read(t *testing.T, s storage.Store, name string) ([]byte, storage.Attrs) {
	t.Helper()
	b, a, err := storage.ReadAll(context.Background(), s, name, nil)
	if err != nil {
		t.Fatalf("Get(%q): %v", name, err)
	}
	return b, a
}

func checkAttrs(t *testing.T, what string, got storage.Attrs, bucket, name string, body []byte, contentType string, md map[string]string) {
	t.Helper()
	sum := md5.Sum(body)
	crc := crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli))
	switch {
	case got.Bucket != bucket:
		t.Errorf("%s: Bucket = %q, want %q", what, got.Bucket, bucket)
	case got.Name != name:
		t.Errorf("%s: Name = %q, want %q", what, got.Name, name)
	case got.Size != int64(len(body)):
		t.Errorf("%s: Size = %d, want %d", what, got.Size, len(body))
	case got.Generation <= 0:
		t.Errorf("%s: Generation = %d, want > 0", what, got.Generation)
	case got.Metageneration != 1:
		t.Errorf("%s: Metageneration = %d, want 1", what, got.Metageneration)
	case got.ContentType != contentType:
		t.Errorf("%s: ContentType = %q, want %q", what, got.ContentType, contentType)
	case !bytes.Equal(got.MD5, sum[:]):
		t.Errorf("%s: MD5 = %x, want %x", what, got.MD5, sum)
	case !got.HasCRC32C || got.CRC32C != crc:
		t.Errorf("%s: CRC32C = %08x (has %v), want %08x", what, got.CRC32C, got.HasCRC32C, crc)
	case !maps.Equal(got.Metadata, md):
		t.Errorf("%s: Metadata = %v, want %v", what, got.Metadata, md)
	case got.Created.IsZero() || got.Updated.IsZero():
		t.Errorf("%s: Created %v, Updated %v, want both set", what, got.Created, got.Updated)
	}
}

func testPutGetStat(t *testing.T, h Harness) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 40_000) // 640 KB, several read calls
	cases := []struct {
		name, object, contentType string
		body                      []byte
		metadata                  map[string]string
	}{
		{"empty", "uploads/empty.fbx", "application/octet-stream", nil, nil},
		{"nested with metadata", "seed/mixamo/walking.fbx", "application/octet-stream", []byte("Kaydara FBX Binary  \x00\x1a\x00"),
			map[string]string{"sha256": "ab12", "source-object": "uploads/Walking.fbx", "fps": "30"}},
		{"unicode name", "seed/mixamo/sälsa dance ü.bvh", "text/plain; charset=utf-8", []byte("HIERARCHY\nROOT Hips\n"), map[string]string{"rig": "mixamo"}},
		{"large", "blend/large.glb", "model/gltf-binary", big, map[string]string{"method": "mix", "options": `{"ratio":0.5}`}},
	}
	s := h.New(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			put := put(t, s, c.object, c.body, &storage.PutOptions{ContentType: c.contentType, Metadata: c.metadata})
			checkAttrs(t, "Put", put, s.Bucket(), c.object, c.body, c.contentType, c.metadata)

			got, ga := read(t, s, c.object)
			if !bytes.Equal(got, c.body) {
				t.Errorf("Get: %d bytes, want %d equal bytes", len(got), len(c.body))
			}
			checkAttrs(t, "Get", ga, s.Bucket(), c.object, c.body, c.contentType, c.metadata)
			if ga.Generation != put.Generation {
				t.Errorf("Get: Generation %d, Put returned %d", ga.Generation, put.Generation)
			}

			st, err := s.Stat(context.Background(), c.object, nil)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			checkAttrs(t, "Stat", st, s.Bucket(), c.object, c.body, c.contentType, c.metadata)
			st2, err := s.Stat(context.Background(), c.object, &storage.ReadOptions{Generation: put.Generation})
			if err != nil || st2.Generation != put.Generation {
				t.Errorf("Stat(generation %d) = %d, %v", put.Generation, st2.Generation, err)
			}
		})
	}
}

func testOverwrite(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
	first := put(t, s, "seed/a.fbx", []byte("first"), &storage.PutOptions{Metadata: map[string]string{"v": "1"}})
	second := put(t, s, "seed/a.fbx", []byte("second!"), &storage.PutOptions{Metadata: map[string]string{"v": "2"}})
	if second.Generation <= first.Generation {
		t.Fatalf("overwrite generation %d not above %d", second.Generation, first.Generation)
	}
	got, a := read(t, s, "seed/a.fbx")
	if string(got) != "second!" || a.Metadata["v"] != "2" || a.Generation != second.Generation {
		t.Errorf("after overwrite read %q metadata %v generation %d", got, a.Metadata, a.Generation)
	}
	if _, err := s.Get(ctx, "seed/a.fbx", &storage.ReadOptions{Generation: first.Generation}); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get of the replaced generation: %v, want ErrNotFound", err)
	}
	r, err := s.Get(ctx, "seed/a.fbx", &storage.ReadOptions{Generation: second.Generation})
	if err != nil {
		t.Fatalf("Get of the live generation: %v", err)
	}
	r.Close()
}

func testNotFound(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
	put(t, s, "seed/dir/present.fbx", []byte("x"), nil)
	for _, name := range []string{"seed/missing.fbx", "seed/dir", "seed/dir/present.fbx/child"} {
		ops := map[string]error{}
		_, ops["Get"] = s.Get(ctx, name, nil)
		_, ops["Stat"] = s.Stat(ctx, name, nil)
		ops["Delete"] = s.Delete(ctx, name, nil)
		for op, err := range ops {
			if !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("%s(%q) = %v, want ErrNotFound", op, name, err)
			}
			if storage.IsTransient(err) {
				t.Errorf("%s(%q): not found reported as transient", op, name)
			}
			var se *storage.Error
			if !errors.As(err, &se) || se.Name != name || se.Bucket != s.Bucket() {
				t.Errorf("%s(%q) = %#v, want *storage.Error naming the object", op, name, err)
			}
		}
	}
}

func testPreconditions(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
	const name = "seed/mixamo/idle.fbx"
	created := put(t, s, name, []byte("v1"), &storage.PutOptions{If: storage.DoesNotExist()})
	cases := []struct {
		desc   string
		cond   func(live int64) storage.Condition
		wantOK bool
	}{
		{"does-not-exist on an existing object", func(int64) storage.Condition { return storage.DoesNotExist() }, false},
		{"generation 0 on an existing object", func(int64) storage.Condition { return storage.GenerationMatch(0) }, false},
		{"stale generation", func(live int64) storage.Condition { return storage.GenerationMatch(live - 1) }, false},
		{"future generation", func(live int64) storage.Condition { return storage.GenerationMatch(live + 1_000_000) }, false},
		{"live generation", func(live int64) storage.Condition { return storage.GenerationMatch(live) }, true},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			live, err := s.Stat(ctx, name, nil)
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.Put(ctx, name, bytes.NewReader([]byte(c.desc)), &storage.PutOptions{If: c.cond(live.Generation)})
			if c.wantOK {
				if err != nil || a.Generation <= live.Generation {
					t.Fatalf("Put = generation %d, %v; want a generation above %d", a.Generation, err, live.Generation)
				}
				return
			}
			if !errors.Is(err, storage.ErrPreconditionFailed) || storage.IsTransient(err) {
				t.Fatalf("Put = %v, want permanent ErrPreconditionFailed", err)
			}
			after, _ := s.Stat(ctx, name, nil)
			if after.Generation != live.Generation {
				t.Errorf("failed Put changed the generation from %d to %d", live.Generation, after.Generation)
			}
		})
	}
	if _, err := s.Put(ctx, "seed/absent.fbx", bytes.NewReader(nil), &storage.PutOptions{If: storage.GenerationMatch(created.Generation)}); !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Errorf("Put with a generation condition on an absent object = %v, want ErrPreconditionFailed", err)
	}
	if _, err := s.Stat(ctx, "seed/absent.fbx", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("failed conditional Put created the object: Stat = %v", err)
	}
}

func testDeletePreconditions(t *testing.T, h Harness) {
	if !h.DeleteConditions {
		t.Skip("this backend does not enforce generation conditions on delete")
	}
	ctx := context.Background()
	s := h.New(t)
	a := put(t, s, "blend/x.fbx", []byte("x"), nil)
	for _, cond := range []storage.Condition{storage.DoesNotExist(), storage.GenerationMatch(a.Generation + 1)} {
		if err := s.Delete(ctx, "blend/x.fbx", &storage.DeleteOptions{If: cond}); !errors.Is(err, storage.ErrPreconditionFailed) {
			t.Errorf("Delete(%+v) = %v, want ErrPreconditionFailed", cond, err)
		}
	}
	if err := s.Delete(ctx, "blend/x.fbx", &storage.DeleteOptions{If: storage.GenerationMatch(a.Generation)}); err != nil {
		t.Fatalf("Delete at the live generation: %v", err)
	}
	if _, err := s.Stat(ctx, "blend/x.fbx", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after Delete: %v", err)
	}
}

// testConcurrentCreate is the validate service's guarantee: of writers racing
// to create the same seed with DoesNotExist, exactly one wins.
func testConcurrentCreate(t *testing.T, h Harness) {
	const writers = 8
	s := h.New(t)
	const name = "seed/mixamo/race.fbx"
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		won    []int
		failed int
		other  []error
	)
	start := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := fmt.Appendf(nil, "writer %d", i)
			_, err := s.Put(context.Background(), name, bytes.NewReader(body), &storage.PutOptions{If: storage.DoesNotExist()})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won = append(won, i)
			case errors.Is(err, storage.ErrPreconditionFailed):
				failed++
			default:
				other = append(other, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("unexpected errors: %v", other)
	}
	if len(won) != 1 || failed != writers-1 {
		t.Fatalf("%d writers won (%v), %d failed the precondition; want 1 and %d", len(won), won, failed, writers-1)
	}
	got, _ := read(t, s, name)
	if want := fmt.Sprintf("writer %d", won[0]); string(got) != want {
		t.Errorf("object holds %q, want the winner's %q", got, want)
	}
}

// testPutDerived is the idempotent write of a derived object: created once,
// found again by a repeated write of the same thing, kept or replaced when
// the name holds something else.
func testPutDerived(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
	const name = "blend/r/mix-0123456789ab.fbx"
	sameKey := func(key string) func(storage.Attrs) bool {
		return func(live storage.Attrs) bool { return live.Metadata["blend_key"] == key }
	}
	derived := func(key string, replace bool) storage.DerivedOptions {
		return storage.DerivedOptions{ContentType: "application/octet-stream", Metadata: map[string]string{"blend_key": key},
			Same: sameKey(key), Replace: replace}
	}
	first, created, err := storage.PutDerived(ctx, s, name, []byte("v1"), derived("k1", false))
	if err != nil || !created {
		t.Fatalf("first PutDerived = created %v, %v; want created", created, err)
	}
	checkAttrs(t, "created", first, s.Bucket(), name, []byte("v1"), "application/octet-stream", map[string]string{"blend_key": "k1"})

	again, created, err := storage.PutDerived(ctx, s, name, []byte("v1 again"), derived("k1", false))
	if err != nil || created || again.Generation != first.Generation {
		t.Errorf("repeated PutDerived = generation %d, created %v, %v; want generation %d found", again.Generation, created, err, first.Generation)
	}

	live, created, err := storage.PutDerived(ctx, s, name, []byte("v2"), derived("k2", false))
	if !errors.Is(err, storage.ErrPreconditionFailed) || storage.IsTransient(err) || created || live.Generation != first.Generation {
		t.Errorf("PutDerived of other content = generation %d, created %v, %v; want ErrPreconditionFailed and the live generation %d",
			live.Generation, created, err, first.Generation)
	}
	if body, _ := read(t, s, name); string(body) != "v1" {
		t.Errorf("object holds %q after a refused PutDerived, want v1", body)
	}

	replaced, created, err := storage.PutDerived(ctx, s, name, []byte("v2"), derived("k2", true))
	if err != nil || !created || replaced.Generation <= first.Generation {
		t.Fatalf("replacing PutDerived = generation %d, created %v, %v; want a generation above %d", replaced.Generation, created, err, first.Generation)
	}
	if body, a := read(t, s, name); string(body) != "v2" || a.Metadata["blend_key"] != "k2" {
		t.Errorf("object holds %q, %v after the replacing PutDerived, want v2 and k2", body, a.Metadata)
	}

	if _, _, err := storage.PutDerived(ctx, s, "blend/../x.fbx", []byte("x"), derived("k", true)); !errors.Is(err, storage.ErrInvalidName) {
		t.Errorf("PutDerived of a bad name = %v, want ErrInvalidName", err)
	}
}

// testConcurrentPutDerived: of writers racing to write the same derived
// object, exactly one creates it and every other finds it.
func testConcurrentPutDerived(t *testing.T, h Harness) {
	const writers = 8
	s := h.New(t)
	const name = "seed/mixamo/race.fbx.preview.png"
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created []int64
		found   []int64
		errs    []error
	)
	start := make(chan struct{})
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			a, c, err := storage.PutDerived(context.Background(), s, name, []byte("png"), storage.DerivedOptions{
				Metadata: map[string]string{"sha256": "ab12"},
				Same:     func(live storage.Attrs) bool { return live.Metadata["sha256"] == "ab12" },
				Replace:  true,
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case c:
				created = append(created, a.Generation)
			default:
				found = append(found, a.Generation)
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("PutDerived failed: %v", errs)
	}
	if len(created) != 1 || len(found) != writers-1 {
		t.Fatalf("%d writers created the object, %d found it; want 1 and %d", len(created), len(found), writers-1)
	}
	for _, g := range found {
		if g != created[0] {
			t.Errorf("a writer found generation %d, want the created %d", g, created[0])
		}
	}
}

// testConcurrentCAS increments a counter object from several goroutines with
// read-then-write-if-generation-matches: no increment may be lost.
func testConcurrentCAS(t *testing.T, h Harness) {
	const (
		workers = 4
		each    = 5
	)
	ctx := context.Background()
	s := h.New(t)
	const name = "jobs/counter"
	put(t, s, name, []byte("0"), &storage.PutOptions{If: storage.DoesNotExist()})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < each; {
				b, a, err := storage.ReadAll(ctx, s, name, nil)
				if storage.IsTransient(err) {
					continue // a GCS read can lose to writers; callers retry
				}
				if err != nil {
					errs <- err
					return
				}
				var n int
				fmt.Sscan(string(b), &n)
				_, err = s.Put(ctx, name, bytes.NewReader(fmt.Append(nil, n+1)), &storage.PutOptions{If: storage.GenerationMatch(a.Generation)})
				switch {
				case err == nil:
					done++
				case errors.Is(err, storage.ErrPreconditionFailed):
					// Lost the race: read again.
				default:
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, _ := read(t, s, name)
	if want := fmt.Sprint(workers * each); string(got) != want {
		t.Errorf("counter = %s, want %s: an increment was lost", got, want)
	}
}

func testList(t *testing.T, h Harness) {
	s := h.New(t)
	names := []string{"b/1", "a/b/3", "ab", "a/2", "a/1", "a-c", "seed/x/y/z.fbx"}
	for _, n := range names {
		put(t, s, n, []byte(n), &storage.PutOptions{Metadata: map[string]string{"n": n}})
	}
	cases := []struct {
		desc string
		opts *storage.ListOptions
		want []string
	}{
		{"all", nil, []string{"a-c", "a/1", "a/2", "a/b/3", "ab", "b/1", "seed/x/y/z.fbx"}},
		{"folder prefix", &storage.ListOptions{Prefix: "a/"}, []string{"a/1", "a/2", "a/b/3"}},
		{"partial segment prefix", &storage.ListOptions{Prefix: "a"}, []string{"a-c", "a/1", "a/2", "a/b/3", "ab"}},
		{"prefix inside a folder", &storage.ListOptions{Prefix: "seed/x/y/z"}, []string{"seed/x/y/z.fbx"}},
		{"no match", &storage.ListOptions{Prefix: "rejected/"}, nil},
		{"limit", &storage.ListOptions{Limit: 2}, []string{"a-c", "a/1"}},
		{"start offset", &storage.ListOptions{StartOffset: "a/2"}, []string{"a/2", "a/b/3", "ab", "b/1", "seed/x/y/z.fbx"}},
		{"prefix, offset and limit", &storage.ListOptions{Prefix: "a", StartOffset: "a/2", Limit: 2}, []string{"a/2", "a/b/3"}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			got, err := storage.ListAll(context.Background(), s, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			var gotNames []string
			for _, a := range got {
				gotNames = append(gotNames, a.Name)
				if a.Metadata["n"] != a.Name || a.Size != int64(len(a.Name)) || a.Generation <= 0 {
					t.Errorf("listed attrs of %q: size %d, generation %d, metadata %v", a.Name, a.Size, a.Generation, a.Metadata)
				}
			}
			if !slices.Equal(gotNames, c.want) {
				t.Errorf("List = %q, want %q", gotNames, c.want)
			}
		})
	}
	t.Run("stop early", func(t *testing.T) {
		n := 0
		for _, err := range s.List(context.Background(), nil) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if n == 3 {
				break
			}
		}
		if n != 3 {
			t.Errorf("iterated %d, want 3", n)
		}
	})
}

func testDelete(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
	first := put(t, s, "seed/gone/away.fbx", []byte("x"), nil)
	put(t, s, "seed/kept.fbx", []byte("y"), nil)
	if err := s.Delete(ctx, "seed/gone/away.fbx", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "seed/gone/away.fbx", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get after Delete = %v", err)
	}
	all, err := storage.ListAll(ctx, s, &storage.ListOptions{Prefix: "seed/"})
	if err != nil || len(all) != 1 || all[0].Name != "seed/kept.fbx" {
		t.Errorf("List after Delete = %v, %v", all, err)
	}
	again := put(t, s, "seed/gone/away.fbx", []byte("back"), &storage.PutOptions{If: storage.DoesNotExist()})
	if again.Generation <= first.Generation {
		t.Errorf("recreated generation %d not above the deleted %d", again.Generation, first.Generation)
	}
}

func testInvalidNames(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
	bad := []string{"", "/etc/passwd", "../outside", "seed/../../x", "seed/./x", "seed//x", "seed/", "seed\\x", "seed/\x00x", "seed/a\nb", string([]byte{0xff, 0xfe}), string(bytes.Repeat([]byte("n"), 1025))}
	for _, name := range bad {
		t.Run(fmt.Sprintf("%.20q", name), func(t *testing.T) {
			ops := map[string]error{}
			_, ops["Put"] = s.Put(ctx, name, bytes.NewReader([]byte("x")), nil)
			_, ops["Get"] = s.Get(ctx, name, nil)
			_, ops["Stat"] = s.Stat(ctx, name, nil)
			ops["Delete"] = s.Delete(ctx, name, nil)
			_, ops["SignedURL"] = s.SignedURL(name, time.Minute)
			for op, err := range ops {
				if !errors.Is(err, storage.ErrInvalidName) {
					t.Errorf("%s = %v, want ErrInvalidName", op, err)
				}
			}
		})
	}
	if all, err := storage.ListAll(ctx, s, nil); err != nil || len(all) != 0 {
		t.Errorf("invalid names left objects: %v, %v", all, err)
	}
}

func testSignedURL(t *testing.T, h Harness) {
	s := h.New(t)
	body := []byte("signed content")
	put(t, s, "blend/signed.fbx", body, nil)
	u, err := s.SignedURL("blend/signed.fbx", 15*time.Minute)
	if !h.SignsURLs {
		if !errors.Is(err, storage.ErrUnsupported) {
			t.Fatalf("SignedURL = %q, %v; want ErrUnsupported", u, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignedURL("blend/signed.fbx", 8*24*time.Hour); err == nil {
		t.Error("SignedURL accepted a TTL above 7 days")
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, body) {
		t.Errorf("GET %s = %d %q, want 200 %q", u, resp.StatusCode, got, body)
	}
}
