package blend

// blendspaceWeights returns one weight per input for value on a 1D axis: the two neighbours
// share it linearly, and values beyond the ends take the end clip alone.
func blendspaceWeights(pos []float64, value float64) []float64 {
	w := make([]float64, len(pos))
	last := len(pos) - 1
	switch {
	case value <= pos[0]:
		w[0] = 1
	case value >= pos[last]:
		w[last] = 1
	default:
		for i := 0; i < last; i++ {
			if value <= pos[i+1] {
				u := (value - pos[i]) / (pos[i+1] - pos[i])
				w[i], w[i+1] = 1-u, u
				break
			}
		}
	}
	return w
}
