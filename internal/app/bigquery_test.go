package app_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
)

// TestBigQueryAdapter opens the catalog of a service that needs one through
// bq.OpenCatalog, as the blend and metasync mains pass it: the catalog is the
// BigQuery one of BQ_PROJECT and BQ_DATASET. No call reaches BigQuery.
func TestBigQueryAdapter(t *testing.T) {
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", fakeServiceAccount(t))
	ctx := context.Background()
	cfg, err := config.Load(ctx, config.Options{Lookuper: envconfig.MapLookuper(map[string]string{
		"GCS_BUCKET": "library", "BQ_PROJECT": "p", "BQ_DATASET": "RAW_TEST",
	})})
	if err != nil {
		t.Fatal(err)
	}
	ports, err := app.Adapters{Catalog: bq.OpenCatalog}.Open(ctx, cfg, app.Needs{Catalog: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ports.Catalog.(*bq.Store); !ok || !ports.CatalogClientRetries {
		t.Errorf("catalog %T (client retries %v), want the BigQuery store, which retries itself", ports.Catalog, ports.CatalogClientRetries)
	}
	a, err := app.Build(app.Needs{Catalog: true}, ports, app.FromConfig(cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// fakeServiceAccount writes a service account key of the test's own: the
// client is built from it, and no token is asked for.
func fakeServiceAccount(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	sa, err := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "p", "private_key_id": "k1", "client_id": "1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "blend@p.iam.gserviceaccount.com", "token_uri": "http://127.0.0.1:1/token",
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(path, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
