// Package config reads the services' configuration from the environment, as
// the deployment guide documents it, and resolves Secret Manager references
// at start.
//
// Every variable named in Secrets may hold either a plain value or a
// reference of the form projects/P/secrets/S/versions/V, which Load replaces
// by the secret's payload before the service starts. Bad configuration is
// reported as a *VarError naming the variable; secret values never appear in
// errors or in the logged form of a Config.
package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
)

// Config is the configuration shared by the validate, blend and metasync
// services and the local pipeline.
type Config struct {
	LogLevel  slog.Level `env:"LOG_LEVEL, default=INFO"`
	LogFormat string     `env:"LOG_FORMAT, default=json"`
	// Project is the Google Cloud project log lines link their traces to.
	Project string `env:"GOOGLE_CLOUD_PROJECT"`

	// BQDataset is the BigQuery dataset holding the animations table.
	BQDataset string `env:"BQ_DATASET, default=RAW_DEV"`

	UploadTimeoutSeconds   int     `env:"UPLOAD_TIMEOUT_SECONDS, default=300"`
	MaxRetries             int     `env:"MAX_RETRIES, default=3"`
	RetryBackoffMultiplier float64 `env:"RETRY_BACKOFF_MULTIPLIER, default=2.0"`
	MaxFileSizeMB          int64   `env:"MAX_FILE_SIZE_MB, default=500"`
	WorkerPoolSize         int     `env:"WORKER_POOL_SIZE, default=4"`
	// CatalogRefreshSeconds is how often a service that serves catalogue
	// reads refreshes its cache of the catalog; 0 turns the cache off (a
	// query per read).
	CatalogRefreshSeconds int `env:"CATALOG_REFRESH_SECONDS, default=10"`

	// Batch is when the blend service shards a manifest and where the
	// shards run (BATCH_RUNNER).
	Batch Batch

	// The variables below may be Secret Manager references.

	// LibraryBucket holds seed/, blend/, jobs/ and rejected/.
	LibraryBucket string `env:"GCS_BUCKET"`
	// UploadsBucket is where downloaded Mixamo files are dropped.
	UploadsBucket    string `env:"UPLOADS_BUCKET"`
	BQProject        string `env:"BQ_PROJECT"`
	ElasticsearchURL string `env:"ELASTICSEARCH_URL"`
	ESAPIKey         string `env:"ES_API_KEY"`

	// fromSecretManager has bit i set when Secrets[i] was resolved from a
	// reference: such a value is a secret and never logged.
	fromSecretManager uint8
}

// Secrets are the variables that may name a Secret Manager secret version.
var Secrets = []string{"GCS_BUCKET", "UPLOADS_BUCKET", "BQ_PROJECT", "ELASTICSEARCH_URL", "ES_API_KEY"}

// sensitive are the variables whose values are credentials or may embed
// them (a URL with user:password), and so are never logged, even when set
// as plain values. The others are redacted when read from Secret Manager.
var sensitive = map[string]bool{"ELASTICSEARCH_URL": true, "ES_API_KEY": true}

// VarError is bad configuration: the variable and what is wrong with it.
type VarError struct {
	Var string
	Msg string
	Err error
}

func (e *VarError) Error() string { return "config: " + e.Var + ": " + e.Msg }

// Unwrap returns the underlying cause.
func (e *VarError) Unwrap() error { return e.Err }

// Options configure Load.
type Options struct {
	// Lookuper reads the variables; the process environment when nil.
	Lookuper envconfig.Lookuper
	// Secrets accesses secret versions. When nil, Load opens a Secret Manager
	// client with SecretManagerOptions, and only if some variable holds a
	// reference, so a configuration without references needs no credentials.
	Secrets SecretAccessor
	// SecretManagerOptions are passed to the Secret Manager client.
	SecretManagerOptions []option.ClientOption
}

// secretRef matches a secret version's resource name.
var secretRef = regexp.MustCompile(`^projects/[^/\s]+/secrets/[^/\s]+/versions/[^/\s]+$`)

// IsSecretRef reports whether v is a Secret Manager secret version reference.
func IsSecretRef(v string) bool { return secretRef.MatchString(v) }

