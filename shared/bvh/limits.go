package bvh

// Limits bounds what Decode accepts, so hostile input cannot exhaust memory or time.
// A zero or negative field takes its DefaultLimits value.
type Limits struct {
	MaxBytes     int64   // bytes read from the input
	MaxLine      int     // bytes in one line, terminator excluded
	MaxToken     int     // bytes in one whitespace-separated field (a name or a number)
	MaxJoints    int     // ROOT and JOINT blocks
	MaxDepth     int     // nesting of ROOT, JOINT and End Site blocks
	MaxChannels  int     // channels over all joints, that is values per frame
	MaxFrames    int     // the declared frame count
	MaxValues    int64   // frames × channels, and frames × joints (the clip holds about 80 bytes per joint sample)
	MaxMagnitude float64 // largest absolute value of an offset or a channel value
}

// DefaultLimits admits any Mixamo export with room to spare: 1024 joints, a million frames, and
// about 8 million values, so a decoded clip needs at most about 670 MB.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:     256 << 20,
		MaxLine:      1 << 20,
		MaxToken:     1024,
		MaxJoints:    1024,
		MaxDepth:     256,
		MaxChannels:  6 * 1024,
		MaxFrames:    1 << 20,
		MaxValues:    1 << 23,
		MaxMagnitude: 1e9,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxLine <= 0 {
		l.MaxLine = d.MaxLine
	}
	if l.MaxToken <= 0 {
		l.MaxToken = d.MaxToken
	}
	if l.MaxJoints <= 0 {
		l.MaxJoints = d.MaxJoints
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxChannels <= 0 {
		l.MaxChannels = d.MaxChannels
	}
	if l.MaxFrames <= 0 {
		l.MaxFrames = d.MaxFrames
	}
	if l.MaxValues <= 0 {
		l.MaxValues = d.MaxValues
	}
	if !(l.MaxMagnitude > 0) {
		l.MaxMagnitude = d.MaxMagnitude
	}
	return l
}
