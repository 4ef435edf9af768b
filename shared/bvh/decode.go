// Package bvh reads and writes Biovision Hierarchy motion files (HIERARCHY and MOTION sections)
// as the animation model of package anim.
//
// Conventions. BVH carries no unit; Mixamo's BVH exports are in centimetres, so values are taken
// as centimetres as they are. The rest pose is the OFFSETs with identity rotations, so a joint's
// channel rotation is its full local rotation. Rotation channels compose in the order they are
// listed, the first listed outermost: "CHANNELS 3 Zrotation Xrotation Yrotation" means
// R = Rz·Rx·Ry for column vectors (Y applied first), anim.OrderYXZ. This is how Blender's importer
// reads them: it builds Euler(angles, reversed channel order), and a Blender Euler order "YXZ"
// applies Y first.
package bvh

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// Origin is what a BVH file holds beyond the animation model. Decode stores it in
// Skeleton.Origin so that Encode can write the same End Sites back.
type Origin struct {
	// EndSites maps a joint name to its End Site offset, in centimetres in the joint's frame.
	EndSites map[string]anim.Vec3
}

// channel kinds, as stored per listed channel: position axis 0..2, rotation axis 3..5.
const rotBase = 3

var channelNames = [6]string{"Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation"}

// jointChannels says where a joint's values sit in a frame and what each one is.
type jointChannels struct {
	base int // index of the joint's first value in a frame
	n    int
	kind [6]uint8
}

type parser struct {
	lx       *lexer
	lim      Limits
	joints   []anim.Joint
	chans    []jointChannels
	nchan    int
	endSites map[string]anim.Vec3
}

// Decode reads a BVH file into a skeleton of its ROOT and JOINT blocks (End Sites are not joints)
// and one clip of its MOTION frames. Joint names spread over several fields are joined with "_",
// as Blender does. Frames beyond the declared count are ignored; fewer frames, or a frame line
// with more or fewer values than the hierarchy declares channels, is an error naming the frame.
// A file declaring zero frames gives a skeleton and no clip.
//
// Lines end in LF or CRLF; tabs, extra spaces, blank lines, a UTF-8 byte order mark and lower-case
// keywords are accepted. A joint may list from 0 to 6 distinct channels in any order; a missing
// position axis keeps its OFFSET value and a missing rotation axis is zero. Every error for bad
// input is a *FormatError; reading stops at the end of the declared frames.
func Decode(r io.Reader, lim Limits) (*anim.Animation, error) {
	lim = lim.withDefaults()
	p := &parser{lx: newLexer(r, &lim), lim: lim}
	if err := p.hierarchy(); err != nil {
		return nil, err
	}
	frames, fps, err := p.motionHeader()
	if err != nil {
		return nil, err
	}
	skel := &anim.Skeleton{Joints: p.joints, Base: anim.Identity}
	if len(p.endSites) > 0 {
		skel.Origin = &Origin{EndSites: p.endSites}
	}
	names := make([]string, len(p.joints))
	for i := range p.joints {
		names[i] = p.joints[i].Name
	}
	a := &anim.Animation{
		Skeleton: skel,
		Source: anim.SourceInfo{Format: "bvh", UnitScale: 1, UpAxis: "Y",
			Prefix: mixamo.DetectPrefix(names)},
	}
	if frames == 0 {
		return a, nil
	}
	clip, err := p.motion(frames, fps)
	if err != nil {
		return nil, err
	}
	a.Clips = []*anim.Clip{clip}
	return a, nil
}

func (p *parser) hierarchy() error {
	tok, err := p.lx.token()
	if err != nil {
		return err
	}
	if !bytes.EqualFold(tok, []byte("HIERARCHY")) {
		return errAt(p.lx.line, ErrSyntax, quote(tok), "HIERARCHY")
	}
	for {
		tok, err := p.lx.token()
		if err != nil {
			return err
		}
		switch {
		case bytes.EqualFold(tok, []byte("ROOT")):
			if err := p.joint(-1, 1); err != nil {
				return err
			}
		case bytes.EqualFold(tok, []byte("MOTION")) && len(p.joints) > 0:
			return nil
		case len(p.joints) == 0:
			return errAt(p.lx.line, ErrSyntax, quote(tok), "ROOT")
		default:
			return errAt(p.lx.line, ErrSyntax, quote(tok), "ROOT or MOTION")
		}
	}
}