// Load reads, resolves and checks the configuration.
func Load(ctx context.Context, opts Options) (*Config, error) {
	l := opts.Lookuper
	if l == nil {
		l = envconfig.OsLookuper()
	}
	res := &resolver{accessor: opts.Secrets, clientOpts: opts.SecretManagerOptions, cache: map[string]string{}, resolved: map[string]bool{}}
	defer res.close()
	var c Config
	err := envconfig.ProcessWith(ctx, &envconfig.Config{
		Target:   &c,
		Lookuper: l,
		Mutators: []envconfig.Mutator{envconfig.MutatorFunc(res.mutate)},
	})
	if err != nil {
		return nil, varError(err)
	}
	for i, v := range Secrets {
		if res.resolved[v] {
			c.fromSecretManager |= 1 << i
		}
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// varError turns go-envconfig's "Field: cause" into a *VarError naming the
// environment variable. Values the library quotes in parse errors are never
// secret: every secret variable is a plain string, which cannot fail to parse.
func varError(err error) error {
	var ve *VarError
	if errors.As(err, &ve) {
		return ve
	}
	field, msg, ok := strings.Cut(err.Error(), ": ")
	if !ok {
		return fmt.Errorf("config: %w", err)
	}
	t := reflect.TypeFor[Config]()
	// A nested struct's field is reported as "Outer: Inner: cause".
	if f, found := t.FieldByName(field); found && f.Type.Kind() == reflect.Struct {
		if inner, rest, ok := strings.Cut(msg, ": "); ok {
			t, field, msg = f.Type, inner, rest
		}
	}
	name := envName(t, field)
	if name == "" {
		return fmt.Errorf("config: %w", err)
	}
	return &VarError{Var: name, Msg: msg, Err: err}
}

// envName returns the variable bound to the field of t called field.
func envName(t reflect.Type, field string) string {
	f, ok := t.FieldByName(field)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
	return name
}

func (c *Config) check() error {
	bad := func(v, format string, args ...any) error {
		return &VarError{Var: v, Msg: fmt.Sprintf(format, args...)}
	}
	c.LogFormat = strings.ToLower(strings.TrimSpace(c.LogFormat))
	switch {
	case c.LogFormat != "json" && c.LogFormat != "text":
		return bad("LOG_FORMAT", "%q: want json or text", c.LogFormat)
	case strings.TrimSpace(c.BQDataset) == "":
		return bad("BQ_DATASET", "must not be empty")
	case c.UploadTimeoutSeconds <= 0:
		return bad("UPLOAD_TIMEOUT_SECONDS", "%d: want a number of seconds above 0", c.UploadTimeoutSeconds)
	case c.MaxRetries < 0 || c.MaxRetries > 100:
		return bad("MAX_RETRIES", "%d: want 0 to 100", c.MaxRetries)
	case !(c.RetryBackoffMultiplier >= 1 && c.RetryBackoffMultiplier <= 100):
		return bad("RETRY_BACKOFF_MULTIPLIER", "%v: want 1 to 100", c.RetryBackoffMultiplier)
	case c.MaxFileSizeMB <= 0 || c.MaxFileSizeMB > 1<<20:
		return bad("MAX_FILE_SIZE_MB", "%d: want 1 to %d", c.MaxFileSizeMB, 1<<20)
	case c.WorkerPoolSize <= 0 || c.WorkerPoolSize > 1024:
		return bad("WORKER_POOL_SIZE", "%d: want 1 to 1024", c.WorkerPoolSize)
	case c.CatalogRefreshSeconds < 0 || c.CatalogRefreshSeconds > 3600:
		return bad("CATALOG_REFRESH_SECONDS", "%d: want 0 (no cache) to 3600", c.CatalogRefreshSeconds)
	case c.ElasticsearchURL != "" && !strings.HasPrefix(c.ElasticsearchURL, "http://") && !strings.HasPrefix(c.ElasticsearchURL, "https://"):
		// The value may carry credentials: say what is wrong, not what it is.
		return bad("ELASTICSEARCH_URL", "want an http:// or https:// URL")
	case (c.ElasticsearchURL == "") != (c.ESAPIKey == ""):
		return bad("ES_API_KEY", "ELASTICSEARCH_URL and ES_API_KEY are set together or not at all")
	}
	return c.Batch.check()
}

// Require reports the first of vars (GCS_BUCKET, UPLOADS_BUCKET, BQ_PROJECT,
// ELASTICSEARCH_URL, ES_API_KEY) that is empty: each service needs a
// different subset.
func (c *Config) Require(vars ...string) error {
	for _, v := range vars {
		var val string
		switch v {
		case "GCS_BUCKET":
			val = c.LibraryBucket
		case "UPLOADS_BUCKET":
			val = c.UploadsBucket
		case "BQ_PROJECT":
			val = c.BQProject
		case "ELASTICSEARCH_URL":
			val = c.ElasticsearchURL
		case "ES_API_KEY":
			val = c.ESAPIKey
		default:
			return fmt.Errorf("config: Require: %q is not a variable that can be required", v)
		}
		if strings.TrimSpace(val) == "" {
			return &VarError{Var: v, Msg: "required but not set"}
		}
	}
	return nil
}

// MaxFileSize is MAX_FILE_SIZE_MB in bytes.
func (c *Config) MaxFileSize() int64 { return c.MaxFileSizeMB << 20 }

// CatalogRefresh is CATALOG_REFRESH_SECONDS as app.Options takes it:
// negative for no cache.
func (c *Config) CatalogRefresh() time.Duration {
	if c.CatalogRefreshSeconds == 0 {
		return -1
	}
	return time.Duration(c.CatalogRefreshSeconds) * time.Second
}

// UploadTimeout is UPLOAD_TIMEOUT_SECONDS as a duration.
func (c *Config) UploadTimeout() time.Duration {
	return time.Duration(c.UploadTimeoutSeconds) * time.Second
}

// ElasticsearchEnabled reports whether search indexing is configured.
func (c *Config) ElasticsearchEnabled() bool { return c.ElasticsearchURL != "" && c.ESAPIKey != "" }

// NewLogger returns a logger writing to w at LOG_LEVEL in LOG_FORMAT.
func (c *Config) NewLogger(w io.Writer) *slog.Logger { return c.Logger(w, "") }

// Logger is NewLogger for the logger called name (the logger field of
// each line).
func (c *Config) Logger(w io.Writer, name string) *slog.Logger {
	return logs.New(w, logs.Options{Format: c.LogFormat, Level: c.LogLevel, Name: name, Project: c.Project})
}

// LogValue logs the configuration with credentials redacted, so a Config can
// be logged at start without leaking them.
func (c Config) LogValue() slog.Value {
	shown := func(name, v string) slog.Attr {
		i := slices.Index(Secrets, name)
		if v != "" && (sensitive[name] || c.fromSecretManager&(1<<i) != 0) {
			v = "[redacted]"
		}
		return slog.String(name, v)
	}
	return slog.GroupValue(
		slog.String("LOG_LEVEL", c.LogLevel.String()),
		slog.String("LOG_FORMAT", c.LogFormat),
		slog.String("BQ_DATASET", c.BQDataset),
		slog.Int("UPLOAD_TIMEOUT_SECONDS", c.UploadTimeoutSeconds),
		slog.Int("MAX_RETRIES", c.MaxRetries),
		slog.Float64("RETRY_BACKOFF_MULTIPLIER", c.RetryBackoffMultiplier),
		slog.Int64("MAX_FILE_SIZE_MB", c.MaxFileSizeMB),
		slog.Int("WORKER_POOL_SIZE", c.WorkerPoolSize),
		slog.String("BATCH_RUNNER", c.Batch.Runner),
		slog.Int("CATALOG_REFRESH_SECONDS", c.CatalogRefreshSeconds),
		shown("GCS_BUCKET", c.LibraryBucket),
		shown("UPLOADS_BUCKET", c.UploadsBucket),
		shown("BQ_PROJECT", c.BQProject),
		shown("ELASTICSEARCH_URL", c.ElasticsearchURL),
		shown("ES_API_KEY", c.ESAPIKey),
	)
}

// String is the redacted form, so that printing a Config with %v or %+v
// cannot leak a credential either.
func (c Config) String() string { return c.LogValue().String() }

// GoString is the redacted form for %#v.
func (c Config) GoString() string { return c.String() }
