package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/sethvargo/go-envconfig"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// fakeSecretManager serves AccessSecretVersion from a map, as Secret Manager
// would, and counts the calls.
type fakeSecretManager struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	mu       sync.Mutex
	versions map[string]string
	calls    int
}

func (f *fakeSecretManager) AccessSecretVersion(_ context.Context, req *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	v, ok := f.versions[req.GetName()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret Version [%s] not found.", req.GetName())
	}
	return &secretmanagerpb.AccessSecretVersionResponse{Name: req.GetName(), Payload: &secretmanagerpb.SecretPayload{Data: []byte(v)}}, nil
}

// startSecretManager serves fake on a loopback port and returns the options
// that point the real client at it.
func startSecretManager(t *testing.T, fake *fakeSecretManager) []option.ClientOption {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	secretmanagerpb.RegisterSecretManagerServiceServer(srv, fake)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return []option.ClientOption{
		option.WithEndpoint(l.Addr().String()),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
}

func load(t *testing.T, env map[string]string, opts ...option.ClientOption) (*Config, error) {
	t.Helper()
	return Load(context.Background(), Options{Lookuper: envconfig.MapLookuper(env), SecretManagerOptions: opts})
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		LogLevel: slog.LevelInfo, LogFormat: "json", BQDataset: "RAW_DEV", UploadTimeoutSeconds: 300,
		MaxRetries: 3, RetryBackoffMultiplier: 2.0, MaxFileSizeMB: 500, WorkerPoolSize: 4, CatalogRefreshSeconds: 10,
		Batch: Batch{Runner: RunnerNone, ShardBlends: 200, ShardInputMB: 2048, BlendsPerShard: 100, MaxShards: 64},
	}
	if *c != want {
		t.Errorf("defaults = %+v\nwant %+v", *c, want)
	}
	if c.CatalogRefresh() != 10*time.Second {
		t.Errorf("CatalogRefresh = %v, want 10s", c.CatalogRefresh())
	}
	if c.MaxFileSize() != 500<<20 || c.UploadTimeout().Seconds() != 300 {
		t.Errorf("MaxFileSize = %d, UploadTimeout = %s", c.MaxFileSize(), c.UploadTimeout())
	}
	if c.ElasticsearchEnabled() {
		t.Error("Elasticsearch enabled without URL and key")
	}
}

