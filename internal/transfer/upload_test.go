package transfer_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/transfer"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// corpusFiles returns the corpus folder of Mixamo exports and its animation
// files by object name.
func corpusFiles(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := filepath.Join(corpus.Require(t), "mixamo")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if transfer.IsAnimation(e.Name()) {
			files[e.Name()] = filepath.Join(dir, e.Name())
		}
	}
	if len(files) < 10 {
		t.Fatalf("only %d animation files in %s", len(files), dir)
	}
	return dir, files
}

// checkUploaded compares every object with its file, byte for byte, and
// checks the metadata attached.
func checkUploaded(t *testing.T, s storage.Store, prefix string, files map[string]string, md map[string]string) {
	t.Helper()
	ctx := context.Background()
	objs, err := storage.ListAll(ctx, s, &storage.ListOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != len(files) {
		t.Fatalf("%d objects under %q, want %d", len(objs), prefix, len(files))
	}
	for name, p := range files {
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got, a, err := storage.ReadAll(ctx, s, prefix+name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes differ from the file's %d", name, len(got), len(want))
		}
		if sum := md5.Sum(want); !bytes.Equal(a.MD5, sum[:]) {
			t.Errorf("%s: MD5 %x, want %x", name, a.MD5, sum)
		}
		for k, v := range md {
			if a.Metadata[k] != v {
				t.Errorf("%s: metadata %s = %q, want %q", name, k, a.Metadata[k], v)
			}
		}
		if len(a.Metadata[library.MetaSHA256]) != 64 {
			t.Errorf("%s: sha256 metadata %q", name, a.Metadata[library.MetaSHA256])
		}
	}
}

func TestBarOnATerminal(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	b := transfer.NewBar(&out, true)
	b.Start(2, 4<<20)
	b.Add(3 << 20)
	b.Done(transfer.Result{Path: "a.fbx", Outcome: transfer.Uploaded})
	b.Add(1 << 20)
	b.Done(transfer.Result{Path: "b.fbx", Outcome: transfer.Failed, Reason: "too large"})
	b.Finish()
	s := out.String()
	for _, want := range []string{"\r\033[K[", "2/2 files", "4.0 MiB/4.0 MiB", "failed     b.fbx: too large\n", "[" + strings.Repeat("#", 30) + "]"} {
		if !strings.Contains(s, want) {
			t.Errorf("bar output lacks %q:\n%q", want, s)
		}
	}
	if strings.Contains(s, "a.fbx") {
		t.Errorf("a file that went up is listed on the terminal: %q", s)
	}
}

// corrupting stores other bytes than it is given on its first Put, as a
// resumed upload that repeats a chunk would, and answers with their attrs.
type corrupting struct {
	storage.Store
	done bool
}

func (c *corrupting) Put(ctx context.Context, name string, body io.Reader, opts *storage.PutOptions) (storage.Attrs, error) {
	if !c.done {
		c.done = true
		b, err := io.ReadAll(body)
		if err != nil {
			return storage.Attrs{}, err
		}
		return c.Store.Put(ctx, name, bytes.NewReader(append(b[:len(b)/2:len(b)/2], b...)), opts)
	}
	return c.Store.Put(ctx, name, body, opts)
}

// stalling never finishes a Put: it waits for the caller to give up.
type stalling struct{ storage.Store }

func (stalling) Put(ctx context.Context, name string, body io.Reader, opts *storage.PutOptions) (storage.Attrs, error) {
	<-ctx.Done()
	return storage.Attrs{}, &storage.Error{Op: "put", Name: name, Kind: storage.ClassifyIO(ctx.Err()), Err: ctx.Err()}
}
