//go:build corpus

package fbx

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// TestWriteCorpusRoundTrip reads real exports, writes them (fresh and over the source
// document, at 7400 and 7700) and reads them back: joints, frame grid and every sampled local
// transform must survive.
func TestWriteCorpusRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range writeCorpusFiles {
		src, err := Decode(readEncodeCorpus(t, name), Limits{})
		if err != nil {
			t.Fatalf("%s: Decode: %v", name, err)
		}
		if src.Clip() == nil {
			t.Fatalf("%s: no clip", name)
		}
		for _, version := range []uint32{7400, 7700} {
			for _, fresh := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%d/fresh=%v", name, version, fresh), func(t *testing.T) {
					b := encodeAnimation(t, src, WriteOptions{Version: version, Fresh: fresh})
					got, err := Decode(b, Limits{})
					if err != nil {
						t.Fatalf("Decode of the written file: %v", err)
					}
					writeCompareAnimations(t, src, got)
				})
			}
		}
	}
}

// TestWriteKeepsSourceTemplate writes over a real export and checks that its skeleton objects
// survive untouched while its animation is replaced and Definitions tell the truth.
func TestWriteKeepsSourceTemplate(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"kirby-xbot60__Walking_InPlace.fbx", "kirby-xbot__x_bot_character_skin.fbx", "kirby-guy-noprefix__Idle.fbx"} {
		t.Run(name, func(t *testing.T) {
			src, err := Decode(readEncodeCorpus(t, name), Limits{})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			srcDoc := src.Skeleton.Origin.(*Document)
			if src.Clip() == nil {
				src.Clips = []*anim.Clip{anim.NewClip("rest", src.Skeleton, 30, 2)}
			}
			written, err := Parse(encodeAnimation(t, src, WriteOptions{}), Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			// The file identity the SDK checks (FileId, CreationTime, time stamp) is the source's.
			for _, path := range [][]string{{"FileId"}, {"CreationTime"}, {"FBXHeaderExtension", "CreationTimeStamp"}} {
				a, b := srcDoc.Find(path[0]), written.Find(path[0])
				for _, p := range path[1:] {
					a, b = a.Child(p), b.Child(p)
				}
				if a == nil || b == nil {
					t.Fatalf("%v missing", path)
				}
				if diff := encodeDiffNodes("", []*Node{a}, []*Node{b}); diff != "" {
					t.Errorf("%v changed: %s", path, diff)
				}
			}
			// Every non-animation object of the source is written unchanged, in order.
			var kept []*Node
			animIDs := map[int64]bool{}
			for _, o := range srcDoc.Find("Objects").Children {
				if strings.HasPrefix(o.Name, "Animation") {
					animIDs[o.Props[0].Int] = true
					continue
				}
				kept = append(kept, o)
			}
			objs := written.Find("Objects").Children
			if len(objs) < len(kept) {
				t.Fatalf("%d objects written, source has %d besides animation", len(objs), len(kept))
			}
			if diff := encodeDiffNodes("Objects", kept, objs[:len(kept)]); diff != "" {
				t.Fatal(diff)
			}
			preRotations := 0
			for _, o := range kept {
				for _, p := range writeChildren(o.Child("Properties70"), "P") {
					if p.Props[0].String == "PreRotation" {
						preRotations++
					}
				}
			}
			t.Logf("%d source objects kept, %d with PreRotation", len(kept), preRotations)
			// The new curves drive the source's models; no source animation id survives.
			models := map[int64]bool{}
			for _, o := range kept {
				if o.Name == "Model" {
					models[o.Props[0].Int] = true
				}
			}
			driven := 0
			for _, c := range written.Find("Connections").Children {
				if animIDs[c.Props[1].Int] || animIDs[c.Props[2].Int] {
					t.Fatalf("connection %v refers to a source animation object", c.Props)
				}
				if c.Props[0].String == "OP" && models[c.Props[2].Int] && c.Props[3].String == "Lcl Rotation" {
					driven++
				}
			}
			if driven != len(src.Skeleton.Joints) {
				t.Errorf("%d source models driven by rotation curves, want %d", driven, len(src.Skeleton.Joints))
			}
			// Definitions count what Objects hold.
			counts := map[string]int{"GlobalSettings": 1}
			for _, o := range objs {
				counts[o.Name]++
			}
			defs := written.Find("Definitions")
			total := 0
			for _, ot := range writeChildren(defs, "ObjectType") {
				typ, n := ot.Props[0].String, int(ot.Child("Count").Props[0].Int)
				if n != counts[typ] {
					t.Errorf("Definitions: %d %s, Objects hold %d", n, typ, counts[typ])
				}
				total += n
				delete(counts, typ)
			}
			if len(counts) > 0 {
				t.Errorf("object types missing from Definitions: %v", counts)
			}
			if n := int(defs.Child("Count").Props[0].Int); n != total {
				t.Errorf("Definitions count %d, types sum to %d", n, total)
			}
		})
	}
}

