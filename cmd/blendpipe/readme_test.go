package main

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/batch"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
)

// jsonNames are the JSON names of t's fields.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n != "" && n != "-" {
			names = append(names, n)
		}
	}
	return names
}

// The README's table of option names holds every blend option under its JSON name and its
// flag, and says which methods read a flag as the warnings do.
func TestReadmeOptionTable(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "| JSON | CLI | method | meaning |\n|---|---|---|---|\n")
	if !ok {
		t.Fatal("README has no option table")
	}
	table, _, _ = strings.Cut(table, "\n\n")

	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"help", "blend"}, &out, &errb); code != 0 {
		t.Fatalf("help blend: exit %d: %s", code, errb.String())
	}
	var flags []string
	for l := range strings.Lines(out.String()) {
		if rest, ok := strings.CutPrefix(l, "  -"); ok {
			name, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
			flags = append(flags, name)
		}
	}
	optNames := jsonNames(reflect.TypeFor[blend.Options]())
	manifestNames := jsonNames(reflect.TypeFor[batch.Blend]())

	var seenJSON, seenFlags []string
	for row := range strings.Lines(table) {
		cols := strings.Split(strings.Trim(strings.TrimSpace(row), "|"), "|")
		if len(cols) != 4 {
			t.Errorf("row %q: %d columns", row, len(cols))
			continue
		}
		for _, n := range strings.Split(cols[0], ",") {
			n = strings.Trim(strings.TrimSpace(n), "`")
			if !slices.Contains(optNames, n) && !slices.Contains(manifestNames, n) {
				t.Errorf("row %q: %q is no JSON name of blend.Options or a manifest's blend", row, n)
			}
			seenJSON = append(seenJSON, n)
		}
		methods := strings.TrimSpace(cols[2])
		for _, f := range strings.Split(cols[1], ",") {
			f = strings.TrimSpace(f)
			if strings.HasPrefix(f, "none") {
				continue
			}
			f = strings.TrimLeft(strings.Trim(f, "`"), "-")
			if !slices.Contains(flags, f) {
				t.Errorf("row %q: blend has no flag --%s", row, f)
			}
			seenFlags = append(seenFlags, f)
			if by := flagMethods(f); by != nil {
				want := strings.ReplaceAll(strings.Join(by, ", "), "--loop", "loop")
				if methods != want {
					t.Errorf("row %q: method column %q, but the warnings say --%s is read by %q", row, methods, f, want)
				}
			} else if methods != "all" && f != "method" && !strings.Contains(methods, "batch") {
				t.Errorf("row %q: method column %q, but every method reads --%s", row, methods, f)
			}
		}
	}
	for _, n := range optNames {
		if !slices.Contains(seenJSON, n) && n != "inputs" {
			t.Errorf("option %q is missing from the README's table", n)
		}
	}
	for _, f := range flags {
		if !slices.Contains(seenFlags, f) && f != "json" {
			t.Errorf("flag --%s is missing from the README's table", f)
		}
	}
}