// name reads a joint name: the rest of the line up to an optional "{", which it reports.
func (p *parser) name() (string, bool, error) {
	var name []byte
	for {
		f, err := p.lx.field()
		if err != nil {
			return "", false, err
		}
		if f == nil || string(f) == "{" {
			if len(name) == 0 {
				return "", false, errAt(p.lx.line, ErrSyntax, quoteEOL(f), "a joint name")
			}
			if len(name) > p.lim.MaxToken {
				return "", false, errAt(p.lx.line, ErrLimit, fmt.Sprintf("%d bytes", len(name)),
					"a joint name of at most %d bytes", p.lim.MaxToken)
			}
			return string(name), f != nil, nil
		}
		if len(name) > 0 {
			name = append(name, '_')
		}
		name = append(name, f...)
	}
}

func quoteEOL(f []byte) string {
	if f == nil {
		return "end of line"
	}
	return quote(f)
}

// joint reads a ROOT or JOINT block after its keyword.
func (p *parser) joint(parent, depth int) error {
	if depth > p.lim.MaxDepth {
		return errAt(p.lx.line, ErrLimit, fmt.Sprintf("depth %d", depth), "nesting of at most %d blocks", p.lim.MaxDepth)
	}
	if len(p.joints) >= p.lim.MaxJoints {
		return errAt(p.lx.line, ErrLimit, "more", "at most %d joints", p.lim.MaxJoints)
	}
	name, brace, err := p.name()
	if err != nil {
		return err
	}
	idx := len(p.joints)
	p.joints = append(p.joints, anim.Joint{Name: name, Parent: parent, Rest: anim.Identity})
	p.chans = append(p.chans, jointChannels{base: -1})
	if !brace {
		if err := p.expect("{"); err != nil {
			return err
		}
	}
	haveOffset, haveChannels := false, false
	for {
		tok, err := p.lx.token()
		if err != nil {
			return err
		}
		switch {
		case bytes.EqualFold(tok, []byte("OFFSET")) && !haveOffset:
			t, err := p.vec3("OFFSET")
			if err != nil {
				return err
			}
			p.joints[idx].Rest.T = t
			haveOffset = true
		case bytes.EqualFold(tok, []byte("CHANNELS")) && !haveChannels:
			if err := p.channels(idx); err != nil {
				return err
			}
			haveChannels = true
		case bytes.EqualFold(tok, []byte("JOINT")) && haveOffset:
			if err := p.joint(idx, depth+1); err != nil {
				return err
			}
		case bytes.EqualFold(tok, []byte("End")) && haveOffset:
			if err := p.endSite(name, depth+1); err != nil {
				return err
			}
		case string(tok) == "}" && haveOffset:
			if !haveChannels {
				p.chans[idx] = jointChannels{base: p.nchan}
			}
			return nil
		case !haveOffset:
			return errAt(p.lx.line, ErrSyntax, quote(tok), "OFFSET in joint %q", name)
		default:
			return errAt(p.lx.line, ErrSyntax, quote(tok), "CHANNELS, JOINT, End Site or } in joint %q", name)
		}
	}
}

func (p *parser) expect(want string) error {
	tok, err := p.lx.token()
	if err != nil {
		return err
	}
	if string(tok) != want {
		return errAt(p.lx.line, ErrSyntax, quote(tok), "%q", want)
	}
	return nil
}

func (p *parser) vec3(what string) (anim.Vec3, error) {
	var v anim.Vec3
	for k := range v {
		tok, err := p.lx.token()
		if err != nil {
			return v, err
		}
		if v[k], err = p.lx.number(tok, what); err != nil {
			return v, err
		}
	}
	return v, nil
}

// channels reads "n name..." after CHANNELS: up to six distinct channels in any order.
func (p *parser) channels(idx int) error {
	tok, err := p.lx.token()
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(string(tok))
	if err != nil || n < 0 || n > 6 {
		return errAt(p.lx.line, ErrSyntax, quote(tok), "a channel count from 0 to 6")
	}
	if p.nchan+n > p.lim.MaxChannels {
		return errAt(p.lx.line, ErrLimit, fmt.Sprintf("%d", p.nchan+n), "at most %d channels", p.lim.MaxChannels)
	}
	jc := jointChannels{base: p.nchan, n: n}
	var seen [6]bool
	for i := 0; i < n; i++ {
		tok, err := p.lx.token()
		if err != nil {
			return err
		}
		k := -1
		for c, cn := range channelNames {
			if bytes.EqualFold(tok, []byte(cn)) {
				k = c
			}
		}
		if k < 0 || seen[k] {
			return errAt(p.lx.line, ErrSyntax, quote(tok), "a channel name not yet listed (Xposition ... Zrotation)")
		}
		seen[k] = true
		jc.kind[i] = uint8(k)
	}
	p.chans[idx] = jc
	p.nchan += n
	if seen[3] && seen[4] && seen[5] {
		p.joints[idx].RotationOrder = orderOf(jc)
	}
	return nil
}