func TestValues(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{
		"LOG_LEVEL": "debug", "LOG_FORMAT": "TEXT", "BQ_DATASET": "RAW_PROD", "UPLOAD_TIMEOUT_SECONDS": "60",
		"MAX_RETRIES": "0", "RETRY_BACKOFF_MULTIPLIER": "1.5", "MAX_FILE_SIZE_MB": "2", "WORKER_POOL_SIZE": "8",
		"CATALOG_REFRESH_SECONDS": "0", "GCS_BUCKET": "library", "UPLOADS_BUCKET": "uploads", "BQ_PROJECT": "proj",
		"ELASTICSEARCH_URL": "https://es.example:9200", "ES_API_KEY": "k",
		"BATCH_RUNNER": " CloudRun", "BATCH_SHARD_BLENDS": "0", "BATCH_SHARD_INPUT_MB": "512", "BATCH_BLENDS_PER_SHARD": "25",
		"BATCH_MAX_SHARDS": "1000",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		LogLevel: slog.LevelDebug, LogFormat: "text", BQDataset: "RAW_PROD", UploadTimeoutSeconds: 60,
		MaxRetries: 0, RetryBackoffMultiplier: 1.5, MaxFileSizeMB: 2, WorkerPoolSize: 8,
		LibraryBucket: "library", UploadsBucket: "uploads", BQProject: "proj",
		ElasticsearchURL: "https://es.example:9200", ESAPIKey: "k",
		Batch: Batch{Runner: RunnerCloudRun, ShardBlends: 0, ShardInputMB: 512, BlendsPerShard: 25, MaxShards: 1000},
	}
	if *c != want {
		t.Errorf("got %+v\nwant %+v", *c, want)
	}
	if err := c.Require("GCS_BUCKET", "UPLOADS_BUCKET", "BQ_PROJECT"); err != nil {
		t.Error(err)
	}
	if c.CatalogRefresh() >= 0 {
		t.Errorf("CATALOG_REFRESH_SECONDS=0: CatalogRefresh = %v, want negative (no cache)", c.CatalogRefresh())
	}
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{map[string]string{"BQ_DATASET": " "}, "BQ_DATASET"},
		{map[string]string{"UPLOAD_TIMEOUT_SECONDS": "0"}, "UPLOAD_TIMEOUT_SECONDS"},
		{map[string]string{"UPLOAD_TIMEOUT_SECONDS": "5m"}, "UPLOAD_TIMEOUT_SECONDS"},
		{map[string]string{"MAX_RETRIES": "three"}, "MAX_RETRIES"},
		{map[string]string{"MAX_RETRIES": "-1"}, "MAX_RETRIES"},
		{map[string]string{"RETRY_BACKOFF_MULTIPLIER": "0.5"}, "RETRY_BACKOFF_MULTIPLIER"},
		{map[string]string{"RETRY_BACKOFF_MULTIPLIER": "NaN"}, "RETRY_BACKOFF_MULTIPLIER"},
		{map[string]string{"MAX_FILE_SIZE_MB": "-1"}, "MAX_FILE_SIZE_MB"},
		{map[string]string{"MAX_FILE_SIZE_MB": "1e3"}, "MAX_FILE_SIZE_MB"},
		{map[string]string{"WORKER_POOL_SIZE": "0"}, "WORKER_POOL_SIZE"},
		{map[string]string{"CATALOG_REFRESH_SECONDS": "-1"}, "CATALOG_REFRESH_SECONDS"},
		{map[string]string{"ELASTICSEARCH_URL": "es:9200", "ES_API_KEY": "k"}, "ELASTICSEARCH_URL"},
		{map[string]string{"ELASTICSEARCH_URL": "https://es:9200"}, "ES_API_KEY"},
		{map[string]string{"BATCH_RUNNER": "kubernetes"}, "BATCH_RUNNER"},
		{map[string]string{"BATCH_SHARD_BLENDS": "-1"}, "BATCH_SHARD_BLENDS"},
		{map[string]string{"BATCH_SHARD_BLENDS": "many"}, "BATCH_SHARD_BLENDS"},
		{map[string]string{"BATCH_SHARD_INPUT_MB": "-5"}, "BATCH_SHARD_INPUT_MB"},
		{map[string]string{"BATCH_BLENDS_PER_SHARD": "0"}, "BATCH_BLENDS_PER_SHARD"},
		{map[string]string{"BATCH_MAX_SHARDS": "1001"}, "BATCH_MAX_SHARDS"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := load(t, tc.env)
			var ve *VarError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a *VarError", err)
			}
			if ve.Var != tc.want || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v (Var %q), want one naming %s", err, ve.Var, tc.want)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"GCS_BUCKET": "library"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Require("GCS_BUCKET", "UPLOADS_BUCKET")
	var ve *VarError
	if !errors.As(err, &ve) || ve.Var != "UPLOADS_BUCKET" {
		t.Errorf("Require = %v, want UPLOADS_BUCKET missing", err)
	}
	if err := c.Require("LOG_LEVEL"); err == nil {
		t.Error("Require accepted a variable that is not requirable")
	}
}

const (
	bucketRef = "projects/p1/secrets/library-bucket/versions/3"
	keyRef    = "projects/p1/secrets/es-api-key/versions/latest"
	urlRef    = "projects/p1/secrets/es-url/versions/1"
	apiKey    = "c2VjcmV0LWtleS12YWx1ZS05OTk="
)

