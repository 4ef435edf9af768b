package gltf

import (
	"fmt"
	"math"

	gltfdoc "github.com/qmuntal/gltf"
	gltfbin "github.com/qmuntal/gltf/binary"
)

// accessorSpec says what an accessor must hold for the use it is read for.
type accessorSpec struct {
	types      []gltfdoc.AccessorType
	normalized bool // normalised integer components are allowed (KHR_mesh_quantization rotations)
}

// readFloats returns accessor i as count×components float64 values, after checking every
// offset and length against its buffer view and buffer, so nothing is read or allocated out
// of bounds.
func (d *decoder) readFloats(i int, path string, spec accessorSpec) (vals []float64, count, comps int, err error) {
	if i < 0 || i >= len(d.doc.Accessors) || d.doc.Accessors[i] == nil {
		return nil, 0, 0, errAt(ErrReference, path, fmt.Sprintf("an accessor index below %d", len(d.doc.Accessors)), fmt.Sprint(i))
	}
	acc := d.doc.Accessors[i]
	apath := fmt.Sprintf("accessors[%d]", i)
	typeOK := false
	for _, t := range spec.types {
		typeOK = typeOK || acc.Type == t
	}
	if !typeOK {
		return nil, 0, 0, errAt(ErrValue, apath+".type", fmt.Sprintf("%v for %s", spec.types, path), acc.Type.String())
	}
	ct := acc.ComponentType
	switch {
	case ct == gltfdoc.ComponentFloat:
	case spec.normalized && acc.Normalized && (ct == gltfdoc.ComponentByte || ct == gltfdoc.ComponentUbyte ||
		ct == gltfdoc.ComponentShort || ct == gltfdoc.ComponentUshort):
	default:
		want := "FLOAT"
		if spec.normalized {
			want = "FLOAT or a normalised BYTE/UNSIGNED_BYTE/SHORT/UNSIGNED_SHORT"
		}
		return nil, 0, 0, errAt(ErrValue, apath+".componentType", want, fmt.Sprintf("%v (normalized %v)", ct, acc.Normalized))
	}
	count = acc.Count
	if count < 1 || !within(int64(count), int64(d.lim.MaxAccessorElements)) {
		return nil, 0, 0, errAt(ErrLimit, apath+".count", fmt.Sprintf("1 to %d elements", d.lim.MaxAccessorElements), fmt.Sprint(count))
	}
	comps = acc.Type.Components()
	csize := ct.ByteSize()
	elem := comps * csize
	// Matrices of 1- and 2-byte components are column-padded; animation and skin data are
	// never such matrices, so the plain element size is exact here.
	if acc.BufferView == nil {
		// The specification defines an accessor without a buffer view as zeros (before any
		// sparse substitution). Nothing in the file backs its count, so it may not exceed the
		// file's size even without limits.
		if count > d.size {
			return nil, 0, 0, errAt(ErrLimit, apath+".count", fmt.Sprintf("at most %d zero elements (the file size)", d.size), fmt.Sprint(count))
		}
		vals = make([]float64, count*comps)
	} else {
		view, err := d.bufferView(*acc.BufferView, apath+".bufferView")
		if err != nil {
			return nil, 0, 0, err
		}
		stride := elem
		if s := d.doc.BufferViews[*acc.BufferView].ByteStride; s != 0 {
			if s < elem || s > 252 {
				return nil, 0, 0, errAt(ErrValue, fmt.Sprintf("bufferViews[%d].byteStride", *acc.BufferView), fmt.Sprintf("%d to 252", elem), fmt.Sprint(s))
			}
			stride = s
		}
		src, err := extent(view, acc.ByteOffset, count, elem, stride, csize, apath)
		if err != nil {
			return nil, 0, 0, err
		}
		vals = make([]float64, count*comps)
		for e := 0; e < count; e++ {
			b := src[e*stride:]
			for c := 0; c < comps; c++ {
				vals[e*comps+c] = component(ct, b[c*csize:])
			}
		}
	}
	if acc.Sparse != nil {
		if err := d.applySparse(acc, apath+".sparse", vals, comps, elem); err != nil {
			return nil, 0, 0, err
		}
	}
	for k, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, 0, errAt(ErrValue, apath, "finite values", fmt.Sprintf("%v at element %d", v, k/comps))
		}
	}
	return vals, count, comps, nil
}

