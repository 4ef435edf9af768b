package eventarc

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// terraformTriggers reads the triggers map of terraform's stack module: one
// block per trigger, keyed by its name, with event_type, the bucket
// (module.buckets.<role>_bucket) and the service (module.service["<name>"]).
func terraformTriggers(t *testing.T, path string) []Trigger {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		open    = regexp.MustCompile(`^\s*([a-z0-9-]+)\s*=\s*\{\s*$`)
		typ     = regexp.MustCompile(`^\s*event_type\s*=\s*"([^"]+)"`)
		bucket  = regexp.MustCompile(`^\s*bucket\s*=\s*module\.buckets\.([a-z]+)_bucket\b`)
		service = regexp.MustCompile(`^\s*service\s*=\s*module\.service\["([a-z]+)"\]\.name\b`)
		out     []Trigger
		cur     *Trigger
		inTable bool
		sc      = bufio.NewScanner(f)
		lineNo  int
	)
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "triggers = {"):
			inTable = true
		case !inTable:
		case cur == nil && open.MatchString(line):
			cur = &Trigger{Name: open.FindStringSubmatch(line)[1]}
		case cur != nil && strings.TrimSpace(line) == "}":
			out = append(out, *cur)
			cur = nil
		case cur == nil && strings.TrimSpace(line) == "}":
			inTable = false
		case cur != nil:
			if m := typ.FindStringSubmatch(line); m != nil {
				cur.Type = storage.EventType(m[1])
			} else if m := bucket.FindStringSubmatch(line); m != nil {
				cur.Bucket = m[1]
			} else if m := service.FindStringSubmatch(line); m != nil {
				cur.Service = m[1]
			} else if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				t.Errorf("%s:%d: %q: not a field of a trigger this test reads", path, lineNo, l)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTerraformDeclaresTheTriggers: terraform's Eventarc triggers are the
// table the local router and the fault proof deliver by. Each trigger is its
// own Pub/Sub subscription, filtered on the CloudEvent's type and bucket
// attributes only ("Eventarc ... filters: type, bucket", Eventarc's Cloud
// Storage trigger docs), which is what a Trigger holds.
func TestTerraformDeclaresTheTriggers(t *testing.T) {
	t.Parallel()
	got := terraformTriggers(t, "../../terraform/modules/stack/eventarc.tf")
	want := Triggers()
	byName := func(a, b Trigger) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(got, byName)
	slices.SortFunc(want, byName)
	if !slices.Equal(got, want) {
		t.Errorf("terraform declares\n  %v\nthe code routes by\n  %v", got, want)
	}
	for _, tr := range want {
		event := strings.ToLower(strings.TrimPrefix(string(tr.Type), "google.cloud.storage.object.v1."))
		if tr.Name != tr.Bucket+"-"+event+"-"+tr.Service {
			t.Errorf("trigger %q: want the name <bucket>-<event>-<service> in lower case", tr.Name)
		}
	}
}

func TestRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bucket string
		typ    storage.EventType
		want   []string
	}{
		{Uploads, storage.ObjectFinalized, []string{ValidateService}},
		{Uploads, storage.ObjectArchived, nil},
		{Uploads, storage.ObjectDeleted, nil},
		{Uploads, storage.ObjectMetadataUpdated, nil},
		{Library, storage.ObjectFinalized, []string{MetasyncService, BlendService, PreviewService}},
		{Library, storage.ObjectArchived, []string{MetasyncService}},
		{Library, storage.ObjectDeleted, []string{MetasyncService}},
		{Library, storage.ObjectMetadataUpdated, []string{MetasyncService}},
	}
	for _, tt := range tests {
		var got []string
		for _, tr := range Route(tt.bucket, tt.typ) {
			got = append(got, tr.Service)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Route(%s, %s) = %v, want %v", tt.bucket, tt.typ, got, tt.want)
		}
	}
	if s := Services(); !slices.Equal(s, []string{ValidateService, MetasyncService, BlendService, PreviewService}) {
		t.Errorf("Services() = %v", s)
	}
}
