package service

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
)

func TestOpenRequiresTheVariablesOfItsPorts(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(context.Background(), config.Options{Lookuper: envconfig.MapLookuper(map[string]string{"GCS_BUCKET": "library"})})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		needs Needs
		want  string
	}{
		{Needs{Uploads: true, Library: true}, "UPLOADS_BUCKET"},
		{Needs{Library: true, Catalog: true}, "BQ_PROJECT"},
	} {
		_, _, err := Open(context.Background(), cfg, tc.needs, log)
		var ve *config.VarError
		if !errors.As(err, &ve) || ve.Var != tc.want {
			t.Errorf("Open(%+v) = %v, want %s missing", tc.needs, err, tc.want)
		}
	}
}

func TestCatalogNeedsARegisteredOpener(t *testing.T) {
	t.Parallel()
	saved := catalogOpener
	catalogOpener = nil
	t.Cleanup(func() { catalogOpener = saved })
	cfg := &config.Config{LibraryBucket: "library", BQProject: "p"}
	_, _, err := OpenWith(context.Background(), cfg, Needs{Catalog: true}, Deps{})
	if err == nil || !strings.Contains(err.Error(), "cloudcatalog") {
		t.Fatalf("error %v, want one naming the package to import", err)
	}
}
