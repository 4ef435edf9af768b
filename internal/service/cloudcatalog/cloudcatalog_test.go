package cloudcatalog_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/service"
	_ "github.com/rydlrcs/mixamo-blend-pipeline/internal/service/cloudcatalog"
)

// TestRegisteredWithService opens a service that needs the catalog and is
// given none: the catalog is the BigQuery one of BQ_PROJECT and BQ_DATASET,
// through the opener this package registers. No call reaches BigQuery.
func TestRegisteredWithService(t *testing.T) {
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", fakeServiceAccount(t))
	ctx := context.Background()
	cfg, err := config.Load(ctx, config.Options{Lookuper: envconfig.MapLookuper(map[string]string{
		"GCS_BUCKET": "library", "BQ_PROJECT": "p", "BQ_DATASET": "RAW_TEST",
	})})
	if err != nil {
		t.Fatal(err)
	}
	p, closeAll, err := service.OpenWith(ctx, cfg, service.Needs{Catalog: true}, service.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Catalog.(*bq.Store); !ok {
		t.Errorf("catalog %T, want the BigQuery store", p.Catalog)
	}
	if err := closeAll(); err != nil {
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
