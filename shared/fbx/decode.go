package fbx

import (
	"math"
	"strconv"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// Decode parses a binary FBX file and builds its skeleton and animation.
//
// The skeleton is the file's LimbNode models, parents before children; models above the root
// joints (an armature Null) compose into Skeleton.Base, and Skeleton.Origin is the parsed
// *Document. A file without LimbNodes animates all its models as joints. The clip is the
// animation stack with the most curves on joints, sampled at the file's frame rate from the
// stack's LocalStart to LocalStop; every stack is listed in Source.Stacks. A file whose stacks
// hold no curves (a character without motion) gives the skeleton and no clips.
//
// FBX 6 files keep their animation in Takes, one per clip; Decode reads them the same way,
// picking the take with the most curves on joints.
//
// The document in Skeleton.Origin is Parse's, except that AnimationCurve objects no connection
// mentions are left without their records (KeyTime, KeyValueFloat, ...): nothing in the
// scene reaches them, so Decode neither reads nor inflates them.
func Decode(data []byte, lim Limits) (*anim.Animation, error) {
	doc, err := parse(data, lim, true)
	if err != nil {
		return nil, err
	}
	return DecodeDocument(doc, lim)
}

// DecodeDocument builds the animation of an already parsed document; see Decode.
func DecodeDocument(doc *Document, lim Limits) (*anim.Animation, error) {
	if doc == nil {
		return nil, errScene(ErrMalformed, "no document")
	}
	if doc.Version < minSceneVersion {
		return nil, errScene(ErrUnsupported, "version %d is an FBX 5 scene: its records parse, but scenes decode from version %d on", doc.Version, minSceneVersion)
	}
	lim = lim.withDefaults()
	s := newScene(doc)
	g := s.globals()
	a := &anim.Animation{Source: anim.SourceInfo{
		Format:    "fbx",
		Version:   strconv.FormatUint(uint64(doc.Version), 10),
		UnitScale: g.unit,
		UpAxis:    g.up,
	}}
	c := doc.Find("Creator")
	if c == nil { // ASCII files keep it in the header only
		c = doc.Find("FBXHeaderExtension").Child("Creator")
	}
	if c != nil && len(c.Props) > 0 && c.Props[0].Type == 'S' {
		a.Source.Creator = c.Props[0].String
	}
	sk, err := s.skeleton(g.unit)
	if err != nil {
		return nil, err
	}
	if !finiteTransform(sk.skel.Base) {
		return nil, errScene(ErrMalformed, "models above the skeleton: transform is not finite")
	}
	sk.skel.Origin = doc
	a.Skeleton = sk.skel
	names := make([]string, len(sk.skel.Joints))
	for i, j := range sk.skel.Joints {
		names[i] = j.Name
	}
	a.Source.Prefix = mixamo.DetectPrefix(names)

	animate := s.animation
	if doc.Version < 7000 {
		animate = s.takesAnimation
	}
	clip, stacks, err := animate(sk, g, lim)
	if err != nil {
		return nil, err
	}
	a.Source.Stacks = stacks
	if clip != nil {
		if err := clip.Validate(sk.skel); err != nil {
			return nil, errScene(ErrMalformed, "%v", err)
		}
		a.Clips = []*anim.Clip{clip}
	}
	return a, nil
}

// globalSettings are the scene-wide settings Decode uses.
type globalSettings struct {
	fps  float64
	unit float64 // centimetres per file unit
	up   string
}

// timeModeFPS maps GlobalSettings.TimeMode (FbxTime::EMode) to frames per second; 0 is the
// default mode and 14 custom (CustomFrameRate).
var timeModeFPS = [...]float64{
	30, 120, 100, 60, 50, 48, 30, 30, 30000.0 / 1001, 30000.0 / 1001, 25, 24, 1000, 24000.0 / 1001,
	0, 96, 72, 60000.0 / 1001, 120000.0 / 1001,
}

func (s *scene) globals() globalSettings {
	g := globalSettings{fps: 30, unit: 1, up: "Y"}
	gs := s.doc.Find("GlobalSettings")
	if gs == nil { // FBX 6 keeps it among the objects
		gs = s.doc.Find("Objects").Child("GlobalSettings")
	}
	if gs == nil {
		return g
	}
	o := &fbxObject{class: "GlobalSettings", node: gs, props: gs.Child("Properties70")}
	if o.props == nil {
		o.props = gs.Child("Properties60")
	}
	mode := s.propInt(o, "TimeMode", 0)
	if mode == 14 {
		if f := s.propFloat(o, "CustomFrameRate", -1); f > 0 && f <= 10000 {
			g.fps = f
		}
	} else if mode >= 0 && mode < int64(len(timeModeFPS)) {
		g.fps = timeModeFPS[mode]
	}
	if u := s.propFloat(o, "UnitScaleFactor", 1); u > 0 && !math.IsInf(u, 0) {
		g.unit = u
	}
	switch s.propInt(o, "UpAxis", 1) {
	case 0:
		g.up = "X"
	case 2:
		g.up = "Z"
	}
	return g
}
