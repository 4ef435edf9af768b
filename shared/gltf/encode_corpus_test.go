//go:build corpus

package gltf

import (
	"testing"
)

func TestRoundTripCorpus(t *testing.T) {
	t.Parallel()
	for _, f := range []string{
		"mixamo/add101-ch46__walking.glb",
		"mixamo/threejs-copy__Xbot.glb",
		"mixamo/luminoth-mutant37__Breathing_Idle_FBX2glTF.glb",
	} {
		t.Run(f, func(t *testing.T) {
			a, err := Decode(readCorpus(t, f), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			b, err := Decode(encodeT(t, a, WriteOptions{}), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, a, b)
		})
	}
}
