package blend

import (
	"os"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
)

func load(t testing.TB, name string) *anim.Animation {
	t.Helper()
	data, err := os.ReadFile(corpus.Path(t, "mixamo/"+name+".fbx"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := fbx.Decode(data, fbx.DefaultLimits())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}