// orderOf returns the Euler order of a joint's three rotation channels: the listed order reversed,
// since the first listed is applied last.
func orderOf(jc jointChannels) anim.RotationOrder {
	var axes [3]uint8
	r := 2
	for i := 0; i < jc.n; i++ {
		if jc.kind[i] >= rotBase {
			axes[r] = jc.kind[i] - rotBase
			r--
		}
	}
	for o := anim.OrderXYZ; o <= anim.OrderZYX; o++ {
		if o.String() == string([]byte{'X' + axes[0], 'X' + axes[1], 'X' + axes[2]}) {
			return o
		}
	}
	return anim.OrderXYZ
}

// endSite reads "Site { OFFSET x y z }" after End, keeping the first End Site of each joint.
func (p *parser) endSite(joint string, depth int) error {
	if depth > p.lim.MaxDepth {
		return errAt(p.lx.line, ErrLimit, fmt.Sprintf("depth %d", depth), "nesting of at most %d blocks", p.lim.MaxDepth)
	}
	tok, err := p.lx.token()
	if err != nil {
		return err
	}
	if !bytes.EqualFold(tok, []byte("Site")) {
		return errAt(p.lx.line, ErrSyntax, quote(tok), "Site after End")
	}
	if err := p.expect("{"); err != nil {
		return err
	}
	tok, err = p.lx.token()
	if err != nil {
		return err
	}
	if !bytes.EqualFold(tok, []byte("OFFSET")) {
		return errAt(p.lx.line, ErrSyntax, quote(tok), "OFFSET in the End Site of %q", joint)
	}
	v, err := p.vec3("End Site OFFSET")
	if err != nil {
		return err
	}
	if err := p.expect("}"); err != nil {
		return err
	}
	if p.endSites == nil {
		p.endSites = make(map[string]anim.Vec3)
	}
	if _, dup := p.endSites[joint]; !dup {
		p.endSites[joint] = v
	}
	return nil
}

// label reads a header label such as "Frame Time:" and returns the value field after the colon,
// which may be glued to it ("Frames:69").
func (p *parser) label(want string) ([]byte, error) {
	key := []byte(strings.ReplaceAll(want, " ", ""))
	var words, first []byte
	for i := 0; i < 3; i++ {
		tok, err := p.lx.token()
		if err != nil {
			return nil, err
		}
		if tok == nil {
			return nil, errAt(p.lx.line, ErrSyntax, "end of file", "%q", want+":")
		}
		if first == nil {
			first = append([]byte(nil), tok...)
		}
		k := bytes.IndexByte(tok, ':')
		if k < 0 {
			words = append(words, tok...)
			continue
		}
		words = append(words, tok[:k]...)
		if !bytes.EqualFold(words, key) {
			break
		}
		if rest := tok[k+1:]; len(rest) > 0 {
			return rest, nil
		}
		v, err := p.lx.token()
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, errAt(p.lx.line, ErrSyntax, "end of file", "a value after %q", want+":")
		}
		return v, nil
	}
	return nil, errAt(p.lx.line, ErrSyntax, quote(first), "%q", want+":")
}

// motionHeader reads "Frames: n" and "Frame Time: t" after MOTION and checks them against the limits.
func (p *parser) motionHeader() (int, float64, error) {
	tok, err := p.label("Frames")
	if err != nil {
		return 0, 0, err
	}
	frames, err := strconv.Atoi(string(tok))
	switch {
	case err != nil && isDigits(tok):
		return 0, 0, errAt(p.lx.line, ErrLimit, quote(tok), "at most %d frames", p.lim.MaxFrames)
	case err != nil || frames < 0:
		return 0, 0, errAt(p.lx.line, ErrSyntax, quote(tok), "a frame count of 0 or more")
	case frames > p.lim.MaxFrames:
		return 0, 0, errAt(p.lx.line, ErrLimit, quote(tok), "at most %d frames", p.lim.MaxFrames)
	case frames > 0 && int64(max(p.nchan, len(p.joints))) > p.lim.MaxValues/int64(frames):
		return 0, 0, errAt(p.lx.line, ErrLimit,
			fmt.Sprintf("%d frames of %d channels and %d joints", frames, p.nchan, len(p.joints)),
			"at most %d values", p.lim.MaxValues)
	}
	tok, err = p.label("Frame Time")
	if err != nil {
		return 0, 0, err
	}
	dt, err := p.lx.number(tok, "Frame Time")
	if err != nil {
		return 0, 0, err
	}
	// Below a microsecond or above an hour per frame is no motion capture rate.
	if !(dt >= 1e-6 && dt <= 3600) {
		return 0, 0, errAt(p.lx.line, ErrValue, quote(tok), "a frame time from 1e-6 to 3600 seconds")
	}
	return frames, fpsOf(dt, tok), nil
}

