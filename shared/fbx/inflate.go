package fbx

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/klauspost/compress/zlib"
	"hash/maphash"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// inflateJob is one zlib array found by the record walk, whose limits are already checked.
type inflateJob struct {
	dst     *Prop
	t       byte
	count   int
	payload []byte
	off     int    // offset of the property, for errors
	record  string // the array's record, e.g. KeyValueFloat, for errors
	owner   string // the object holding it, e.g. `AnimationCurve "mixamorig:Hips"`, or ""

	same int // index of an earlier job with identical bytes, or -1
	err  error
}

// Work below this many compressed bytes is not worth a goroutine.
const parallelInflateMin = 64 << 10

// inflateAll decompresses every job. Exporters repeat arrays (every curve of a clip has the
// same KeyTime), so identical payloads inflate once and share the decoded values; the rest
// are spread over up to GOMAXPROCS workers, each with its own reused zlib reader and buffer.
func inflateAll(jobs []inflateJob) error {
	if len(jobs) == 0 {
		return nil
	}
	seed := maphash.MakeSeed()
	seen := make(map[uint64]int, len(jobs))
	unique := make([]int, 0, len(jobs))
	total := 0
	for i := range jobs {
		j := &jobs[i]
		j.same = -1
		h := maphash.Bytes(seed, j.payload)
		if k, ok := seen[h]; ok {
			o := &jobs[k]
			if o.t == j.t && o.count == j.count && bytes.Equal(o.payload, j.payload) {
				j.same = k
				continue
			}
		} else {
			seen[h] = i
		}
		unique = append(unique, i)
		total += len(j.payload)
	}

	workers := min(runtime.GOMAXPROCS(0), len(unique), 8)
	if total < parallelInflateMin {
		workers = 1
	}
	var next atomic.Int64
	run := func() {
		var in inflater
		for {
			k := int(next.Add(1) - 1)
			if k >= len(unique) {
				return
			}
			j := &jobs[unique[k]]
			raw, err := in.inflate(j.payload, j.count*elemSize(j.t))
			if err != nil {
				j.err = err
				continue
			}
			decodeArray(j.dst, j.t, j.count, raw)
		}
	}
	if workers <= 1 {
		run()
	} else {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(run)
		}
		wg.Wait()
	}

	// Report the first bad array in file order, whichever worker met it.
	for i := range jobs {
		if j := &jobs[i]; j.err != nil {
			where := j.record
			if j.owner != "" {
				where += " of " + j.owner
			}
			// A damaged array is never guessed at: a curve that decodes to plausible values
			// from a corrupt stream would pass as a valid clip.
			return errAt(j.off, ErrMalformed, "array %s (%q, %d elements): zlib payload of %d bytes is damaged: %v",
				where, j.t, j.count, len(j.payload), j.err)
		}
	}
	for i := range jobs {
		if j := &jobs[i]; j.same >= 0 {
			shareArray(j.dst, jobs[j.same].dst)
		}
	}
	return nil
}

// inflater decompresses zlib streams into one growing buffer, reusing its reader.
type inflater struct {
	zr  io.ReadCloser
	br  bytes.Reader
	buf []byte
}

// inflate decompresses exactly n bytes; the result is valid until the next call.
func (in *inflater) inflate(payload []byte, n int) ([]byte, error) {
	in.br.Reset(payload)
	if in.zr == nil {
		zr, err := zlib.NewReader(&in.br)
		if err != nil {
			return nil, err
		}
		in.zr = zr
	} else if err := in.zr.(zlib.Resetter).Reset(&in.br, nil); err != nil {
		return nil, err
	}
	if cap(in.buf) < n {
		in.buf = make([]byte, n)
	}
	buf := in.buf[:n]
	// Reading into a buffer of the declared size is what caps the output.
	if _, err := io.ReadFull(in.zr, buf); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("inflates to fewer than the %d bytes its element count needs", n)
		}
		return nil, err
	}
	// Read on to the end of the stream, where zlib checks its Adler-32: stopping at the
	// declared size would take a stream damaged after its first blocks, or one that holds
	// more than it should, as whole.
	var extra [1]byte
	for {
		k, err := in.zr.Read(extra[:])
		if k > 0 {
			return nil, fmt.Errorf("inflates to more than the %d bytes its element count needs", n)
		}
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// shareArray points dst at src's values. Capacity is cut to the length so that an append to
// one property reallocates instead of writing into the other.
func shareArray(dst, src *Prop) {
	switch dst.Type {
	case 'f':
		dst.F32s = src.F32s[:len(src.F32s):len(src.F32s)]
	case 'd':
		dst.F64s = src.F64s[:len(src.F64s):len(src.F64s)]
	case 'i':
		dst.I32s = src.I32s[:len(src.I32s):len(src.I32s)]
	case 'l':
		dst.I64s = src.I64s[:len(src.I64s):len(src.I64s)]
	case 'b':
		dst.Bools = src.Bools[:len(src.Bools):len(src.Bools)]
	}
}
