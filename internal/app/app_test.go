package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestOpenRequiresTheVariablesOfItsPorts(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(context.Background(), config.Options{Lookuper: envconfig.MapLookuper(map[string]string{"GCS_BUCKET": "library"})})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		needs Needs
		want  string
	}{
		{Needs{Uploads: true, Library: true}, "UPLOADS_BUCKET"},
		{Needs{Library: true, Catalog: true}, "BQ_PROJECT"},
	} {
		_, err := Open(context.Background(), cfg, tc.needs, Adapters{}.Open, log)
		var ve *config.VarError
		if !errors.As(err, &ve) || ve.Var != tc.want {
			t.Errorf("Open(%+v) = %v, want %s missing", tc.needs, err, tc.want)
		}
	}
}

// TestBuildRefusesMissingPorts: a pipeline is never built without a port
// its use cases call, and the error names each one missing.
func TestBuildRefusesMissingPorts(t *testing.T) {
	t.Parallel()
	lib := dirStore(t, "library")
	closed := 0
	tests := []struct {
		name  string
		needs Needs
		ports Ports
		want  []string
	}{
		{"no library", Needs{Library: true}, Ports{}, []string{"library bucket (GCS_BUCKET)"}},
		{"no uploads, no catalog", Needs{Uploads: true, Library: true, Catalog: true}, Ports{Library: lib},
			[]string{"uploads bucket (UPLOADS_BUCKET)", "catalog (BQ_PROJECT)"}},
		{"closes what was opened", Needs{Catalog: true}, Ports{Closers: []io.Closer{closerFunc(func() error { closed++; return nil })}},
			[]string{"catalog"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Build(tt.needs, tt.ports, Options{})
			if !errors.Is(err, ErrMissingPort) || a != nil {
				t.Fatalf("Build = %v, %v; want ErrMissingPort", a, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
	if closed != 1 {
		t.Errorf("closers called %d times, want 1", closed)
	}
}

// TestAdaptersRefuseUnlinked: a binary that links no client for a port it
// needs fails to start saying which.
func TestAdaptersRefuseUnlinked(t *testing.T) {
	t.Parallel()
	cfg := &config.Config{LibraryBucket: "library", BQProject: "p", BQDataset: "d"}
	lib := dirStore(t, "library")
	for _, tc := range []struct {
		needs Needs
		ad    Adapters
		want  string
	}{
		{Needs{Library: true}, Adapters{}, "no Cloud Storage client"},
		{Needs{Library: true, Catalog: true}, Adapters{Storage: fixedBuckets(lib)}, "no BigQuery client"},
	} {
		_, err := tc.ad.Open(context.Background(), cfg, tc.needs, slog.New(slog.DiscardHandler))
		if !errors.Is(err, ErrMissingPort) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%+v) = %v, want %q", tc.needs, err, tc.want)
		}
	}
	cfg.ElasticsearchURL, cfg.ESAPIKey = "http://127.0.0.1:1", "k"
	ad := Adapters{Storage: fixedBuckets(lib), Catalog: func(ctx context.Context, _, _ string) (catalog.StoreCloser, error) {
		return sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	}}
	_, err := ad.Open(context.Background(), cfg, Needs{Library: true, Catalog: true}, slog.New(slog.DiscardHandler))
	var ve *config.VarError
	if !errors.As(err, &ve) || ve.Var != "ELASTICSEARCH_URL" {
		t.Errorf("Elasticsearch configured but not linked: %v, want ELASTICSEARCH_URL named", err)
	}
}

// TestBuildDecoratesOnce: the ports are measured, then guarded by the
// breaker of their dependency, and only the dependencies present get one.
func TestBuildDecoratesOnce(t *testing.T) {
	t.Parallel()
	lib := dirStore(t, "library")
	a, err := Build(Needs{Library: true}, Ports{Library: lib}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(a.Breakers); got != 1 || a.Breaker(resilience.GCS) == nil {
		t.Fatalf("breakers %v, want the Cloud Storage one alone", a.Breakers)
	}
	if a.Pipeline.Library == lib || a.Pipeline.Uploads != nil || a.Pipeline.Catalog != nil {
		t.Errorf("ports %+v: want the library decorated and nothing else", a.Pipeline)
	}
	if _, _, err := storage.ReadAll(context.Background(), a.Pipeline.Library, "missing", nil); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("read through the decorators: %v, want ErrNotFound", err)
	}
	rec := httptest.NewRecorder()
	a.Handler(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `gcs_api_duration_seconds_count{op="get"} 1`) {
		t.Errorf("/metrics does not count the one read through the measured port:\n%s", rec.Body.String())
	}
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

type staticBuckets struct{ s storage.Store }

func (b staticBuckets) Bucket(string) storage.Store { return b.s }
func (b staticBuckets) Close() error                { return nil }

func fixedBuckets(s storage.Store) func(context.Context) (storage.Buckets, error) {
	return func(context.Context) (storage.Buckets, error) { return staticBuckets{s}, nil }
}

func dirStore(t *testing.T, bucket string) storage.Store {
	t.Helper()
	s, err := localdir.Open(t.TempDir(), localdir.Options{Bucket: bucket})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
