package pipeline

import (
	"encoding/json"
	"path"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// Label is the human-readable name of a catalogued blend, e.g. "mix 0.3 walking+running":
// blend.Label over its canonical options and its sources' names (a seed is named for its
// clip), as Blend labels the blend when it makes it. It is "" for rows that are not blends or
// whose options do not decode.
func Label(row catalog.Row) string {
	if row.Kind != catalog.KindBlend || row.Options == "" {
		return ""
	}
	var o blend.Options
	if err := json.Unmarshal([]byte(row.Options), &o); err != nil || o.Validate(len(row.Sources)) != nil {
		return ""
	}
	names := make([]string, len(row.Sources))
	for i, s := range row.Sources {
		base := path.Base(s)
		names[i] = strings.TrimSuffix(base, path.Ext(base))
	}
	return blend.Label(o, names)
}
