//go:build judges

package verify

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Judges by file format:
//
//	FBX: blender, assimp, three (FBXLoader), fbxsdk (FBX2glTF, its GLB read by three.js)
//	GLB: blender, assimp, three-gltf (GLTFLoader), gltf-validator
//	BVH: blender, assimp
var judgesFor = map[string][]string{
	"fbx": {"blender", "assimp", "three", "fbxsdk"},
	"glb": {"blender", "assimp", "three-gltf", "gltf-validator"},
	"bvh": {"blender", "assimp"},
}

// Verdict is one judge's opinion of one file.
type Verdict struct {
	Judge    string
	File     File
	Problems []string // why the judge rejects the file; empty when it accepts it
	MaxDelta float64  // largest joint position difference in cm, for judges that evaluate poses
	Posed    bool     // whether the judge compared positions
	Note     string   // what the judge saw, for the log
}

// Rejected reports whether the judge found a problem.
func (v Verdict) Rejected() bool { return len(v.Problems) > 0 }

// RunJudges has every judge of each file's format read it and returns their verdicts, grouped
// by judge. Blender runs once for all files and node once per script, so pass every file in one
// call. The error lists judges that could not run at all (not installed, crashed); the verdicts
// of the others are still returned.
func RunJudges(files []File) ([]Verdict, error) {
	byFormat := map[string][]File{}
	for _, f := range files {
		byFormat[f.Format] = append(byFormat[f.Format], f)
	}
	var verdicts []Verdict
	var errs []error

	// Blender is the slowest judge: start it first and run the others meanwhile.
	type blenderOut struct {
		res []BlenderResult
		err error
	}
	done := make(chan blenderOut, 1)
	// Blender's importer refuses ASCII FBX ("ASCII FBX files are not supported"): the
	// other judges read those.
	var binary []File
	for _, f := range files {
		if !f.Text {
			binary = append(binary, f)
		}
	}
	if _, err := exec.LookPath(blenderExe()); err != nil {
		done <- blenderOut{err: fmt.Errorf("not installed (%v): run make setup, or set BLENDER", err)}
	} else {
		go func() {
			res, err := RunBlender(binary)
			done <- blenderOut{res, err}
		}()
	}

	if assimp, err := lookTool("ASSIMP", "assimp"); err != nil {
		errs = append(errs, fmt.Errorf("assimp: %w", err))
	} else {
		for _, f := range files {
			v := Verdict{Judge: "assimp", File: f}
			r, err := RunAssimp(assimp, f.Path)
			if err != nil {
				v.Problems = []string{"load failed: " + err.Error()}
			} else {
				v.Problems = judgeAssimp(f, r)
				if len(r.Animations) > 0 {
					a := r.Animations[0]
					v.Note = fmt.Sprintf("%d nodes, animation %q %g ticks at %g/s = %.4f s", len(r.Nodes), a.Name, a.Duration, a.TicksPerSecond, a.Seconds())
				}
			}
			verdicts = append(verdicts, v)
		}
	}

	if fbxs := byFormat["fbx"]; len(fbxs) > 0 {
		vs, err := runThree("three", "fbx_three.mjs", fbxs, paths(fbxs), false, true)
		verdicts = append(verdicts, vs...)
		errs = append(errs, err)
		vs, err = runFBXSDK(fbxs)
		verdicts = append(verdicts, vs...)
		errs = append(errs, err)
	}

	if glbs := byFormat["glb"]; len(glbs) > 0 {
		vs, err := runThree("three-gltf", "gltf_three.mjs", glbs, paths(glbs), false, false)
		verdicts = append(verdicts, vs...)
		errs = append(errs, err)
		vs, err = runValidator(glbs)
		verdicts = append(verdicts, vs...)
		errs = append(errs, err)
	}

	b := <-done
	if b.err != nil {
		errs = append(errs, fmt.Errorf("blender: %w", b.err))
	} else {
		for i, f := range binary {
			v := Verdict{Judge: "blender", File: f, Posed: true}
			v.Problems, v.MaxDelta = judgeBlender(f, b.res[i])
			v.Note = fmt.Sprintf("%d bones, %g fps", len(b.res[i].Bones), b.res[i].FPS)
			verdicts = append(verdicts, v)
		}
	}
	return verdicts, errors.Join(errs...)
}

// runThree runs a three.js loader script over files (or, for the FBX SDK, over the GLBs it
// made of them, at paths) and judges what it saw.
func runThree(judge, script string, files []File, at []string, fromStart, exact bool) ([]Verdict, error) {
	node, path, err := nodeScriptPath(script)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", judge, err)
	}
	res, err := RunThree(node, path, at, timesOf(files, fromStart))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", judge, err)
	}
	what := "nodes"
	if exact {
		what = "bones"
	}
	vs := make([]Verdict, len(files))
	for i, f := range files {
		v := Verdict{Judge: judge, File: f, Posed: true}
		v.Problems, v.MaxDelta = judgeThree(f.Want, res[i], exact, fromStart, what)
		v.Note = fmt.Sprintf("%d %s", len(res[i].objects()), what)
		if len(res[i].Animations) > 0 {
			v.Note += fmt.Sprintf(", clip %.4f s", res[i].Animations[0].Duration)
		}
		for _, l := range res[i].Log { // the loader's own warnings
			v.Note += "\n  " + l
		}
		vs[i] = v
	}
	return vs, nil
}