func TestSecretManagerReferences(t *testing.T) {
	t.Parallel()
	fake := &fakeSecretManager{versions: map[string]string{
		bucketRef: "mixamo-library\n",
		keyRef:    apiKey,
		urlRef:    "https://elastic:hunter2@es.internal:9200",
	}}
	opts := startSecretManager(t, fake)
	c, err := load(t, map[string]string{
		"GCS_BUCKET": bucketRef, "UPLOADS_BUCKET": "mixamo-uploads", "BQ_PROJECT": bucketRef,
		"ELASTICSEARCH_URL": urlRef, "ES_API_KEY": keyRef,
		// Not a secret variable: a reference here stays a plain value.
		"BQ_DATASET": "projects/p1/secrets/x/versions/1",
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if c.LibraryBucket != "mixamo-library" || c.BQProject != "mixamo-library" || c.UploadsBucket != "mixamo-uploads" ||
		c.ESAPIKey != apiKey || c.ElasticsearchURL != "https://elastic:hunter2@es.internal:9200" {
		t.Errorf("resolved %#v", *c)
	}
	if c.BQDataset != "projects/p1/secrets/x/versions/1" {
		t.Errorf("BQ_DATASET = %q, resolved though it is no secret variable", c.BQDataset)
	}
	if fake.calls != 3 {
		t.Errorf("%d accesses, want 3 (one per distinct reference)", fake.calls)
	}
	if !c.ElasticsearchEnabled() {
		t.Error("Elasticsearch not enabled")
	}
}

func TestSecretErrors(t *testing.T) {
	t.Parallel()
	fake := &fakeSecretManager{versions: map[string]string{
		keyRef: apiKey,
		// A URL secret holding a malformed value must be rejected without
		// quoting it: it may hold credentials.
		urlRef:    "elastic:" + apiKey + "@es.internal",
		bucketRef: "",
	}}
	opts := startSecretManager(t, fake)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing version", map[string]string{"UPLOADS_BUCKET": "projects/p1/secrets/nope/versions/1"}, "UPLOADS_BUCKET"},
		{"empty payload", map[string]string{"GCS_BUCKET": bucketRef}, "GCS_BUCKET"},
		{"bad resolved URL", map[string]string{"ELASTICSEARCH_URL": urlRef, "ES_API_KEY": keyRef}, "ELASTICSEARCH_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.env, opts...)
			var ve *VarError
			if !errors.As(err, &ve) || ve.Var != tc.want {
				t.Fatalf("err = %v, want a *VarError for %s", err, tc.want)
			}
			if strings.Contains(err.Error(), apiKey) || strings.Contains(fmt.Sprintf("%+v", err), apiKey) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	fake := &fakeSecretManager{versions: map[string]string{keyRef: apiKey, urlRef: "https://elastic:hunter2@es.internal:9200",
		bucketRef: "secret-uploads-bucket-name"}}
	opts := startSecretManager(t, fake)
	c, err := load(t, map[string]string{"ES_API_KEY": keyRef, "ELASTICSEARCH_URL": urlRef, "GCS_BUCKET": "lib", "UPLOADS_BUCKET": bucketRef}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, format := range []string{"json", "text"} {
		cc := *c
		cc.LogFormat = format
		cc.NewLogger(&buf).Info("starting", "config", cc, "ptr", &cc)
	}
	fmt.Fprintf(&buf, "%v %+v %#v %s\n", *c, *c, *c, c)
	out := buf.String()
	for _, secret := range []string{apiKey, "hunter2", "secret-uploads-bucket-name"} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q in output:\n%s", secret, out)
		}
	}
	if c.UploadsBucket != "secret-uploads-bucket-name" {
		t.Errorf("UPLOADS_BUCKET = %q", c.UploadsBucket)
	}
	// A plain bucket name is configuration, not a secret, and is shown.
	if !strings.Contains(out, "GCS_BUCKET=lib") && !strings.Contains(out, `"GCS_BUCKET":"lib"`) || !strings.Contains(out, "[redacted]") {
		t.Errorf("logged configuration lacks its fields:\n%s", out)
	}
}

func TestBatchSharder(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"BATCH_RUNNER": "gke", "BATCH_SHARD_BLENDS": "10", "BATCH_SHARD_INPUT_MB": "3"})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Batch.Sharder(nil)
	if s.MaxBlends != 10 || s.MaxInputBytes != 3<<20 || s.BlendsPerShard != 100 || s.MaxShards != 64 || s.Jobs != nil {
		t.Errorf("sharder %+v", s)
	}
	if !strings.Contains(c.String(), "BATCH_RUNNER=gke") {
		t.Errorf("logged form %s does not show the runner", c)
	}
}
