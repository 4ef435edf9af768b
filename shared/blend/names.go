package blend

import (
	"strconv"
	"strings"
)

// maxSafeName bounds a safe name's length: Unreal keeps whole asset paths under 260
// characters on Windows, so a clip name leaves room for its folders.
const maxSafeName = 80

// SafeName returns s spelled with the characters every engine the clips go to accepts in
// animation, asset and file names: ASCII letters, digits, '_' and '-'. Unreal refuses
// INVALID_OBJECTNAME_CHARACTERS ("' ,/.:|&!~@#(){}[]=;^%$, the backtick and control characters;
// NameTypes.h) in object names, and its Interchange importer replaces '+' and ' ' in joint
// names besides; Godot's AnimationLibrary::is_valid_animation_name refuses an empty name and
// '/', ':', ',' and '['; file systems and URLs are safe with the same set.
// A '.' between digits becomes 'p' (0.3 reads 0p3); every other run of refused characters
// becomes one '_', trimmed at the ends. Letters outside ASCII are refused too: importers differ
// in how they normalise them. An empty result is "clip".
func SafeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSep := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '-', ch == '_':
			if pendingSep && b.Len() > 0 {
				b.WriteByte('_')
			}
			pendingSep = false
			if ch == '_' {
				pendingSep = true
				continue
			}
			b.WriteByte(ch)
		case ch == '.' && i > 0 && i+1 < len(s) && isDigit(s[i-1]) && isDigit(s[i+1]) && !pendingSep:
			b.WriteByte('p')
		default:
			pendingSep = true
		}
	}
	out := strings.Trim(b.String(), "_-")
	if len(out) > maxSafeName {
		out = strings.TrimRight(out[:maxSafeName], "_-")
	}
	if out == "" {
		return "clip"
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// IsSafeName reports whether s is already what SafeName makes of it.
func IsSafeName(s string) bool { return s != "" && SafeName(s) == s }

// Label is a blend's human-readable name: the method, its main options and the clips, then
// the edits, e.g. "mix 0.3 walk+run", "transition 10f walk>run", "edit walk mirror speed 2".
// Options are read in canonical form; call it on options that pass Validate.
func Label(opts Options, clips []string) string {
	o := opts.Canonical()
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	parts := []string{o.Method}
	sep := "+"
	switch o.Method {
	case Mix:
		parts = append(parts, num(*o.Ratio))
		if o.Sync == SyncFeet {
			parts = append(parts, "sync-feet")
		}
	case Transition:
		parts = append(parts, strconv.Itoa(o.TransitionFrames)+"f")
		if o.TransitionAt != nil {
			parts = append(parts, "at-"+num(*o.TransitionAt)+"s")
		}
		sep = ">"
	case Layer:
		parts = append(parts, strings.Join(o.Mask, ","))
		if *o.MaskWeight != 1 {
			parts = append(parts, num(*o.MaskWeight))
		}
	case Additive:
		parts = append(parts, num(*o.Weight))
	case Blendspace:
		parts = append(parts, num(o.Value))
	case Retarget:
		sep = " onto "
	}
	names := make([]string, len(clips))
	for i, c := range clips {
		names[i] = strings.TrimSpace(c)
	}
	if len(names) > 0 {
		parts = append(parts, strings.Join(names, sep))
	}
	trim := func(sec *float64, fr *int) string {
		switch {
		case sec != nil:
			return num(*sec) + "s"
		case fr != nil:
			return strconv.Itoa(*fr) + "f"
		}
		return ""
	}
	if a, b := trim(o.TrimStart, o.TrimStartFrame), trim(o.TrimEnd, o.TrimEndFrame); a != "" || b != "" {
		parts = append(parts, "trim "+a+"-"+b)
	}
	if o.Speed != nil {
		parts = append(parts, "speed "+num(*o.Speed))
	}
	if o.Reverse {
		parts = append(parts, "reverse")
	}
	if o.Mirror {
		parts = append(parts, "mirror")
	}
	if o.InPlace {
		parts = append(parts, "in-place")
	}
	switch {
	case o.LoopFind:
		parts = append(parts, "loop-found")
	case o.Loop:
		parts = append(parts, "loop")
	}
	if o.FPS != 0 {
		parts = append(parts, num(o.FPS)+"fps")
	}
	if o.RootMotion == RootMotionRoot {
		parts = append(parts, "root-motion")
	}
	return strings.Join(parts, " ")
}
