package fbx

// Limits bound what Parse and Decode accept, so hostile input can neither exhaust memory nor
// keep a reader busy. A zero field takes its DefaultLimits value.
type Limits struct {
	MaxFileSize     int64 // bytes of input
	MaxNodes        int   // records in the whole file
	MaxDepth        int   // nesting of records
	MaxProps        int   // properties on one record
	MaxTotalProps   int   // properties in the whole file (each costs far more memory than its bytes)
	MaxArrayLen     int   // elements of one array property
	MaxString       int   // bytes of one string or raw property
	MaxDecompressed int64 // bytes inflated from zlib arrays, summed over the file
	MaxRatio        int   // inflated bytes per compressed byte of one array
	MaxSamples      int   // frames × joints of a decoded clip
}

// DefaultLimits suits real character animation files: generous for anything an exporter
// writes (hundreds of MB), far below what would hurt a server.
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:     1 << 30,
		MaxNodes:        1 << 21, // a Mixamo clip has about 4 000, a skinned character 6 000
		MaxDepth:        64,      // real files nest about 6 deep
		MaxProps:        1 << 20,
		MaxTotalProps:   1 << 21, // each costs about 190 bytes in memory
		MaxArrayLen:     1 << 26,
		MaxString:       1 << 28,
		MaxDecompressed: 1 << 30,
		// Deflate cannot exceed about 1032:1, so a claim beyond this is a lie told to make us allocate.
		MaxRatio:   1100,
		MaxSamples: 1 << 23, // 80 bytes each: 10 minutes of 100 joints at 120 fps fits
	}
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = d.MaxNodes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxProps <= 0 {
		l.MaxProps = d.MaxProps
	}
	if l.MaxTotalProps <= 0 {
		l.MaxTotalProps = d.MaxTotalProps
	}
	if l.MaxArrayLen <= 0 {
		l.MaxArrayLen = d.MaxArrayLen
	}
	if l.MaxString <= 0 {
		l.MaxString = d.MaxString
	}
	if l.MaxDecompressed <= 0 {
		l.MaxDecompressed = d.MaxDecompressed
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxSamples <= 0 {
		l.MaxSamples = d.MaxSamples
	}
	return l
}
