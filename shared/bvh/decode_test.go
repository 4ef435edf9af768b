package bvh

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// orderedJoints has one joint per rotation-channel order, some with positions interleaved.
func orderedJoints() []synthJoint {
	orders := [][]string{
		{"Xrotation", "Yrotation", "Zrotation"}, {"Xrotation", "Zrotation", "Yrotation"},
		{"Yrotation", "Xrotation", "Zrotation"}, {"Yrotation", "Zrotation", "Xrotation"},
		{"Zrotation", "Xrotation", "Yrotation"}, {"Zrotation", "Yrotation", "Xrotation"},
	}
	js := []synthJoint{{name: "Hips", parent: -1, offset: anim.Vec3{1, 90, -2},
		channels: []string{"Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation"}}}
	for i, o := range orders {
		ch := append([]string(nil), o...)
		if i%2 == 1 { // positions interleaved with rotations on non-root joints
			ch = []string{o[0], "Yposition", o[1], "Zposition", "Xposition", o[2]}
		}
		js = append(js, synthJoint{name: fmt.Sprintf("J%d_%s", i, strings.Join(o, "")), parent: i,
			offset: anim.Vec3{float64(i), 10, float64(-i)}, channels: ch})
	}
	// A branch with a lone rotation channel and one with none.
	js = append(js, synthJoint{name: "Side", parent: 0, offset: anim.Vec3{5, 0, 0}, channels: []string{"Yrotation"}})
	js = append(js, synthJoint{name: "Still", parent: 7, offset: anim.Vec3{0, 0, 3}})
	return js
}

func orderedValue(f, j, k int) float64 {
	return 170*math.Sin(0.3*float64(f)+float64(j)+1.7*float64(k)) + float64(k)
}

func TestDecodeChannelOrders(t *testing.T) {
	t.Parallel()
	js := orderedJoints()
	const frames = 12
	data := synthBVH(js, frames, "0.0416667", orderedValue)
	a := mustDecode(t, data)
	c := a.Clip()
	if c.FPS != 24 || c.Frames != frames || len(a.Skeleton.Joints) != len(js) {
		t.Fatalf("fps %v frames %d joints %d", c.FPS, c.Frames, len(a.Skeleton.Joints))
	}
	for f := 0; f < frames; f++ {
		for j, sj := range js {
			vals := make([]float64, len(sj.channels))
			for k := range vals {
				v, _ := parseDecimal([]byte(fmt.Sprintf("%.6f", orderedValue(f, j, k))))
				vals[k] = v
			}
			m, tr := expectedLocal(sj, vals)
			l := c.Local(f, j)
			if d := matDiff(m, l.R.Matrix3()); d > 1e-12 {
				t.Errorf("frame %d joint %s: rotation differs by %g", f, sj.name, d)
			}
			if l.T != tr {
				t.Errorf("frame %d joint %s: translation %v, want %v", f, sj.name, l.T, tr)
			}
			if l.S != (anim.Vec3{1, 1, 1}) {
				t.Errorf("scale %v", l.S)
			}
		}
	}
	// Each joint records its channels' Euler order: the listed order reversed.
	for i, want := range []anim.RotationOrder{anim.OrderZYX, anim.OrderYZX, anim.OrderZXY, anim.OrderXZY, anim.OrderYXZ, anim.OrderXYZ} {
		if got := a.Skeleton.Joints[i+1].RotationOrder; got != want {
			t.Errorf("joint %s: order %v, want %v", js[i+1].name, got, want)
		}
	}
}

// canonical is a small file; the tolerance cases below spell the same content differently.
const canonical = `HIERARCHY
ROOT Hips
{
	OFFSET 0 90 0
	CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
	JOINT Left_Leg
	{
		OFFSET 10 -5 0
		CHANNELS 3 Zrotation Xrotation Yrotation
		End Site
		{
			OFFSET 0 -40 0
		}
	}
}
MOTION
Frames: 2
Frame Time: 0.0333333
1 90 2 10 20 30 -5 15 25
1.5 91 2.5 11 21 31 -6 16 26
`

