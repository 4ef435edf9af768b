package fbx

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
)

// magic opens every binary FBX file; the version follows at offset 23 and records at 27.
const magic = "Kaydara FBX Binary  \x00\x1a\x00"

const (
	headerLen = 27
	// Versions whose binary layout this package knows: 32-bit record headers below 7500,
	// 64-bit from 7500 on.
	minVersion      = 3000 // FBX 5.x files (header version 3000) share the record layout
	minSceneVersion = 6000 // scenes before FBX 6 keep objects in another layout
	maxVersion      = 7700
	wideVersion     = 7500
)

// Parse reads an FBX file, binary or ASCII (see ParseASCII), into its node tree. It never panics and never allocates more
// than the limits allow: every length is checked against the bytes that remain before anything
// is allocated for it. Bytes after the last top-level record (the footer, or stray padding) are
// ignored. Errors are *FormatError values matching ErrNotFBX, ErrUnsupported,
// ErrTruncated, ErrMalformed or ErrLimit.
//
// The document does not alias data. Compressed arrays with identical bytes (every curve of a
// Mixamo clip stores the same KeyTime) share one decoded slice, so treat array values as
// read-only: copy before changing them in place. 'C' properties keep their stored byte
// (0/1, or 'T'/'Y' as the FBX SDK writes true; FBX 6 keys use it for characters).
func Parse(data []byte, lim Limits) (*Document, error) {
	return parse(data, lim, false)
}

// parse is Parse; with skipOrphans, the FBX 7 AnimationCurve objects that no connection
// mentions keep their own properties but not their records (Default, KeyTime, KeyValueFloat,
// ...), which are neither read nor inflated. Nothing in a scene can reach such a curve, and
// exporters write many: half of a Mixamo clip's curves, a quarter of its records.
func parse(data []byte, lim Limits, skipOrphans bool) (*Document, error) {
	if !bytes.HasPrefix(data, []byte(magic[:20])) && looksASCII(data) {
		return ParseASCII(data, lim)
	}
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxFileSize {
		return nil, errAt(0, ErrLimit, "file size %d bytes, limit %d", len(data), lim.MaxFileSize)
	}
	version, err := readHeader(data)
	if err != nil {
		return nil, err
	}
	p := &parser{data: data, lim: lim, wide: version >= wideVersion}
	if skipOrphans && version >= 7000 {
		p.connected = connectedIDs(data, p.wide)
	}
	nodes, err := p.topLevel()
	if err != nil {
		return nil, err
	}
	if err := inflateAll(p.jobs); err != nil {
		return nil, err
	}
	return &Document{Version: version, Nodes: nodes}, nil
}

// connectedIDs returns every id in the properties of the first top-level Connections record,
// found by hopping over the other top-level records without reading them. It returns nil, so
// that nothing is skipped, when the records do not chain up or Connections is absent or holds
// anything but scalar and string properties; the full parse then reports what is wrong.
func connectedIDs(data []byte, wide bool) map[int64]struct{} {
	hl := 13
	if wide {
		hl = 25
	}
	header := func(pos, limit int) (end, nprops, plen uint64, nameLen int, ok bool) {
		if limit-pos < hl {
			return 0, 0, 0, 0, false
		}
		if wide {
			end = binary.LittleEndian.Uint64(data[pos:])
			nprops = binary.LittleEndian.Uint64(data[pos+8:])
			plen = binary.LittleEndian.Uint64(data[pos+16:])
		} else {
			end = uint64(binary.LittleEndian.Uint32(data[pos:]))
			nprops = uint64(binary.LittleEndian.Uint32(data[pos+4:]))
			plen = uint64(binary.LittleEndian.Uint32(data[pos+8:]))
		}
		nameLen = int(data[pos+hl-1])
		if end == 0 { // the zero record that ends a list
			return 0, 0, 0, 0, false
		}
		if end > uint64(limit) || end < uint64(pos+hl+nameLen) || plen > end-uint64(pos+hl+nameLen) {
			return 0, 0, 0, 0, false
		}
		return end, nprops, plen, nameLen, true
	}
	for pos := headerLen; pos < len(data); {
		end, _, plen, nameLen, ok := header(pos, len(data))
		if !ok {
			return nil
		}
		if string(data[pos+hl:pos+hl+nameLen]) != "Connections" {
			pos = int(end)
			continue
		}
		ids := make(map[int64]struct{})
		for at := pos + hl + nameLen + int(plen); at < int(end); {
			cend, nprops, cplen, cname, ok := header(at, int(end))
			if !ok {
				break
			}
			q, stop := at+hl+cname, at+hl+cname+int(cplen)
			for i := uint64(0); i < nprops; i++ {
				if q >= stop {
					return nil
				}
				t := data[q]
				q++
				var size int
				switch t {
				case 'L', 'D':
					size = 8
				case 'I', 'F':
					size = 4
				case 'Y':
					size = 2
				case 'C':
					size = 1
				case 'S', 'R':
					if stop-q < 4 {
						return nil
					}
					size = 4 + int(binary.LittleEndian.Uint32(data[q:]))
				default:
					return nil
				}
				if size > stop-q {
					return nil
				}
				switch t {
				case 'L':
					ids[int64(binary.LittleEndian.Uint64(data[q:]))] = struct{}{}
				case 'I':
					ids[int64(int32(binary.LittleEndian.Uint32(data[q:])))] = struct{}{}
				}
				q += size
			}
			at = int(cend)
		}
		return ids
	}
	return nil
}

