package blend

import (
	"fmt"
	"math"
	"sort"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

// plantPhases returns the phases (0..1 over the clip) where each foot starts a contact.
func plantPhases(s *source) (left, right []float64, err error) {
	c, err := quality.FootContacts(s.skel, s.clip, quality.ContactOptions{})
	if err != nil {
		return nil, nil, err
	}
	phase := func(frames []int) []float64 {
		out := make([]float64, len(frames))
		for i, f := range frames {
			out[i] = float64(f) / float64(max(s.clip.Frames-1, 1))
		}
		return out
	}
	return phase(c.LeftPlants), phase(c.RightPlants), nil
}

// feetWarp returns a piecewise-linear map from A's phase to B's phase that lands each of B's
// foot plants on the matching plant of A, like an engine's sync markers. Each plant of A is paired
// with the nearest unused plant of the same foot in B; pairs that would make time run backwards
// are dropped. When B loops (its last pose is its first) the map is periodic: the segment from the
// last plant to the first runs across the loop's seam, so B may start part-way into its cycle
// instead of being squeezed to begin at phase 0. Otherwise both ends stay fixed. With no pairs the
// map is the identity.
func feetWarp(a, b *source) (func(float64) float64, error) {
	la, ra, err := plantPhases(a)
	if err != nil {
		return nil, &OptionError{Field: "sync", Msg: fmt.Sprintf("feet: first clip: %v", err), Err: err}
	}
	lb, rb, err := plantPhases(b)
	if err != nil {
		return nil, &OptionError{Field: "sync", Msg: fmt.Sprintf("feet: second clip: %v", err), Err: err}
	}
	cyclic := loops(b)
	pairs := append(nearestPairs(la, lb, cyclic), nearestPairs(ra, rb, cyclic)...)
	sort.Slice(pairs, func(i, j int) bool { return pairs[i][0] < pairs[j][0] })
	var xs, ys []float64
	for _, p := range pairs {
		if len(xs) > 0 && (p[0] <= xs[len(xs)-1] || p[1] <= ys[len(ys)-1]) {
			continue
		}
		if cyclic && len(ys) > 0 && p[1]-ys[0] >= 1 {
			continue // would overtake the first pair one cycle later
		}
		if !cyclic && (p[0] <= 0 || p[0] >= 1 || p[1] <= 0 || p[1] >= 1) {
			continue
		}
		xs, ys = append(xs, p[0]), append(ys, p[1])
	}
	if len(xs) == 0 {
		return func(phi float64) float64 { return phi }, nil
	}
	if cyclic {
		last := len(xs) - 1
		xs = append([]float64{xs[last] - 1}, append(xs, xs[0]+1)...)
		ys = append([]float64{ys[last] - 1}, append(ys, ys[0]+1)...)
	} else {
		xs = append([]float64{0}, append(xs, 1)...)
		ys = append([]float64{0}, append(ys, 1)...)
	}
	return func(phi float64) float64 {
		i := sort.SearchFloat64s(xs, phi)
		switch {
		case i == 0:
			return ys[0]
		case i >= len(xs):
			return ys[len(ys)-1]
		}
		u := (phi - xs[i-1]) / (xs[i] - xs[i-1])
		return ys[i-1] + u*(ys[i]-ys[i-1])
	}, nil
}

// loops reports whether the clip ends on its first pose (within about a degree per joint), as
// Mixamo's cycles do.
func loops(s *source) bool {
	c := s.clip
	if c.Frames < 3 {
		return false
	}
	r0, _, _ := c.Pose(0)
	r1, _, _ := c.Pose(c.Frames - 1)
	for j := range r0 {
		if r0[j].Angle(r1[j]) > 0.02 {
			return false
		}
	}
	return true
}

// nearestPairs pairs each phase of a with the closest unused phase of b. On a cycle, distances
// wrap and b's phase is shifted by a whole cycle to sit nearest a's.
func nearestPairs(a, b []float64, cyclic bool) [][2]float64 {
	used := make([]bool, len(b))
	var out [][2]float64
	for _, x := range a {
		best, bi, by := math.Inf(1), -1, 0.0
		for i, y := range b {
			if used[i] {
				continue
			}
			if cyclic {
				y -= math.Round(y - x)
			}
			if d := math.Abs(x - y); d < best {
				best, bi, by = d, i, y
			}
		}
		if bi >= 0 {
			used[bi] = true
			out = append(out, [2]float64{x, by})
		}
	}
	return out
}