func TestDecodeTolerates(t *testing.T) {
	t.Parallel()
	want := mustDecode(t, []byte(canonical))
	cases := []struct{ name, text string }{
		{"CRLF", strings.ReplaceAll(canonical, "\n", "\r\n")},
		{"BOM", "\ufeff" + canonical},
		{"tabs and extra spaces", strings.NewReplacer(" ", " \t  ", "\n", "  \t\n").Replace(canonical)},
		{"trailing blank lines", canonical + "\n\n  \n\t\n"},
		{"blank lines between frames", strings.Replace(canonical, "25\n", "25\n\n\n", 1)},
		{"lower-case keywords", strings.NewReplacer("HIERARCHY", "hierarchy", "ROOT", "root", "JOINT", "joint",
			"OFFSET", "offset", "CHANNELS", "channels", "End Site", "end site", "MOTION", "motion",
			"Frames", "FRAMES", "Zrotation", "ZROTATION").Replace(canonical)},
		{"brace on the name line", strings.NewReplacer("Hips\n{", "Hips {", "Leg\n\t{", "Leg {").Replace(canonical)},
		{"name in two fields", strings.Replace(canonical, "Left_Leg", "Left Leg", 1)},
		{"glued header values", strings.NewReplacer("Frames: 2", "Frames:2", "Frame Time: ", "Frame Time:").Replace(canonical)},
		{"more frames than declared", canonical + "9 9 9 9 9 9 9 9 9\nnot even numbers\n"},
		{"no final newline", strings.TrimSuffix(canonical, "\n")},
		{"second End Site ignored", strings.Replace(canonical, "\t\t}\n\t}", "\t\t}\n\t\tEnd Site { OFFSET 1 1 1 }\n\t}", 1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := mustDecode(t, []byte(tc.text))
			if len(got.Skeleton.Joints) != 2 || got.Skeleton.Joints[1].Name != "Left_Leg" {
				t.Fatalf("joints %+v", got.Skeleton.Joints)
			}
			compareClips(t, want, got, 1e-12, 0)
			if got.Skeleton.Origin.(*Origin).EndSites["Left_Leg"] != (anim.Vec3{0, -40, 0}) {
				t.Errorf("end site %v", got.Skeleton.Origin)
			}
		})
	}
}

func TestDecodeZeroChannelsAndFrames(t *testing.T) {
	t.Parallel()
	text := "HIERARCHY\nROOT A\n{\nOFFSET 1 2 3\nCHANNELS 0\nJOINT B\n{\nOFFSET 0 1 0\n}\n}\nMOTION\nFrames: 3\nFrame Time: 0.5\n"
	a := mustDecode(t, []byte(text))
	c := a.Clip()
	if c.Frames != 3 || c.FPS != 2 || c.Translations[2*2+1] != (anim.Vec3{0, 1, 0}) || c.Rotations[5] != anim.QuatIdentity {
		t.Fatalf("clip %+v", c)
	}
	a = mustDecode(t, []byte(strings.Replace(text, "Frames: 3", "Frames: 0", 1)))
	if a.Clip() != nil || len(a.Skeleton.Joints) != 2 {
		t.Fatalf("zero frames: clips %d joints %d", len(a.Clips), len(a.Skeleton.Joints))
	}
}