// orphanCurve reports whether n, an Objects entry whose properties are read, is an
// AnimationCurve no connection mentions.
func (p *parser) orphanCurve(n *Node) bool {
	if p.connected == nil || n.Name != "AnimationCurve" || len(n.Props) == 0 || n.Props[0].Type != 'L' {
		return false
	}
	_, ok := p.connected[n.Props[0].Int]
	return !ok
}

func readHeader(data []byte) (uint32, error) {
	if len(data) < headerLen {
		if len(data) > 0 && (bytes.HasPrefix([]byte(magic), data) || bytes.HasPrefix(data, []byte(magic[:20]))) {
			return 0, errAt(len(data), ErrTruncated, "file header: %d bytes, want %d", len(data), headerLen)
		}
		return 0, errAt(0, ErrNotFBX, "file header: %d bytes, want the %d-byte binary FBX header", len(data), headerLen)
	}
	if string(data[:len(magic)]) != magic {
		return 0, errAt(0, ErrNotFBX, "magic %q, want %q", data[:len(magic)], magic)
	}
	v := binary.LittleEndian.Uint32(data[23:])
	if v < minVersion || v > maxVersion {
		return 0, errAt(23, ErrUnsupported, "version %d, want %d to %d", v, minVersion, maxVersion)
	}
	return v, nil
}

// looksASCII recognises the text form: a ';' comment line or an FBXHeaderExtension record
// near the start.
func looksASCII(data []byte) bool {
	head := data[:min(len(data), 4096)]
	t := bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n")
	if bytes.HasPrefix(t, []byte(";")) {
		return true
	}
	return bytes.Contains(head, []byte("FBXHeaderExtension:"))
}

// parser holds the state of one Parse call: the input, the budgets left, and buffers that
// are reused across records so a file costs few allocations.
type parser struct {
	data []byte
	lim  Limits
	wide bool

	nodes    int
	props    int
	inflated int64

	names interner // names and short strings

	nodeSlab []Node
	propSlab []Prop
	ptrSlab  []*Node
	scratch  []*Node // children being collected, as a stack across nesting levels

	jobs []inflateJob

	top    string // name of the top-level record being read
	object *Node  // the Objects entry being read, or nil outside Objects
	record string // name of the record whose properties are being read

	connected map[int64]struct{} // ids connections mention, when orphan curves are skipped
}

func (p *parser) recordHeaderLen() int {
	if p.wide {
		return 25
	}
	return 13
}

func (p *parser) topLevel() ([]*Node, error) {
	pos := headerLen
	base := len(p.scratch)
	for pos < len(p.data) {
		n, next, err := p.node(pos, len(p.data), 1)
		if err != nil {
			return nil, err
		}
		pos = next
		if n == nil { // the zero record ends the list; the footer follows
			break
		}
		p.scratch = append(p.scratch, n)
	}
	out := p.children(base)
	return out, nil
}

