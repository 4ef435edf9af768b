//go:build corpus

package fbx

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// TestDecodeSkipsOnlyUnreachableCurves: Decode leaves out the records of the curves no
// connection mentions, and its animation is exactly that of the fully parsed document.
func TestDecodeSkipsOnlyUnreachableCurves(t *testing.T) {
	t.Parallel()
	dir := corpus.Require(t)
	paths, _ := filepath.Glob(filepath.Join(dir, "mixamo", "*.fbx"))
	more, _ := filepath.Glob(filepath.Join(dir, "ufbx", "anim", "*_binary.fbx"))
	paths = append(paths, more...)
	skipped := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(p)
		doc, perr := Parse(data, Limits{})
		got, err := Decode(data, Limits{})
		if perr != nil {
			if err == nil {
				t.Errorf("%s: Parse fails (%v), Decode does not", name, perr)
			}
			continue
		}
		want, werr := DecodeDocument(doc, Limits{})
		if (err == nil) != (werr == nil) {
			t.Errorf("%s: Decode error %v, DecodeDocument error %v", name, err, werr)
			continue
		}
		if err != nil {
			continue
		}
		if !reflect.DeepEqual(got.Clips, want.Clips) || !reflect.DeepEqual(got.Source, want.Source) ||
			!reflect.DeepEqual(got.Skeleton.Joints, want.Skeleton.Joints) || got.Skeleton.Base != want.Skeleton.Base {
			t.Errorf("%s: Decode and DecodeDocument(Parse) differ", name)
		}
		full, lean := doc.Find("Objects"), got.Skeleton.Origin.(*Document).Find("Objects")
		if full == nil || lean == nil || len(full.Children) != len(lean.Children) {
			t.Errorf("%s: Objects entries differ", name)
			continue
		}
		for i, o := range lean.Children {
			if len(o.Children) != len(full.Children[i].Children) {
				if o.Name != "AnimationCurve" || len(o.Children) != 0 {
					t.Errorf("%s: %s entry %d lost records", name, o.Name, i)
				}
				skipped++
			}
		}
	}
	if skipped == 0 {
		t.Error("no unreachable curve was skipped; Mixamo clips have many")
	}
}
