//go:build judges && corpus

package verify

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/compress"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/gltf"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/job"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/retarget"
)

// checkFramesOf picks about a dozen frames spread over the clip, most of them between keys
// of a reduced file, for the judges to pose.
func checkFramesOf(c *anim.Clip) []int {
	var fs []int
	for i := 0; i <= 12; i++ {
		f := (c.Frames - 1) * i / 12
		if f > 0 && f < c.Frames-1 && i%2 == 1 {
			f-- // an odd frame, seldom a key
		}
		if len(fs) == 0 || fs[len(fs)-1] != f {
			fs = append(fs, f)
		}
	}
	return fs
}

func loadCorpus(t *testing.T, name string) *anim.Animation {
	t.Helper()
	data, err := os.ReadFile(corpus.Path(t, "mixamo/"+name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := animfile.Decode(name, data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}

// TestEngineReadyFilesPassJudges writes reduced (0.5 cm), renamed (UE5, Unity, Godot) and
// retargeted files, and has every judge pose them. A reduced file's joints must be where the
// unreduced clip puts them within the bound (plus the judges' own 0.1 cm); a renamed one's
// within 0.1 cm, since only names change; a retargeted one as our model of it says.
func TestEngineReadyFilesPassJudges(t *testing.T) {
	dir := t.TempDir()
	const bound = 0.5
	var files []File
	add := func(name, format string, data []byte, want Expect) {
		path := filepath.Join(dir, name+"."+format)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, File{Path: path, Format: format, Want: want})
	}
	for _, src := range []string{"kirby-xbot60__Walking_InPlace.fbx", "vrm4-pirate76__Walking_rootmotion.fbx", "add101-ch46__Walking.fbx"} {
		a := loadCorpus(t, src)
		base := strings.TrimSuffix(src, ".fbx")
		want, err := ExpectAt(a, checkFramesOf(a.Clip()))
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"fbx", "glb"} {
			data, rep, err := job.Encode(a, format, blend.Options{MaxErrorCM: bound})
			if err != nil {
				t.Fatal(err)
			}
			c := rep.Compression
			t.Logf("%s %s reduced: %d → %d bytes, max error %.4f cm", base, format, c.BytesBefore, c.BytesAfter, c.MaxErrorCM)
			w := want
			w.Tolerance = bound + DefaultTolerance
			add(base+"_reduced", format, data, w)
		}
		for _, p := range []mixamo.Profile{mixamo.ProfileUE5, mixamo.ProfileUnity, mixamo.ProfileGodot} {
			r, _, err := retarget.Rename(a, p)
			if err != nil {
				t.Fatal(err)
			}
			w, err := ExpectAt(r, want.CheckFrames)
			if err != nil {
				t.Fatal(err)
			}
			for _, format := range []string{"fbx", "glb"} {
				data, _, err := job.Encode(r, format, blend.Options{})
				if err != nil {
					t.Fatal(err)
				}
				add(fmt.Sprintf("%s_%s", base, p), format, data, w)
			}
		}
	}
	// A 49-joint and a 37-joint clip onto the 65-joint X Bot, written over X Bot's own document.
	xbot := loadCorpus(t, "kirby-xbot__x_bot_character_skin.fbx").Skeleton
	for _, src := range []string{"add101-ch46__Walking.fbx", "luminoth-mutant37__Breathing_Idle_60fps.fbx"} {
		r, err := retarget.Run(loadCorpus(t, src), xbot, retarget.Options{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := ExpectAt(r.Animation, checkFramesOf(r.Animation.Clip()))
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"fbx", "glb"} {
			data, _, err := job.Encode(r.Animation, format, blend.Options{})
			if err != nil {
				t.Fatal(err)
			}
			add(strings.TrimSuffix(src, ".fbx")+"_onto_xbot", format, data, w)
		}
	}
	Judge(t, files)
}

// TestCompressionAgainstGLTFTransform is the size and error table: every corpus clip as GLB,
// reduced by gltf-transform's resample and by us at the error resample introduced (measured
// at every joint and frame), and by us at 0.1 and 1 cm; FBX reduced at 0.1 cm beside it.
func TestCompressionAgainstGLTFTransform(t *testing.T) {
	tool := filepath.Join(nodeDir(), "node_modules", ".bin", "gltf-transform")
	if _, err := os.Stat(tool); err != nil {
		t.Fatalf("gltf-transform not installed in %s: run make setup (npm ci there)", nodeDir())
	}
	entries, err := os.ReadDir(filepath.Join(corpus.Require(t), "mixamo"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rows := []string{fmt.Sprintf("%-48s %6s %4s %10s %10s %9s %10s %9s %10s %10s %10s %10s",
		"clip", "frames", "fps", "glb", "gt-resamp", "gt err", "ours@gt", "our err", "ours@0.1", "ours@1", "fbx", "fbx@0.1")}
	sources := []*anim.Animation{}
	names := []string{}
	for _, e := range entries {
		n := e.Name()
		if _, err := animfile.ByExtension(filepath.Ext(n)); err != nil || strings.HasSuffix(n, ".tsv") {
			continue
		}
		data, err := os.ReadFile(corpus.Path(t, "mixamo/"+n))
		if err != nil {
			t.Fatal(err)
		}
		a, err := animfile.Decode(n, data)
		if err != nil || a.Clip() == nil || a.Clip().Frames < 3 {
			continue // a character without motion, or a file our readers refuse (their own tests say why)
		}
		sources, names = append(sources, a), append(names, n)
	}
	// The anchor: a 120 fps blend of walk and run.
	walkA, runA := loadCorpus(t, "kirby-xbot60__Walking_InPlace.fbx"), loadCorpus(t, "kirby-xbot60__Running_InPlace.fbx")
	if r, err := blend.Run(blend.Options{Method: blend.Mix, FPS: 120}, walkA, runA); err == nil {
		sources, names = append(sources, r.Animation), append(names, "blend: walk+run mix at 120 fps")
	} else {
		t.Fatal(err)
	}
	totalOurs, totalTheirs := 0, 0
	for i, a := range sources {
		a = &anim.Animation{Skeleton: a.Skeleton, Clips: a.Clips[:1], Source: a.Source}
		c := a.Clip()
		glb, _, err := job.Encode(a, "glb", blend.Options{})
		if err != nil {
			t.Errorf("%s: %v", names[i], err)
			continue
		}
		in, out := filepath.Join(dir, fmt.Sprintf("%d.glb", i)), filepath.Join(dir, fmt.Sprintf("%d.resampled.glb", i))
		if err := os.WriteFile(in, glb, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := run(5*time.Minute, "", tool, "resample", in, out); err != nil {
			t.Errorf("%s: gltf-transform resample: %v", names[i], err)
			continue
		}
		resampled, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		gtErr, err := clipError(a, resampled)
		if err != nil {
			t.Errorf("%s: reading gltf-transform's output: %v", names[i], err)
			continue
		}
		at := func(format string, bound float64) (*job.Compression, []byte) {
			data, c, err := job.EncodeReduced(a, mustFormat(t, format), compress.Options{MaxErrorCM: bound})
			if err != nil {
				t.Fatalf("%s: %v", names[i], err)
			}
			return c, data
		}
		// gltf-transform keeps some tracks exact; a bound of zero is no bound, so meet at least 1 µm.
		bound := math.Max(gtErr, 1e-4)
		ours, oursData := at("glb", bound)
		ourErr, err := clipError(a, oursData)
		if err != nil {
			t.Errorf("%s: reading our reduced GLB: %v", names[i], err)
			ourErr = math.NaN()
		}
		if ourErr > bound+1e-3 {
			t.Errorf("%s: our GLB read back with %.4f cm error, bound %.4f", names[i], ourErr, bound)
		}
		totalOurs, totalTheirs = totalOurs+ours.BytesAfter, totalTheirs+len(resampled)
		if ours.BytesAfter > len(resampled) {
			t.Errorf("%s: at gltf-transform's error (%.4f cm) ours is %d bytes, gltf-transform's %d (%+.1f %%)",
				names[i], bound, ours.BytesAfter, len(resampled), 100*(float64(ours.BytesAfter)/float64(len(resampled))-1))
		}
		o01, _ := at("glb", 0.1)
		o1, _ := at("glb", 1)
		f01, _ := at("fbx", 0.1)
		rows = append(rows, fmt.Sprintf("%-48s %6d %4g %10d %10d %9.4f %10d %9.4f %10d %10d %10d %10d",
			names[i], c.Frames, c.FPS, len(glb), len(resampled), gtErr, ours.BytesAfter, ourErr, o01.BytesAfter, o1.BytesAfter, f01.BytesBefore, f01.BytesAfter))
	}
	if totalOurs > totalTheirs {
		t.Errorf("over the corpus ours take %d bytes at gltf-transform's errors, gltf-transform's %d", totalOurs, totalTheirs)
	}
	t.Logf("over the corpus at gltf-transform's errors: ours %d bytes, gltf-transform's %d (%.1f %%)", totalOurs, totalTheirs, 100*float64(totalOurs)/float64(max(totalTheirs, 1)))
	t.Logf("sizes in bytes, errors in cm (largest joint world position error over every frame, read back by our glTF reader):\n%s", strings.Join(rows, "\n"))
}

func mustFormat(t *testing.T, name string) animfile.Format {
	f, err := animfile.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// clipError reads a GLB and returns the largest world position error of any of a's joints
// (matched by name) at any of a's frames, sampling the file's clip at the frame's time.
func clipError(a *anim.Animation, data []byte) (float64, error) {
	b, err := gltf.Decode(data, gltf.DefaultLimits())
	if err != nil {
		return 0, err
	}
	bc := b.Clip()
	if bc == nil {
		return 0, fmt.Errorf("no clip")
	}
	// A file whose keys all sit every few frames reads at a coarser rate; sampling it at each
	// frame's time still evaluates its curves there.
	c := a.Clip()
	idx := make([]int, len(a.Skeleton.Joints))
	for j, jt := range a.Skeleton.Joints {
		if idx[j] = b.Skeleton.Index(jt.Name); idx[j] < 0 {
			return 0, fmt.Errorf("joint %s missing", jt.Name)
		}
	}
	pose := anim.NewClip("pose", b.Skeleton, bc.FPS, 1)
	worst := 0.0
	for f := 0; f < c.Frames; f++ {
		r, tr, sc := pose.Pose(0)
		bc.Sample(c.Time(f), r, tr, sc)
		got := pose.WorldPositions(b.Skeleton, 0, nil)
		want := c.WorldPositions(a.Skeleton, f, nil)
		for j := range want {
			worst = math.Max(worst, want[j].Sub(got[idx[j]]).Len())
		}
	}
	return worst, nil
}