func isDigits(b []byte) bool {
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// fpsOf turns a frame time into a frame rate, snapping to the integer rate the frame time was
// rounded from. It snaps when the rate is within 1e-4 of an integer n, or when the frame time is
// written with five decimals or more and 1/n lies within half a unit of its last one: "0.033333"
// means 30 fps, while "0.03" stays 33.3 fps.
func fpsOf(dt float64, text []byte) float64 {
	fps := 1 / dt
	n := math.Round(fps)
	if n < 1 {
		return fps
	}
	if math.Abs(fps-n) <= 1e-4 {
		return n
	}
	if k := bytes.IndexByte(text, '.'); k >= 0 && bytes.IndexAny(text, "eE") < 0 {
		decimals := len(text) - k - 1
		if decimals >= 5 && decimals < len(pow10) && math.Abs(dt-1/n) <= 0.5/pow10[decimals]*(1+1e-9) {
			return n
		}
	}
	return fps
}

// motion reads the frame lines: one line per frame, blank lines skipped.
func (p *parser) motion(frames int, fps float64) (*anim.Clip, error) {
	nj := len(p.joints)
	c := &anim.Clip{FPS: fps, Frames: frames, NumJoints: nj}
	// Storage grows with the frames actually read, so a false frame count cannot allocate much
	// ahead of the data: at most about 16 MB before the first frame.
	capFrames := min(frames, max(1, (16<<20)/(56*max(nj, 1))))
	c.Rotations = make([]anim.Quat, 0, capFrames*nj)
	c.Translations = make([]anim.Vec3, 0, capFrames*nj)
	vals := make([]float64, p.nchan)
	for f := 0; f < frames; f++ {
		if p.nchan > 0 {
			if err := p.frameValues(f, frames, vals); err != nil {
				return nil, err
			}
		}
		for j := range p.joints {
			q, t := p.pose(j, vals)
			c.Rotations = append(c.Rotations, q)
			c.Translations = append(c.Translations, t)
		}
	}
	c.Scales = make([]anim.Vec3, frames*nj)
	for i := range c.Scales {
		c.Scales[i] = anim.Vec3{1, 1, 1}
	}
	return c, nil
}

func (p *parser) frameValues(f, frames int, vals []float64) error {
	for {
		ok, err := p.lx.nextLine()
		if err != nil {
			return err
		}
		if !ok {
			return errAt(p.lx.line, ErrSyntax, "end of file", "frame %d of %d (0-based) with %d values", f, frames, len(vals))
		}
		tok, err := p.lx.field()
		if err != nil {
			return err
		}
		if tok == nil {
			continue // blank line
		}
		for k := range vals {
			if tok == nil {
				return errAt(p.lx.line, ErrSyntax, fmt.Sprintf("%d values", k), "frame %d (0-based): %d values", f, len(vals))
			}
			if vals[k], err = p.lx.value(tok); err != nil {
				return p.lx.numberError(tok, fmt.Sprintf("value %d of frame %d (0-based)", k, f), err)
			}
			if tok, err = p.lx.field(); err != nil {
				return err
			}
		}
		if tok != nil {
			return errAt(p.lx.line, ErrSyntax, fmt.Sprintf("more than %d values", len(vals)),
				"frame %d (0-based): %d values", f, len(vals))
		}
		return nil
	}
}

// pose builds joint j's local rotation and translation from a frame's values. Position channels
// replace the OFFSET axis by axis; rotation channels multiply in listed order.
func (p *parser) pose(j int, vals []float64) (anim.Quat, anim.Vec3) {
	jc := &p.chans[j]
	q, t := anim.QuatIdentity, p.joints[j].Rest.T
	for i := 0; i < jc.n; i++ {
		v := vals[jc.base+i]
		k := jc.kind[i]
		if k < rotBase {
			t[k] = v
			continue
		}
		s, c := math.Sincos(v * (math.Pi / 360))
		var r anim.Quat
		r[k-rotBase], r[3] = s, c
		q = q.Mul(r)
	}
	return q, t
}