func TestFrameRate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		want float64
	}{
		{"0.0333333", 30}, {"0.033333", 30}, {"0.03333333333", 30}, {"0.016667", 60}, {"0.0166667", 60},
		{"0.04", 25}, {"0.008333", 120}, {"0.041667", 24}, {"1", 1}, {"0.1", 10},
		{"2", 0.5}, {"0.0333667", 29.97000002997}, {"0.03", 33.33333333333333}, {"0.0417", 23.98081534772182},
		{"3.33333e-2", 30}, {"0.00833333", 120},
	}
	for _, tc := range cases {
		text := strings.Replace(canonical, "0.0333333", tc.text, 1)
		a := mustDecode(t, []byte(text))
		if got := a.Clip().FPS; math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("frame time %s: fps %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	nest := func(depth int) string {
		var b strings.Builder
		b.WriteString("HIERARCHY\nROOT R\n{\nOFFSET 0 0 0\nCHANNELS 0\n")
		for i := 0; i < depth; i++ {
			fmt.Fprintf(&b, "JOINT J%d\n{\nOFFSET 0 1 0\n", i)
		}
		b.WriteString(strings.Repeat("}\n", depth+1))
		b.WriteString("MOTION\nFrames: 0\nFrame Time: 1\n")
		return b.String()
	}
	many := func(n int) string {
		var b strings.Builder
		b.WriteString("HIERARCHY\nROOT R\n{\nOFFSET 0 0 0\n")
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "JOINT J%d { OFFSET 0 1 0 CHANNELS 3 Xrotation Yrotation Zrotation }\n", i)
		}
		b.WriteString("}\nMOTION\nFrames: 0\nFrame Time: 1\n")
		return b.String()
	}
	repl := func(old, new string) string { return strings.Replace(canonical, old, new, 1) }
	small := Limits{MaxBytes: 600, MaxLine: 100, MaxToken: 16, MaxJoints: 4, MaxDepth: 8, MaxChannels: 12, MaxFrames: 10, MaxValues: 30}
	cases := []struct {
		name string
		text string
		lim  Limits
		want error
		line int
		msg  string
	}{
		{"empty", "", Limits{}, ErrSyntax, 0, "HIERARCHY"},
		{"not BVH", "{\"asset\": 1}", Limits{}, ErrSyntax, 1, "HIERARCHY"},
		{"no joints", "HIERARCHY\nMOTION\nFrames: 0\nFrame Time: 1\n", Limits{}, ErrSyntax, 2, "ROOT"},
		{"no MOTION", canonical[:strings.Index(canonical, "MOTION")], Limits{}, ErrSyntax, 15, "ROOT or MOTION"},
		{"missing brace", repl("Hips\n{", "Hips\n"), Limits{}, ErrSyntax, 4, `"{"`},
		{"missing name", repl("ROOT Hips", "ROOT"), Limits{}, ErrSyntax, 2, "joint name"},
		{"missing OFFSET", repl("OFFSET 10 -5 0", ""), Limits{}, ErrSyntax, 10, "OFFSET"},
		{"short OFFSET", repl("OFFSET 10 -5 0", "OFFSET 10 -5"), Limits{}, ErrSyntax, 9, "OFFSET"},
		{"two OFFSETs", repl("OFFSET 10 -5 0", "OFFSET 10 -5 0 OFFSET 1 1 1"), Limits{}, ErrSyntax, 8, "CHANNELS, JOINT"},
		{"seven channels", repl("CHANNELS 3", "CHANNELS 7"), Limits{}, ErrSyntax, 9, "channel count"},
		{"repeated channel", repl("Zrotation Xrotation Yrotation\n\t\tEnd", "Zrotation Xrotation Zrotation\n\t\tEnd"), Limits{}, ErrSyntax, 9, "not yet listed"},
		{"unknown channel", repl("Yrotation\n\t\tEnd", "Wrotation\n\t\tEnd"), Limits{}, ErrSyntax, 9, "channel name"},
		{"End without Site", repl("End Site", "End Sight"), Limits{}, ErrSyntax, 10, "Site"},
		{"unclosed", canonical[:strings.Index(canonical, "\t}\n}")], Limits{}, ErrSyntax, 13, "}"},
		{"no Frames", repl("Frames: 2", "Frame: 2"), Limits{}, ErrSyntax, 17, `"Frames:"`},
		{"negative frames", repl("Frames: 2", "Frames: -2"), Limits{}, ErrSyntax, 17, "frame count"},
		{"zero frame time", repl("0.0333333", "0"), Limits{}, ErrValue, 18, "frame time"},
		{"negative frame time", repl("0.0333333", "-0.03"), Limits{}, ErrValue, 18, "frame time"},
		{"NaN frame time", repl("0.0333333", "NaN"), Limits{}, ErrValue, 18, "Frame Time"},
		{"short frame", repl("-5 15 25\n", "-5 15\n"), Limits{}, ErrSyntax, 19, "frame 0 (0-based): 9 values"},
		{"long frame", repl("-5 15 25\n", "-5 15 25 35\n"), Limits{}, ErrSyntax, 19, "frame 0 (0-based): 9 values"},
		{"missing frame", repl("Frames: 2", "Frames: 3"), Limits{}, ErrSyntax, 20, "frame 2 of 3"},
		{"NaN value", repl("-5 15 25", "-5 NaN 25"), Limits{}, ErrValue, 19, "value 7 of frame 0"},
		{"infinite value", repl("-5 15 25", "-5 inf 25"), Limits{}, ErrValue, 19, "value 7 of frame 0"},
		{"overflowing value", repl("-5 15 25", "-5 1e400 25"), Limits{}, ErrValue, 19, "finite"},
		{"huge value", repl("-5 15 25", "-5 1e300 25"), Limits{}, ErrValue, 19, "magnitude"},
		{"huge offset", repl("OFFSET 0 90 0", "OFFSET 0 9e99 0"), Limits{}, ErrValue, 4, "OFFSET"},
		{"junk value", repl("-5 15 25", "-5 1.2.3 25"), Limits{}, ErrSyntax, 19, "number"},
		{"huge declared frames", repl("Frames: 2", "Frames: 1000000000"), Limits{}, ErrLimit, 17, "frames"},
		{"frame count overflow", repl("Frames: 2", "Frames: 99999999999999999999999"), Limits{}, ErrLimit, 17, "frames"},
		{"frames × channels", repl("Frames: 2", "Frames: 1000000"), Limits{}, ErrLimit, 17, "values"},
		{"deep nesting", nest(300), Limits{}, ErrLimit, 0, "nesting"},
		{"too many joints", many(1100), Limits{}, ErrLimit, 0, "joints"},
		{"too many channels", many(6), small, ErrLimit, 0, ""},
		{"small MaxJoints", canonical, Limits{MaxJoints: 1}, ErrLimit, 6, "at most 1 joints"},
		{"small MaxDepth", canonical, Limits{MaxDepth: 2}, ErrLimit, 10, "nesting"},
		{"small MaxChannels", canonical, Limits{MaxChannels: 8}, ErrLimit, 9, "channels"},
		{"small MaxFrames", canonical, Limits{MaxFrames: 1}, ErrLimit, 17, "frames"},
		{"small MaxValues", canonical, Limits{MaxValues: 17}, ErrLimit, 17, "values"},
		{"small MaxBytes", canonical, Limits{MaxBytes: 100}, ErrLimit, 0, "bytes of input"},
		{"small MaxLine", canonical, Limits{MaxLine: 20}, ErrLimit, 5, "line"},
		{"long line beyond the read buffer", "HIERARCHY\n" + strings.Repeat(" ", 200<<10) + "\n", Limits{MaxLine: 100 << 10}, ErrLimit, 2, "line"},
		{"small MaxToken", canonical, Limits{MaxToken: 5}, ErrLimit, 1, "field"},
		{"small MaxMagnitude", canonical, Limits{MaxMagnitude: 50}, ErrValue, 4, "magnitude"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.text), tc.lim)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("%v is not a *FormatError", err)
			}
			if tc.line > 0 && fe.Line != tc.line {
				t.Errorf("line %d, want %d: %v", fe.Line, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%q does not mention %q", err, tc.msg)
			}
		})
	}
}

