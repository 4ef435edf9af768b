package storage

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxNameLen is GCS's limit on an object name, in bytes of UTF-8.
const MaxNameLen = 1024

// ValidateName checks an object name against the rules every Store enforces:
// GCS's own (valid UTF-8, at most 1024 bytes, no CR or LF) and the pipeline's,
// which keep names usable as relative file paths: no leading or trailing
// slash, no empty, "." or ".." segment, no backslash, no NUL or other
// control character. The error matches ErrInvalidName and says which rule.
func ValidateName(name string) error { return CheckName("validate", "", name) }

// CheckName is ValidateName for a store operation: the error names the
// operation and the bucket.
func CheckName(op, bucket, name string) error {
	reason := nameProblem(name)
	if reason == "" {
		return nil
	}
	shown := name
	if len(shown) > 80 {
		shown = shown[:80] + "..."
	}
	return &Error{Op: op, Bucket: bucket, Name: name, Kind: ErrInvalidName, Err: fmt.Errorf("%q: %s", shown, reason)}
}

func nameProblem(name string) string {
	switch {
	case name == "":
		return "name is empty"
	case len(name) > MaxNameLen:
		return fmt.Sprintf("name is %d bytes, more than %d", len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return "name is not valid UTF-8"
	case strings.HasPrefix(name, "/"):
		return "name is an absolute path"
	case strings.HasSuffix(name, "/"):
		return "name ends with a slash"
	case strings.ContainsRune(name, '\\'):
		return "name contains a backslash"
	}
	for i, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Sprintf("name contains control character %U at byte %d", r, i)
		}
	}
	for i, seg := range strings.Split(name, "/") {
		switch seg {
		case "":
			return fmt.Sprintf("segment %d is empty", i+1)
		case ".", "..":
			return fmt.Sprintf("segment %d is %q", i+1, seg)
		}
	}
	return ""
}
