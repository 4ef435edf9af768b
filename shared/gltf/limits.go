package gltf

// Limits bounds what Decode accepts, so a hostile file cannot make it allocate without bound.
// A zero field means "no limit of this kind"; use DefaultLimits as the starting point.
type Limits struct {
	MaxBytes            int64 // size of the whole input
	MaxNodes            int   // nodes in the document
	MaxAccessors        int   // accessors in the document
	MaxAccessorElements int   // elements (count) of any one accessor that is read
	MaxAnimations       int   // animations in the document
	MaxChannels         int   // channels of any one animation
	MaxKeyframes        int   // keyframes read over all samplers of the file
	MaxFrames           int   // frames of any one sampled clip
	MaxSamples          int   // joint poses (frames × joints) over all sampled clips
}

// DefaultLimits suits character animation files, including skinned characters with meshes.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:            256 << 20,
		MaxNodes:            20000,
		MaxAccessors:        200000,
		MaxAccessorElements: 1 << 21,
		MaxAnimations:       4096,
		MaxChannels:         65536,
		MaxKeyframes:        1 << 22,
		MaxFrames:           60 * 60 * 120, // two hours at 60 fps
		MaxSamples:          1 << 23,       // about 670 MB of decoded tracks
	}
}

func within(n int64, limit int64) bool { return limit <= 0 || n <= limit }
