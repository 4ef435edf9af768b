package config

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/option"
)

// SecretAccessor reads the payload of one secret version.
type SecretAccessor interface {
	AccessSecret(ctx context.Context, ref string) (string, error)
}

// SecretManager reads secrets through the Secret Manager API.
type SecretManager struct {
	client *secretmanager.Client
}

// NewSecretManager opens a Secret Manager client. On Cloud Run the service
// account needs roles/secretmanager.secretAccessor on each secret.
func NewSecretManager(ctx context.Context, opts ...option.ClientOption) (*SecretManager, error) {
	c, err := secretmanager.NewClient(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("secret manager client: %w", err)
	}
	return &SecretManager{client: c}, nil
}

// AccessSecret returns the payload of the secret version ref. Errors name the
// reference, never the payload.
func (s *SecretManager) AccessSecret(ctx context.Context, ref string) (string, error) {
	resp, err := s.client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: ref})
	if err != nil {
		return "", fmt.Errorf("access %s: %w", ref, err)
	}
	data := resp.GetPayload().GetData()
	if !utf8.Valid(data) {
		return "", fmt.Errorf("access %s: payload is not UTF-8 text", ref)
	}
	// Secrets created with `echo ... | gcloud secrets create` end in a newline
	// that is not part of the value.
	return strings.TrimRight(string(data), "\r\n"), nil
}

// Close releases the client's connection.
func (s *SecretManager) Close() error { return s.client.Close() }

// resolver is the go-envconfig mutator that replaces references by payloads.
type resolver struct {
	accessor   SecretAccessor
	clientOpts []option.ClientOption
	owned      *SecretManager
	cache      map[string]string // one access per reference per start
	resolved   map[string]bool   // variables that held a reference
}

func (r *resolver) mutate(ctx context.Context, key, _, _, value string) (string, bool, error) {
	if !slices.Contains(Secrets, key) || !IsSecretRef(value) {
		return value, false, nil
	}
	r.resolved[key] = true
	if v, ok := r.cache[value]; ok {
		return v, false, nil
	}
	if r.accessor == nil {
		sm, err := NewSecretManager(ctx, r.clientOpts...)
		if err != nil {
			return "", true, &VarError{Var: key, Msg: err.Error(), Err: err}
		}
		r.owned, r.accessor = sm, sm
	}
	v, err := r.accessor.AccessSecret(ctx, value)
	if err != nil {
		return "", true, &VarError{Var: key, Msg: "resolving secret reference: " + err.Error(), Err: err}
	}
	if v == "" {
		return "", true, &VarError{Var: key, Msg: "secret " + value + " is empty"}
	}
	r.cache[value] = v
	return v, false, nil
}

func (r *resolver) close() {
	if r.owned != nil {
		r.owned.Close()
	}
}