// children moves the nodes collected since base out of the scratch stack.
func (p *parser) children(base int) []*Node {
	k := len(p.scratch) - base
	if k == 0 {
		return nil
	}
	if len(p.ptrSlab) < k {
		p.ptrSlab = make([]*Node, max(k, 256))
	}
	out := p.ptrSlab[:k:k]
	p.ptrSlab = p.ptrSlab[k:]
	copy(out, p.scratch[base:])
	clear(p.scratch[base:])
	p.scratch = p.scratch[:base]
	return out
}

// node reads the record at pos, which must end by limit. It returns nil for the zero record
// that closes a list, and the offset after the record.
func (p *parser) node(pos, limit, depth int) (*Node, int, error) {
	d := p.data
	hl := p.recordHeaderLen()
	if limit-pos < hl {
		return nil, 0, errAt(pos, ErrTruncated, "record header: %d bytes left, want %d", limit-pos, hl)
	}
	var end, nprops, plen uint64
	if p.wide {
		end = binary.LittleEndian.Uint64(d[pos:])
		nprops = binary.LittleEndian.Uint64(d[pos+8:])
		plen = binary.LittleEndian.Uint64(d[pos+16:])
	} else {
		end = uint64(binary.LittleEndian.Uint32(d[pos:]))
		nprops = uint64(binary.LittleEndian.Uint32(d[pos+4:]))
		plen = uint64(binary.LittleEndian.Uint32(d[pos+8:]))
	}
	nameLen := int(d[pos+hl-1])
	if end == 0 && nprops == 0 && plen == 0 && nameLen == 0 {
		return nil, pos + hl, nil
	}
	nameAt := pos + hl
	if end > uint64(limit) || end < uint64(nameAt+nameLen) {
		if end > uint64(len(d)) {
			return nil, 0, errAt(pos, ErrTruncated, "record end offset %d beyond the %d bytes of data", end, len(d))
		}
		return nil, 0, errAt(pos, ErrMalformed, "record end offset %d, want %d to %d", end, nameAt+nameLen, limit)
	}
	if depth > p.lim.MaxDepth {
		return nil, 0, errAt(pos, ErrLimit, "record nesting depth %d, limit %d", depth, p.lim.MaxDepth)
	}
	if p.nodes++; p.nodes > p.lim.MaxNodes {
		return nil, 0, errAt(pos, ErrLimit, "more than %d records", p.lim.MaxNodes)
	}
	iend := int(end)
	propAt := nameAt + nameLen
	if plen > uint64(iend-propAt) {
		return nil, 0, errAt(pos, ErrMalformed, "property list of %d bytes, record has %d left", plen, iend-propAt)
	}
	if nprops > plen {
		return nil, 0, errAt(pos, ErrMalformed, "%d properties in a %d-byte property list", nprops, plen)
	}
	if nprops > uint64(p.lim.MaxProps) {
		return nil, 0, errAt(pos, ErrLimit, "%d properties on one record, limit %d", nprops, p.lim.MaxProps)
	}
	if p.props += int(nprops); p.props > p.lim.MaxTotalProps {
		return nil, 0, errAt(pos, ErrLimit, "more than %d properties in the file", p.lim.MaxTotalProps)
	}
	n := p.newNode()
	n.Name = p.intern(d[nameAt:propAt])
	switch depth {
	case 1:
		p.top, p.object = n.Name, nil
	case 2:
		if p.top == "Objects" {
			p.object = n
		}
	}
	propEnd := propAt + int(plen)
	p.record = n.Name
	if nprops > 0 {
		n.Props = p.newProps(int(nprops))
		at := propAt
		for i := range n.Props {
			next, err := p.prop(&n.Props[i], at, propEnd)
			if err != nil {
				return nil, 0, err
			}
			at = next
		}
		if at != propEnd {
			return nil, 0, errAt(at, ErrMalformed, "record %q: properties end at %d, header says %d", n.Name, at, propEnd)
		}
	}
	if depth == 2 && p.object == n && p.orphanCurve(n) {
		return n, iend, nil
	}
	base := len(p.scratch)
	for at := propEnd; at < iend; {
		c, next, err := p.node(at, iend, depth+1)
		if err != nil {
			return nil, 0, err
		}
		if c == nil {
			break // bytes between the zero record and the end offset are ignored
		}
		p.scratch = append(p.scratch, c)
		at = next
	}
	n.Children = p.children(base)
	return n, iend, nil
}

