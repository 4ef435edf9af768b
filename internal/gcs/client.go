package gcs

import (
	"context"
	"fmt"
	"os"

	cloudstorage "cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Client opens the buckets of one Cloud Storage client.
type Client struct {
	c      *cloudstorage.Client
	opts   Options
	shared bool // the caller's client, which Close leaves open
}

// Dial creates the client of a process. With STORAGE_EMULATOR_HOST set
// (getenv) downloads go through the JSON API, the only one the emulators
// serve.
func Dial(ctx context.Context, getenv func(string) string, opts Options, copts ...option.ClientOption) (*Client, error) {
	if getenv != nil && getenv("STORAGE_EMULATOR_HOST") != "" {
		copts = append(copts, cloudstorage.WithJSONReads())
	}
	c, err := cloudstorage.NewClient(ctx, copts...)
	if err != nil {
		return nil, fmt.Errorf("cloud storage client: %w", err)
	}
	return &Client{c: c, opts: opts}, nil
}

// Wrap opens buckets on a client of the caller's, which it does not close.
func Wrap(c *cloudstorage.Client, opts Options) *Client {
	return &Client{c: c, opts: opts, shared: true}
}

// Bucket is the store of the named bucket.
func (c *Client) Bucket(name string) storage.Store { return New(c.c, name, c.opts) }

// Close closes the client, unless it is the caller's (Wrap).
func (c *Client) Close() error {
	if c.shared {
		return nil
	}
	return c.c.Close()
}

// Connect dials the process's client as the services do (Dial with the
// environment and no signing options).
func Connect(ctx context.Context) (storage.Buckets, error) {
	return Dial(ctx, os.Getenv, Options{})
}
