//go:build corpus

package fbx

import (
	"fmt"
	"testing"
)

// TestEncodeCorpusRoundTrip parses real exports, writes them at both header widths and reads
// them back: every record and value must survive.
func TestEncodeCorpusRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range encodeCorpusFiles {
		src, err := Parse(readEncodeCorpus(t, name), Limits{})
		if err != nil {
			t.Fatalf("%s: Parse: %v", name, err)
		}
		for _, version := range []uint32{7400, 7700} {
			t.Run(fmt.Sprintf("%s/%d", name, version), func(t *testing.T) {
				doc := &Document{Version: version, Nodes: src.Nodes}
				got, err := Parse(encodeBytes(t, doc, EncodeOptions{}), Limits{})
				if err != nil {
					t.Fatalf("Parse of the written file: %v", err)
				}
				if diff := encodeDiffNodes("", src.Nodes, got.Nodes); diff != "" {
					t.Fatal(diff)
				}
			})
		}
	}
}

// TestEncodeCorpusBytes re-encodes SDK files whose arrays are all raw: the result must be the
// source byte for byte (footer id included, derived from the time stamp), except bool bytes
// the SDK writes as 'Y' where the tree holds 1.
func TestEncodeCorpusBytes(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"kirby-xbot60__Walking_InPlace.fbx", "kirby-xbot60__Punching_Left.fbx", "add101-ch46__Walking.fbx"} {
		t.Run(name, func(t *testing.T) {
			data := readEncodeCorpus(t, name)
			doc, err := Parse(data, Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out := encodeBytes(t, doc, EncodeOptions{CompressThreshold: -1})
			if len(out) != len(data) {
				t.Fatalf("%d bytes written, source has %d", len(out), len(data))
			}
			bools := 0
			for i := range data {
				if data[i] == out[i] {
					continue
				}
				if i > 0 && data[i-1] == 'C' && out[i-1] == 'C' && out[i] == 1 && data[i] != 0 {
					bools++
					continue
				}
				t.Fatalf("byte %d: wrote 0x%02x, source has 0x%02x", i, out[i], data[i])
			}
			t.Logf("identical but for %d bool bytes", bools)
		})
	}
}