// tokenStarts returns the byte offset of every whitespace-separated token.
func tokenStarts(data []byte) []int {
	var out []int
	for i := range data {
		if !isSpace(data[i]) && data[i] != '\n' && (i == 0 || isSpace(data[i-1]) || data[i-1] == '\n') {
			out = append(out, i)
		}
	}
	return out
}

func TestDecodeTruncated(t *testing.T) {
	t.Parallel()
	data := []byte(canonical)
	// Cut before any token, the file is incomplete: a typed error, never a result.
	for _, p := range tokenStarts(data) {
		_, err := Decode(bytes.NewReader(data[:p]), DefaultLimits())
		var fe *FormatError
		if !errors.As(err, &fe) || !errors.Is(err, ErrSyntax) {
			t.Fatalf("cut at %d (before %q): got %v, want a syntax *FormatError", p, data[p:min(p+10, len(data))], err)
		}
	}
	// Cut anywhere, including inside tokens: an error or a valid animation, never a panic.
	for p := 0; p <= len(data); p++ {
		checkDecode(t, data[:p], DefaultLimits())
	}
}

// checkDecode decodes data and, on success, checks that the result is well formed within lim.
func checkDecode(t testing.TB, data []byte, lim Limits) *anim.Animation {
	t.Helper()
	a, err := Decode(bytes.NewReader(data), lim)
	if err != nil {
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Fatalf("error %v is not a *FormatError", err)
		}
		if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrValue) && !errors.Is(err, ErrLimit) {
			t.Fatalf("error %v matches no sentinel", err)
		}
		return nil
	}
	lim = lim.withDefaults()
	if err := a.Skeleton.Validate(); err != nil {
		t.Fatalf("invalid skeleton: %v", err)
	}
	if n := len(a.Skeleton.Joints); n > lim.MaxJoints {
		t.Fatalf("%d joints over the limit %d", n, lim.MaxJoints)
	}
	if c := a.Clip(); c != nil {
		if err := c.Validate(a.Skeleton); err != nil {
			t.Fatalf("invalid clip: %v", err)
		}
		if c.Frames > lim.MaxFrames || int64(c.Frames)*int64(c.NumJoints) > lim.MaxValues {
			t.Fatalf("clip of %d frames × %d joints exceeds the limits", c.Frames, c.NumJoints)
		}
	}
	return a
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestDecodeReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	_, err := Decode(failingReader{boom}, DefaultLimits())
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the reader's error", err)
	}
}

