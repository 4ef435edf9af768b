package library_test

import (
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
)

func TestIsCatalogued(t *testing.T) {
	for name, want := range map[string]bool{
		"seed/r/walking.fbx": true, "seed/r/walking.FBX": true, "blend/r/mix-0123456789ab.glb": true,
		"seed/r/a.gltf": true, "blend/r/a.bvh": true,
		"seed/r/walking.fbx.preview.png": false, "blend/r/a.glb.metrics.png": false,
		"rejected/walking.fbx": false, "jobs/a.json": false, "seed/r/notes.txt": false, "seed/r/noext": false,
	} {
		if got := library.IsCatalogued(name); got != want {
			t.Errorf("IsCatalogued(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestIsManifest(t *testing.T) {
	for name, want := range map[string]bool{
		"jobs/a.yaml": true, "jobs/a.yml": true, "jobs/a.json": true, "jobs/x/a.json": true,
		"jobs/a.result.json": false, "jobs/a.txt": false, "seed/a.yaml": false, "jobs/.json": false,
		"jobs/a.shards/0.json": false, "jobs/a.shards/0.result.json": false, "jobs/a.shards/x.yaml": false,
	} {
		if got := library.IsManifest(name); got != want {
			t.Errorf("IsManifest(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	sha := "066366794c736d88bffa936047c3054c956235953b83b4e13b58501c6b15224a"
	seeds := library.SeedNames("mixamorig-65-97646937", "walking", sha, "fbx")
	for _, tt := range []struct{ what, got, want string }{
		{"RigFolder", library.RigFolder("mixamorig", "65-97646937"), "mixamorig-65-97646937"},
		{"RigFolder without a name", library.RigFolder("", ""), "rig"},
		{"Slug", library.Slug("Samba Dancing (1)"), "samba-dancing-1"},
		{"Slug of a long name", library.Slug(strings.Repeat("ab-", 40)), strings.TrimRight(strings.Repeat("ab-", 27)[:80], "-")},
		{"SeedNames[0]", seeds[0], "seed/mixamorig-65-97646937/walking.fbx"},
		{"SeedNames[1]", seeds[1], "seed/mixamorig-65-97646937/walking-06636679.fbx"},
		{"BlendName", library.BlendName("r", "mix", sha, "glb"), "blend/r/mix-066366794c73.glb"},
		{"PreviewName", library.PreviewName("seed/r/walking.fbx"), "seed/r/walking.fbx.preview.png"},
		// Two seeds of one clip name in two formats keep two previews.
		{"PreviewName of a glb", library.PreviewName("seed/r/walking.glb"), "seed/r/walking.glb.preview.png"},
		{"MetricsName", library.MetricsName("blend/r/mix-0123456789ab.glb"), "blend/r/mix-0123456789ab.glb.metrics.png"},
		{"RejectedName", library.RejectedName("bad/notes.fbx", 7), "rejected/bad/notes.fbx"},
		{"RejectedName of a name outside the rules", library.RejectedName("a//b.fbx", 7), "rejected/a-b-fbx-7"},
		{"RejectedName of a name without a slug", library.RejectedName("//", 7), "rejected/upload-7"},
		{"ErrorName", library.ErrorName("rejected/bad/notes.fbx"), "rejected/bad/notes.fbx.error.json"},
		{"ResultName", library.ResultName("jobs/x/a.yaml"), "jobs/x/a.result.json"},
		{"ShardName", library.ShardName("jobs/a.b.yaml", 3), "jobs/a.b.shards/3.json"},
		{"ShardResultName", library.ShardResultName("jobs/x/a.json", 0), "jobs/x/a.shards/0.result.json"},
		{"RunClaimName", library.RunClaimName("jobs/x/a.yaml"), "jobs/x/a.shards/run.json"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	for _, name := range []string{library.PreviewName(seeds[0]), library.MetricsName(seeds[0]), library.ErrorName("rejected/a.fbx")} {
		if library.IsCatalogued(name) {
			t.Errorf("IsCatalogued(%q): a picture or a reason file would be catalogued", name)
		}
	}
}

func TestIsOwn(t *testing.T) {
	for name, want := range map[string]bool{
		"seed/r/a.fbx": true, "blend/r/a.fbx": true, "jobs/a.yaml": true, "rejected/a.fbx": true,
		"Walking.fbx": false, "uploads/seed/a.fbx": false, "seedling.fbx": false,
	} {
		if got := library.IsOwn(name); got != want {
			t.Errorf("IsOwn(%q) = %v, want %v", name, got, want)
		}
	}
}