func (p *parser) newNode() *Node {
	if len(p.nodeSlab) == 0 {
		p.nodeSlab = make([]Node, 128)
	}
	n := &p.nodeSlab[0]
	p.nodeSlab = p.nodeSlab[1:]
	return n
}

// newProps hands out k properties from a shared slab, capped so that appending to one
// record's properties never overwrites its neighbour's.
func (p *parser) newProps(k int) []Prop {
	if k > 64 {
		return make([]Prop, k)
	}
	if len(p.propSlab) < k {
		p.propSlab = make([]Prop, 512)
	}
	out := p.propSlab[:k:k]
	p.propSlab = p.propSlab[k:]
	return out
}

const maxInterned = 4096

// interner hands out one string per distinct record name or short value, so a file of
// thousands of records holds each "P" or "KeyTime" once; binary and ASCII parsers share it.
type interner map[string]string

func (in *interner) intern(b []byte) string {
	if s, ok := (*in)[string(b)]; ok {
		return s
	}
	s := string(b)
	if *in == nil {
		*in = make(map[string]string, 256)
	}
	if len(*in) < maxInterned {
		(*in)[s] = s
	}
	return s
}

func (p *parser) intern(b []byte) string { return p.names.intern(b) }

// prop reads one property at pos into dst and returns the offset after it.
func (p *parser) prop(dst *Prop, pos, end int) (int, error) {
	d := p.data
	if pos >= end {
		return 0, errAt(pos, ErrTruncated, "property type code: property list ended")
	}
	t := d[pos]
	dst.Type = t
	at := pos + 1
	need := func(k int) error {
		if end-at < k {
			return errAt(pos, ErrTruncated, "property %q: %d bytes left, want %d", t, end-at, k)
		}
		return nil
	}
	switch t {
	case 'Y':
		if err := need(2); err != nil {
			return 0, err
		}
		dst.Int = int64(int16(binary.LittleEndian.Uint16(d[at:])))
		return at + 2, nil
	case 'C':
		if err := need(1); err != nil {
			return 0, err
		}
		// Kept as stored: writers put 0/1 here, but FBX 6 animation keys use it for
		// characters ('U' cubic, 'L' linear, 'C' constant, ...).
		dst.Int = int64(d[at])
		return at + 1, nil
	case 'I':
		if err := need(4); err != nil {
			return 0, err
		}
		dst.Int = int64(int32(binary.LittleEndian.Uint32(d[at:])))
		return at + 4, nil
	case 'F':
		if err := need(4); err != nil {
			return 0, err
		}
		dst.Float = float64(math.Float32frombits(binary.LittleEndian.Uint32(d[at:])))
		return at + 4, nil
	case 'D':
		if err := need(8); err != nil {
			return 0, err
		}
		dst.Float = math.Float64frombits(binary.LittleEndian.Uint64(d[at:]))
		return at + 8, nil
	case 'L':
		if err := need(8); err != nil {
			return 0, err
		}
		dst.Int = int64(binary.LittleEndian.Uint64(d[at:]))
		return at + 8, nil
	case 'S', 'R':
		if err := need(4); err != nil {
			return 0, err
		}
		n := uint64(binary.LittleEndian.Uint32(d[at:]))
		at += 4
		if n > uint64(p.lim.MaxString) {
			return 0, errAt(pos, ErrLimit, "property %q: length %d, limit %d", t, n, p.lim.MaxString)
		}
		if n > uint64(end-at) {
			return 0, errAt(pos, ErrTruncated, "property %q: length %d, %d bytes left", t, n, end-at)
		}
		b := d[at : at+int(n)]
		if t == 'R' {
			dst.Bytes = append([]byte(nil), b...)
		} else if len(b) <= 40 {
			dst.String = p.intern(b)
		} else {
			dst.String = string(b)
		}
		return at + int(n), nil
	case 'f', 'd', 'l', 'i', 'b':
		return p.array(dst, pos, end)
	}
	return 0, errAt(pos, ErrMalformed, "property type code 0x%02x, want one of YCIFDLSRfdlib", t)
}