// TestWriteDocumentInvariants checks what importers rely on without going through Decode:
// unique object ids, connections between existing objects, curves whose key arrays agree,
// and stacks whose span is the key range.
func TestWriteDocumentInvariants(t *testing.T) {
	t.Parallel()
	s := writeTestRig(true)
	cases := map[string]*anim.Animation{
		"generated": {Skeleton: s, Clips: []*anim.Clip{writeTestClip(s, 60, 33), writeTestClip(s, 24, 7)}},
	}
	if src, err := Decode(readEncodeCorpus(t, "kirby-xbot__x_bot_character_skin.fbx"), Limits{}); err == nil {
		cases["skin reuse"] = src
	} else {
		t.Fatalf("Decode: %v", err)
	}
	for name, a := range cases {
		t.Run(name, func(t *testing.T) {
			d, err := Parse(encodeAnimation(t, a, WriteOptions{}), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			ids := map[int64]string{0: "root"}
			var lastKey int64
			for _, o := range d.Find("Objects").Children {
				id := o.Props[0].Int
				if _, dup := ids[id]; dup {
					t.Fatalf("object id %d used twice", id)
				}
				ids[id] = o.Name
				if o.Name != "AnimationCurve" {
					continue
				}
				times := o.Child("KeyTime").Props[0].I64s
				values := o.Child("KeyValueFloat").Props[0].F32s
				flags := o.Child("KeyAttrFlags").Props[0].I32s
				data := o.Child("KeyAttrDataFloat").Props[0].F32s
				refs := o.Child("KeyAttrRefCount").Props[0].I32s
				sum := 0
				for _, r := range refs {
					sum += int(r)
				}
				if len(times) == 0 || len(values) != len(times) || len(flags) != len(refs) || len(data) != 4*len(flags) || sum != len(times) {
					t.Fatalf("curve %d: %d times, %d values, %d flags, %d data, refs sum %d",
						id, len(times), len(values), len(flags), len(data), sum)
				}
				for k := 1; k < len(times); k++ {
					if times[k] <= times[k-1] {
						t.Fatalf("curve %d: key times not increasing at %d", id, k)
					}
				}
				lastKey = max(lastKey, times[len(times)-1])
			}
			for _, c := range d.Find("Connections").Children {
				child, parent := c.Props[1].Int, c.Props[2].Int
				if _, ok := ids[child]; !ok {
					t.Fatalf("connection from unknown object %d", child)
				}
				if _, ok := ids[parent]; !ok {
					t.Fatalf("connection to unknown object %d", parent)
				}
			}
			var stop int64
			for _, o := range d.Find("Objects").Children {
				if o.Name == "AnimationStack" {
					for _, p := range o.Child("Properties70").Children {
						if p.Props[0].String == "LocalStop" {
							stop = max(stop, p.Props[4].Int)
						}
					}
				}
			}
			if stop != lastKey {
				t.Errorf("longest stack stops at %d, last key at %d", stop, lastKey)
			}
		})
	}
}
