//go:build judges

package verify

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// AssimpResult is what assimp's dump says about a file.
type AssimpResult struct {
	Nodes      []string
	Animations []AssimpAnimation
}

// AssimpAnimation is one animation of an assimp scene.
type AssimpAnimation struct {
	Name           string
	Duration       float64 // ticks
	TicksPerSecond float64
	Channels       []string // the nodes it animates
}

// Seconds is the animation's length in seconds.
func (a AssimpAnimation) Seconds() float64 { return a.Duration / a.TicksPerSecond }

// RunAssimp loads a file with `assimp dump FILE OUT.assxml -s` and reads the XML dump.
func RunAssimp(assimp, path string) (AssimpResult, error) {
	dir, err := os.MkdirTemp("", "judge-assimp-")
	if err != nil {
		return AssimpResult{}, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "dump.assxml")
	stdout, _, err := run(time.Minute, "", assimp, "dump", path, out, "-s")
	if err != nil {
		return AssimpResult{}, err
	}
	// assimp can print an error and still exit 0 on some import failures.
	if i := strings.Index(string(stdout), "ERROR"); i >= 0 {
		return AssimpResult{}, fmt.Errorf("assimp: %s", tail(stdout[i:], 500))
	}
	f, err := os.Open(out)
	if err != nil {
		return AssimpResult{}, fmt.Errorf("assimp wrote no dump: %w", err)
	}
	defer f.Close()
	return parseAssxml(f)
}

// parseAssxml reads node names, animations and their channels from an assimp XML dump.
func parseAssxml(r io.Reader) (AssimpResult, error) {
	var res AssimpResult
	dec := xml.NewDecoder(r)
	attr := func(se xml.StartElement, name string) string {
		for _, a := range se.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("assimp dump: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "Node":
			res.Nodes = append(res.Nodes, attr(se, "name"))
		case "Animation":
			d, err1 := strconv.ParseFloat(attr(se, "duration"), 64)
			tps, err2 := strconv.ParseFloat(attr(se, "tick_cnt"), 64)
			if err := errors.Join(err1, err2); err != nil {
				return res, fmt.Errorf("assimp dump: animation %q: %w", attr(se, "name"), err)
			}
			res.Animations = append(res.Animations, AssimpAnimation{Name: attr(se, "name"), Duration: d, TicksPerSecond: tps})
		case "NodeAnim":
			if n := len(res.Animations); n > 0 {
				res.Animations[n-1].Channels = append(res.Animations[n-1].Channels, attr(se, "node"))
			}
		}
	}
	return res, nil
}

// judgeAssimp lists assimp's objections to one file.
func judgeAssimp(f File, r AssimpResult) []string {
	w := f.Want
	problems := covers(w.Joints, r.Nodes, blenderName(f.Format), "nodes")
	if len(r.Animations) == 0 {
		return append(problems, "no animation")
	}
	a := r.Animations[0]
	// assimp names FBX animations after the stack, "AnimStack::" first in some versions.
	if w.Clip != "" && strings.TrimPrefix(a.Name, "AnimStack::") != w.Clip {
		problems = append(problems, fmt.Sprintf("animation named %q, want %q", a.Name, w.Clip))
	}
	if a.TicksPerSecond <= 0 {
		return append(problems, fmt.Sprintf("animation %q: %g ticks per second", a.Name, a.TicksPerSecond))
	}
	// assimp measures glTF clips from time 0 and FBX and BVH clips from their first key.
	want := w.Duration()
	if f.Format == "glb" {
		want = w.Time(w.Frames - 1)
	}
	// Half a frame: catches a clip one frame too long or short.
	if d := a.Seconds(); math.Abs(d-want) > 0.5/w.FPS {
		problems = append(problems, fmt.Sprintf("animation %q lasts %g ticks at %g per second = %.4f s, want %.4f s (%d frames at %g fps from %.4f s)",
			a.Name, a.Duration, a.TicksPerSecond, d, want, w.Frames, w.FPS, w.Start))
	}
	if len(a.Channels) == 0 {
		problems = append(problems, fmt.Sprintf("animation %q has no channels", a.Name))
	}
	return problems
}