func elemSize(t byte) int {
	switch t {
	case 'd', 'l':
		return 8
	case 'f', 'i':
		return 4
	}
	return 1
}

// array reads an array property: count, encoding, byte length, then raw or zlib payload.
func (p *parser) array(dst *Prop, pos, end int) (int, error) {
	d := p.data
	t := d[pos]
	at := pos + 1
	if end-at < 12 {
		return 0, errAt(pos, ErrTruncated, "array %q header: %d bytes left, want 12", t, end-at)
	}
	count := uint64(binary.LittleEndian.Uint32(d[at:]))
	enc := binary.LittleEndian.Uint32(d[at+4:])
	clen := uint64(binary.LittleEndian.Uint32(d[at+8:]))
	at += 12
	if count > uint64(p.lim.MaxArrayLen) {
		return 0, errAt(pos, ErrLimit, "array %q: %d elements, limit %d", t, count, p.lim.MaxArrayLen)
	}
	if clen > uint64(end-at) {
		return 0, errAt(pos, ErrTruncated, "array %q: payload of %d bytes, %d left", t, clen, end-at)
	}
	payload := d[at : at+int(clen)]
	nbytes := count * uint64(elemSize(t))
	var raw []byte
	switch enc {
	case 0:
		if clen != nbytes {
			return 0, errAt(pos, ErrMalformed, "array %q: %d elements in %d bytes, want %d", t, count, clen, nbytes)
		}
		raw = payload
	case 1:
		if nbytes > clen*uint64(p.lim.MaxRatio) {
			return 0, errAt(pos, ErrLimit, "array %q: %d bytes claimed from %d compressed, ratio limit %d",
				t, nbytes, clen, p.lim.MaxRatio)
		}
		if p.inflated+int64(nbytes) > p.lim.MaxDecompressed {
			return 0, errAt(pos, ErrLimit, "decompressed arrays exceed %d bytes", p.lim.MaxDecompressed)
		}
		p.inflated += int64(nbytes)
		// Inflated after the walk, when every array is known, so identical payloads inflate
		// once and the rest spread over the CPUs.
		job := inflateJob{dst: dst, t: t, count: int(count), payload: payload, off: pos, record: p.record}
		if p.object != nil && len(p.object.Props) >= 2 && p.object.Props[1].Type == 'S' {
			job.owner = p.object.Name + " " + strconv.Quote(objectName(p.object.Props[1].String))
		}
		p.jobs = append(p.jobs, job)
		return at + int(clen), nil
	default:
		return 0, errAt(pos, ErrUnsupported, "array %q: encoding %d, want 0 (raw) or 1 (zlib)", t, enc)
	}
	decodeArray(dst, t, int(count), raw)
	return at + int(clen), nil
}

func decodeArray(dst *Prop, t byte, n int, raw []byte) {
	le := binary.LittleEndian
	switch t {
	case 'f':
		s := make([]float32, n)
		for i := range s {
			s[i] = math.Float32frombits(le.Uint32(raw[i*4:]))
		}
		dst.F32s = s
	case 'd':
		s := make([]float64, n)
		for i := range s {
			s[i] = math.Float64frombits(le.Uint64(raw[i*8:]))
		}
		dst.F64s = s
	case 'i':
		s := make([]int32, n)
		for i := range s {
			s[i] = int32(le.Uint32(raw[i*4:]))
		}
		dst.I32s = s
	case 'l':
		s := make([]int64, n)
		for i := range s {
			s[i] = int64(le.Uint64(raw[i*8:]))
		}
		dst.I64s = s
	case 'b':
		s := make([]bool, n)
		for i := range s {
			s[i] = raw[i] != 0
		}
		dst.Bools = s
	}
}
