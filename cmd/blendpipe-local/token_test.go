package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
)

// TestDevToken runs `blendpipe dev` with the token in the environment and
// with --token, which wins; the usage never shows the token.
func TestDevToken(t *testing.T) {
	const envToken, flagToken = "env-token-8c1d2a", "flag-token-41be07"
	t.Setenv(TokenEnv, envToken)
	for _, c := range []struct {
		name  string
		args  []string
		token string
	}{
		{"from the environment", nil, envToken},
		{"flag wins", []string{"--token", flagToken}, flagToken},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := fmt.Sprintf("127.0.0.1:%d", pipelinetest.FreePort(t))
			ctx, cancel := context.WithCancel(context.Background())
			var out, errOut bytes.Buffer
			done := make(chan int, 1)
			args := append([]string{"dev", "--dir", t.TempDir(), "--addr", addr}, c.args...)
			go func() { done <- run(ctx, args, &out, &errOut) }()
			defer func() {
				cancel()
				if code := <-done; code != 0 {
					t.Errorf("dev exit %d: %s", code, errOut.String())
				}
			}()
			pipelinetest.WaitListening(t, addr)
			for _, tc := range []struct {
				path, token string
				want        int
			}{
				{"/blends", "", 401}, {"/blends", envToken + flagToken, 401}, {"/blends", c.token, 200}, {"/live", "", 200},
			} {
				req, _ := http.NewRequest("GET", "http://"+addr+tc.path, nil)
				if tc.token != "" {
					req.Header.Set("Authorization", "Bearer "+tc.token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.want {
					t.Errorf("GET %s with %q: HTTP %d, want %d", tc.path, tc.token, resp.StatusCode, tc.want)
				}
			}
		})
	}
	var out, errOut bytes.Buffer
	run(context.Background(), []string{"dev", "-h"}, &out, &errOut)
	if !strings.Contains(errOut.String(), "--token") && !strings.Contains(errOut.String(), "-token") || strings.Contains(errOut.String(), envToken) {
		t.Errorf("usage: %s", errOut.String())
	}
}
