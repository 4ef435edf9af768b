package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestValidateName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		reason string // substring of the error, "" when valid
	}{
		{"seed/mixamo/walking.fbx", ""},
		{"uploads/Samba Dancing (1).fbx", ""},
		{"blend/ü/ñ.glb", ""},
		{".hidden/file", ""},
		{"a..b/c...d", ""},
		{"", "empty"},
		{"/abs", "absolute"},
		{"dir/", "ends with a slash"},
		{"a//b", "segment 2 is empty"},
		{"../x", `segment 1 is ".."`},
		{"a/./b", `segment 2 is "."`},
		{"a/..", `segment 2 is ".."`},
		{`a\b`, "backslash"},
		{"a\x00b", "control character U+0000 at byte 1"},
		{"a\rb", "control character"},
		{"a\x7f", "control character"},
		{"\xc3\x28", "UTF-8"},
		{strings.Repeat("x", 1024), ""},
		{strings.Repeat("x", 1025), "1025 bytes"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%.30q", c.name), func(t *testing.T) {
			err := ValidateName(c.name)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("ValidateName = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("ValidateName = %v, want ErrInvalidName saying %q", err, c.reason)
			}
			if strings.ContainsAny(err.Error(), "\x00\r\n") {
				t.Errorf("error message carries raw control characters: %q", err.Error())
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestIsTransient(t *testing.T) {
	t.Parallel()
	cases := []struct {
		desc string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("boom"), false},
		{"marked transient", &Error{Op: "get", Kind: ErrTransient, Err: errors.New("503")}, true},
		{"not found", &Error{Op: "get", Kind: ErrNotFound}, false},
		{"not found caused by a timeout", &Error{Op: "get", Kind: ErrNotFound, Err: context.DeadlineExceeded}, false},
		{"precondition", fmt.Errorf("seed: %w", &Error{Op: "put", Kind: ErrPreconditionFailed}), false},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), true},
		{"canceled", context.Canceled, false},
		{"net timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, true},
		{"connection reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"connection refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, true},
		{"truncated body", fmt.Errorf("copy: %w", io.ErrUnexpectedEOF), true},
		{"permission", &Error{Op: "put", Err: os.ErrPermission}, false},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			if got := IsTransient(c.err); got != c.want {
				t.Errorf("IsTransient(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}

func TestErrorUnwrapsKindAndCause(t *testing.T) {
	t.Parallel()
	cause := &os.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}
	err := fmt.Errorf("validate: %w", &Error{Op: "get", Bucket: "uploads", Name: "a.fbx", Kind: ErrNotFound, Err: cause})
	var pe *os.PathError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &pe) || errors.Is(err, ErrTransient) {
		t.Fatalf("errors.Is/As through %v failed", err)
	}
	if want := "validate: storage: get uploads/a.fbx: object not found: open /x: permission denied"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}

func TestConditions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		c       Condition
		gen     int64
		present bool
	}{
		{Condition{}, 0, false},
		{DoesNotExist(), 0, true},
		{GenerationMatch(0), 0, true},
		{GenerationMatch(1764100000000000), 1764100000000000, true},
	}
	for _, c := range cases {
		if gen, ok := c.c.Generation(); gen != c.gen || ok != c.present {
			t.Errorf("%+v.Generation() = %d, %v; want %d, %v", c.c, gen, ok, c.gen, c.present)
		}
	}
}
