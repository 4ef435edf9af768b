package compress

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// timeList is one list of key frames and the tracks that key it.
type timeList struct {
	frames []int
	set    []uint64 // frames as a bit set
	users  []trackRef
	// value is what one more key costs over every user.
	value int
}

type trackRef struct {
	joint int
	track byte
}

// share merges key time lists where the bytes saved by one list fewer exceed those of the
// keys its tracks take on: two tracks that each drop a different frame or two cost two lists,
// and both keying the union costs one. Merges are greedy, largest saving first, and each is
// kept only if the reconstructed clip still meets bound (it holds the clip's own values at
// the frames added, so it nearly always does).
func (m *measure) share(k *anim.Keys, cost TimeLists, bound, e float64, wj, wf int) (*anim.Keys, float64, int, int) {
	frames := m.c.Frames
	words := (frames + 63) / 64
	var lists []*timeList
	byKey := map[string]*timeList{}
	add := func(j int, track byte, fs []int) {
		vb := cost.ValueBytes(j, track)
		if vb <= 0 {
			return
		}
		key := fmt.Sprint(fs)
		l := byKey[key]
		if l == nil {
			l = &timeList{frames: fs, set: bitset(fs, words)}
			byKey[key] = l
			lists = append(lists, l)
		}
		l.users = append(l.users, trackRef{j, track})
		l.value += vb
	}
	for j := 0; j < m.c.NumJoints; j++ {
		add(j, 'T', anim.KeyFrames(k.T, j, frames))
		add(j, 'R', anim.KeyFrames(k.R, j, frames))
		add(j, 'S', anim.KeyFrames(k.S, j, frames))
	}
	if k.T == nil || k.R == nil || k.S == nil {
		return k, e, wj, wf
	}
	cur := &anim.Keys{T: slices.Clone(k.T), R: slices.Clone(k.R), S: slices.Clone(k.S)}
	set := func(keys *anim.Keys, u trackRef, fs []int) {
		switch u.track {
		case 'T':
			keys.T[u.joint] = fs
		case 'R':
			keys.R[u.joint] = fs
		default:
			keys.S[u.joint] = fs
		}
	}
	// refused holds pairs whose merge broke the bound, not to be tried again.
	refused := map[[2]*timeList]bool{}
	union := make([]uint64, words)
	for {
		bestGain, bi, bj := 0, -1, -1
		for a := range lists {
			for b := a + 1; b < len(lists); b++ {
				la, lb := lists[a], lists[b]
				if refused[[2]*timeList{la, lb}] {
					continue
				}
				n := 0
				for w := range union {
					n += bits.OnesCount64(la.set[w] | lb.set[w])
				}
				na, nb := len(la.frames), len(lb.frames)
				// One list fewer, the times of both replaced by those of the union, and
				// every user keys the union.
				gain := cost.ListBytes + cost.TimeBytes*(na+nb-n) - la.value*(n-na) - lb.value*(n-nb)
				if gain > bestGain {
					bestGain, bi, bj = gain, a, b
				}
			}
		}
		if bi < 0 {
			return cur, e, wj, wf
		}
		la, lb := lists[bi], lists[bj]
		for w := range union {
			union[w] = la.set[w] | lb.set[w]
		}
		fs := frameList(union, frames)
		next := &anim.Keys{T: slices.Clone(cur.T), R: slices.Clone(cur.R), S: slices.Clone(cur.S)}
		for _, u := range append(slices.Clone(la.users), lb.users...) {
			set(next, u, fs)
		}
		ne, nj, nf := m.run(next)
		if ne > bound {
			refused[[2]*timeList{la, lb}] = true
			continue
		}
		cur, e, wj, wf = next, ne, nj, nf
		merged := &timeList{frames: fs, set: slices.Clone(union), users: append(la.users, lb.users...), value: la.value + lb.value}
		lists = slices.Delete(lists, bj, bj+1) // bj > bi
		lists = slices.Delete(lists, bi, bi+1)
		lists = append(lists, merged)
	}
}

func bitset(frames []int, words int) []uint64 {
	s := make([]uint64, words)
	for _, f := range frames {
		s[f/64] |= 1 << (f % 64)
	}
	return s
}

func frameList(set []uint64, frames int) []int {
	out := make([]int, 0, frames)
	for f := 0; f < frames; f++ {
		if set[f/64]&(1<<(f%64)) != 0 {
			out = append(out, f)
		}
	}
	return out
}