func TestParseDecimalMatchesStrconv(t *testing.T) {
	t.Parallel()
	cases := []string{"0", "-0", "+1", "12.5", "-98.2948", "0.0000", "-0.000001", "123456789.123456",
		"9007199254740992", "9007199254740993", "0.1", "00012.3400", "1.", ".5", "-.25",
		"0.0000000000000000000001", "0.00000000000000000000001", "99999999999999999999"}
	for _, s := range cases {
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseDecimal([]byte(s))
		if ok && got != want {
			t.Errorf("%s: got %v, want %v", s, got, want)
		}
	}
	for _, s := range []string{"", "-", "+", ".", "-.", "1e5", "1.2.3", "12a", "0x10", "NaN", "--1", "1 "} {
		if v, ok := parseDecimal([]byte(s)); ok {
			t.Errorf("%q parsed as %v", s, v)
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 100000; i++ {
		s := strconv.FormatFloat((rng.Float64()-0.5)*math.Pow(10, float64(rng.IntN(12)-3)), 'f', rng.IntN(9), 64)
		want, _ := strconv.ParseFloat(s, 64)
		if got, ok := parseDecimal([]byte(s)); !ok || got != want {
			t.Fatalf("%s: got %v (%v), want %v", s, got, ok, want)
		}
	}
}