// runFBXSDK converts each FBX file with FBX2glTF and judges the GLB it made with three.js.
func runFBXSDK(fbxs []File) ([]Verdict, error) {
	exe, err := fbx2gltfPath()
	if err != nil {
		return nil, fmt.Errorf("fbxsdk: %w", err)
	}
	dir, err := os.MkdirTemp("", "judge-fbxsdk-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var verdicts []Verdict
	var converted []File
	var glbs []string
	for _, f := range fbxs {
		glb, err := RunFBX2glTF(exe, f.Path, dir, f.Want.FPS)
		if err != nil {
			verdicts = append(verdicts, Verdict{Judge: "fbxsdk", File: f, Problems: []string{"conversion failed: " + err.Error()}})
			continue
		}
		glbs = append(glbs, glb)
		converted = append(converted, f)
	}
	if len(glbs) == 0 {
		return verdicts, nil
	}
	// FBX2glTF starts its clip at the stack's start: compare from our first frame.
	vs, err := runThree("fbxsdk", "gltf_three.mjs", converted, glbs, true, false)
	return append(verdicts, vs...), err
}

func runValidator(glbs []File) ([]Verdict, error) {
	node, script, err := nodeScriptPath("gltf_validate.mjs")
	if err != nil {
		return nil, fmt.Errorf("gltf-validator: %w", err)
	}
	res, err := RunValidator(node, script, paths(glbs))
	if err != nil {
		return nil, fmt.Errorf("gltf-validator: %w", err)
	}
	vs := make([]Verdict, len(glbs))
	for i, f := range glbs {
		r := res[i]
		vs[i] = Verdict{Judge: "gltf-validator", File: f, Problems: judgeValidator(r),
			Note: fmt.Sprintf("%d errors, %d warnings, %d infos, %d hints", r.Errors, r.Warnings, r.Infos, r.Hints)}
		for _, m := range append(r.WarnMsg, r.InfoMsg...) {
			vs[i].Note += "\n  " + m
		}
	}
	return vs, nil
}

// Judge runs every judge on files and reports each verdict as a subtest judge/file that fails
// with the judge's objections, then logs a table of the largest position differences.
func Judge(t *testing.T, files []File) {
	t.Helper()
	verdicts, err := RunJudges(files)
	if err != nil {
		t.Errorf("judges that could not run: %v", err)
	}
	for _, v := range verdicts {
		t.Run(v.Judge+"/"+label(v.File), func(t *testing.T) {
			if v.Note != "" {
				t.Log(v.Note)
			}
			if v.Posed {
				t.Logf("largest joint position difference %.4f cm", v.MaxDelta)
			}
			if v.Rejected() {
				t.Errorf("%s rejected %s:\n  %s", v.Judge, label(v.File), strings.Join(v.Problems, "\n  "))
			}
		})
	}
	t.Log(Summary(verdicts))
}

// CheckFBX judges one FBX file against want.
func CheckFBX(t *testing.T, path string, want Expect) {
	t.Helper()
	Judge(t, []File{{Path: path, Format: "fbx", Want: want}})
}

// CheckGLB judges one GLB file against want.
func CheckGLB(t *testing.T, path string, want Expect) {
	t.Helper()
	Judge(t, []File{{Path: path, Format: "glb", Want: want}})
}

// CheckBVH judges one BVH file (written in centimetres) against want.
func CheckBVH(t *testing.T, path string, want Expect) {
	t.Helper()
	Judge(t, []File{{Path: path, Format: "bvh", Want: want}})
}

// Summary is a table of verdicts: judge, file, largest position difference, accepted or not.
func Summary(verdicts []Verdict) string {
	rows := make([]string, 0, len(verdicts))
	for _, v := range verdicts {
		delta := "          -   "
		if v.Posed {
			delta = fmt.Sprintf("%9.4f cm", v.MaxDelta)
		}
		verdict := "accepted"
		if v.Rejected() {
			verdict = fmt.Sprintf("REJECTED (%d problems)", len(v.Problems))
		}
		rows = append(rows, fmt.Sprintf("%-14s %-56s %s  %s", v.Judge, label(v.File), delta, verdict))
	}
	sort.Strings(rows)
	return fmt.Sprintf("verdicts (largest joint position difference from our forward kinematics; tolerance %g cm):\n%s",
		DefaultTolerance, strings.Join(rows, "\n"))
}

func blenderExe() string {
	if b := os.Getenv("BLENDER"); b != "" {
		return b
	}
	return "blender"
}

func label(f File) string { return filepath.Base(f.Path) }

func paths(files []File) []string {
	p := make([]string, len(files))
	for i, f := range files {
		p[i] = f.Path
	}
	return p
}

func timesOf(files []File, fromStart bool) [][]float64 {
	ts := make([][]float64, len(files))
	for i, f := range files {
		ts[i] = checkTimes(f.Want, fromStart)
	}
	return ts
}