// component decodes one component; integer types are the normalised ones of the specification.
func component(ct gltfdoc.ComponentType, b []byte) float64 {
	switch ct {
	case gltfdoc.ComponentByte:
		return math.Max(float64(gltfbin.Byte.Scalar(b))/127, -1)
	case gltfdoc.ComponentUbyte:
		return float64(gltfbin.Ubyte.Scalar(b)) / 255
	case gltfdoc.ComponentShort:
		return math.Max(float64(gltfbin.Short.Scalar(b))/32767, -1)
	case gltfdoc.ComponentUshort:
		return float64(gltfbin.Ushort.Scalar(b)) / 65535
	}
	return float64(gltfbin.Float.Scalar(b))
}

// bufferView returns the bytes of view i, checked against its buffer.
func (d *decoder) bufferView(i int, path string) ([]byte, error) {
	if i < 0 || i >= len(d.doc.BufferViews) || d.doc.BufferViews[i] == nil {
		return nil, errAt(ErrReference, path, fmt.Sprintf("a bufferView index below %d", len(d.doc.BufferViews)), fmt.Sprint(i))
	}
	bv := d.doc.BufferViews[i]
	vpath := fmt.Sprintf("bufferViews[%d]", i)
	buf, err := d.buffer(bv.Buffer)
	if err != nil {
		return nil, err
	}
	if bv.ByteOffset < 0 || bv.ByteLength < 1 || bv.ByteOffset > len(buf) || bv.ByteLength > len(buf)-bv.ByteOffset {
		return nil, errAt(ErrBounds, vpath, fmt.Sprintf("a range inside the %d bytes of buffer %d", len(buf), bv.Buffer),
			fmt.Sprintf("offset %d length %d", bv.ByteOffset, bv.ByteLength))
	}
	return buf[bv.ByteOffset : bv.ByteOffset+bv.ByteLength], nil
}

// extent checks that count elements of elem bytes, stride apart from offset, lie inside view,
// in a form that cannot overflow whatever the limits, and returns the view from offset.
func extent(view []byte, offset, count, elem, stride, align int, path string) ([]byte, error) {
	if offset < 0 || offset%align != 0 {
		return nil, errAt(ErrValue, path+".byteOffset", fmt.Sprintf("a non-negative multiple of %d", align), fmt.Sprint(offset))
	}
	avail := int64(len(view)) - int64(offset) - int64(elem)
	if avail < 0 || int64(count-1) > avail/int64(stride) {
		return nil, errAt(ErrBounds, path, fmt.Sprintf("an extent inside the %d bytes of its buffer view", len(view)),
			fmt.Sprintf("offset %d, count %d, stride %d", offset, count, stride))
	}
	return view[offset:], nil
}

// applySparse substitutes an accessor's sparse elements into vals.
func (d *decoder) applySparse(acc *gltfdoc.Accessor, path string, vals []float64, comps, elem int) error {
	sp := acc.Sparse
	if sp.Count < 1 || sp.Count > acc.Count {
		return errAt(ErrValue, path+".count", fmt.Sprintf("1 to %d", acc.Count), fmt.Sprint(sp.Count))
	}
	ict := sp.Indices.ComponentType
	if ict != gltfdoc.ComponentUbyte && ict != gltfdoc.ComponentUshort && ict != gltfdoc.ComponentUint {
		return errAt(ErrValue, path+".indices.componentType", "UNSIGNED_BYTE, UNSIGNED_SHORT or UNSIGNED_INT", ict.String())
	}
	iview, err := d.bufferView(sp.Indices.BufferView, path+".indices.bufferView")
	if err != nil {
		return err
	}
	isize := ict.ByteSize()
	idx, err := extent(iview, sp.Indices.ByteOffset, sp.Count, isize, isize, isize, path+".indices")
	if err != nil {
		return err
	}
	vview, err := d.bufferView(sp.Values.BufferView, path+".values.bufferView")
	if err != nil {
		return err
	}
	csize := acc.ComponentType.ByteSize()
	src, err := extent(vview, sp.Values.ByteOffset, sp.Count, elem, elem, csize, path+".values")
	if err != nil {
		return err
	}
	prev := -1
	for k := 0; k < sp.Count; k++ {
		var i int
		switch ict {
		case gltfdoc.ComponentUbyte:
			i = int(gltfbin.Ubyte.Scalar(idx[k:]))
		case gltfdoc.ComponentUshort:
			i = int(gltfbin.Ushort.Scalar(idx[2*k:]))
		default:
			i = int(gltfbin.Uint.Scalar(idx[4*k:]))
		}
		if i <= prev || i >= acc.Count {
			return errAt(ErrValue, path+".indices", fmt.Sprintf("strictly increasing indices below %d", acc.Count), fmt.Sprintf("%d after %d", i, prev))
		}
		prev = i
		for c := 0; c < comps; c++ {
			vals[i*comps+c] = component(acc.ComponentType, src[k*elem+c*csize:])
		}
	}
	return nil
}
