package fbx

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// ParseASCII reads an ASCII FBX file (FBX 6100 to 7700, as the FBX SDK and Mixamo's "FBX
// ASCII" download write it) into the same node tree Parse builds from binary, so one scene
// layer serves both forms.
//
// Text carries no property types, so they are restored as the binary form has them: object
// ids, connection ends and KTimes are 64-bit integers ('L'), P-record values take the type
// their type name says ("int", "enum" and "bool" are 'I', "KTime" 'L', the rest 'D'), other
// integers are 'I' when they fit, and arrays take the element type of the binary array of
// that name (KeyTime 'l', KeyValueFloat 'f', index arrays 'i', the rest 'd'). KeyAttrDataFloat
// holds the bit patterns of its floats as integers, as the FBX SDK prints it. Object names
// "Class::Name" become the binary "Name\x00\x01Class". Unquoted letters (FBX 6 key modes,
// "Shading: T") are 'C'.
//
// The same Limits as Parse apply, and every error is a *FormatError with the line and column
// where the text went wrong.
func ParseASCII(data []byte, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxFileSize {
		return nil, errAt(0, ErrLimit, "file size %d bytes, limit %d", len(data), lim.MaxFileSize)
	}
	p := &asciiParser{data: data, lim: lim, line: 1}
	p.version = headerVersion(data)
	nodes, err := p.nodes(1, nil)
	if err != nil {
		return nil, err
	}
	if p.version == 0 {
		return nil, p.errAtLine(0, 1, 1, ErrMalformed, "no FBX version: neither a \"; FBX 7.4.0 project file\" line nor FBXHeaderExtension.FBXVersion")
	}
	if p.version < minSceneVersion || p.version > maxVersion {
		return nil, p.errAtLine(0, 1, 1, ErrUnsupported, "version %d, want %d to %d", p.version, minSceneVersion, maxVersion)
	}
	return &Document{Version: p.version, Nodes: nodes}, nil
}

// headerVersion reads the version from the "; FBX 7.4.0 project file" comment the FBX SDK
// writes first, or 0. FBXHeaderExtension.FBXVersion, when present, overrides it.
func headerVersion(data []byte) uint32 {
	line := data[:min(len(data), 256)]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimLeft(line, "\xef\xbb\xbf \t")
	rest, ok := bytes.CutPrefix(line, []byte("; FBX "))
	if !ok {
		return 0
	}
	var v [3]uint32
	part := 0
	for _, c := range rest {
		switch {
		case c >= '0' && c <= '9' && v[part] < 100:
			v[part] = v[part]*10 + uint32(c-'0')
		case c == '.' && part < 2:
			part++
		default:
			if part < 1 {
				return 0
			}
			return v[0]*1000 + v[1]*100 + v[2]*10
		}
	}
	return 0
}

type asciiParser struct {
	data      []byte
	pos       int
	line      int
	lineStart int
	lim       Limits
	version   uint32

	count, props int
	names        interner
	raw          []rawToken // property tokens of the record being read, reused
	keyVer       int64      // the last FBX 6 KeyVer read
	keyTimes     []bool     // which tokens of an FBX 6 Key record are key times
}

type tokenKind uint8

const (
	tokString tokenKind = iota + 1
	tokInt
	tokFloat
	tokLetter
	tokWord
)

// rawToken is one property as written, typed once the whole record's properties are known.
type rawToken struct {
	kind       tokenKind
	start, end int // the token's bytes; a string's without its quotes
	line, col  int
}

func (p *asciiParser) errHere(sentinel error, format string, args ...any) *FormatError {
	return p.errAtLine(p.pos, p.line, p.pos-p.lineStart+1, sentinel, format, args...)
}

func (p *asciiParser) errAtLine(off, line, col int, sentinel error, format string, args ...any) *FormatError {
	e := errAt(off, sentinel, format, args...)
	e.Line, e.Column = line, col
	return e
}

// space skips blanks, line ends and ';' comments.
func (p *asciiParser) space() {
	d := p.data
	for p.pos < len(d) {
		switch c := d[p.pos]; c {
		case '\n':
			p.pos++
			p.line++
			p.lineStart = p.pos
		case ' ', '\t', '\r', '\v', '\f':
			p.pos++
		case ';':
			for p.pos < len(d) && d[p.pos] != '\n' {
				p.pos++
			}
		case 0xef: // a UTF-8 byte order mark
			if p.pos == 0 && bytes.HasPrefix(d, []byte("\xef\xbb\xbf")) {
				p.pos += 3
				p.lineStart = p.pos
				continue
			}
			return
		default:
			return
		}
	}
}

func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '|' || c == '-' || c == '.'
}

// nodes reads records until the end of the data (depth 1) or the '}' that closes parent.
func (p *asciiParser) nodes(depth int, parent *Node) ([]*Node, error) {
	var out []*Node
	openLine := p.line
	for {
		p.space()
		if p.pos >= len(p.data) {
			if parent != nil {
				return nil, p.errHere(ErrTruncated, "record %q opened on line %d: the text ends before its '}'", parent.Name, openLine)
			}
			return out, nil
		}
		if p.data[p.pos] == '}' {
			if parent == nil {
				return nil, p.errHere(ErrMalformed, "'}' closes no record")
			}
			p.pos++
			return out, nil
		}
		n, err := p.node(depth, parent)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
}

// node reads one record: "Name:", its properties separated by commas, then an optional
// block of children or, for an array, "*count { a: values }".
func (p *asciiParser) node(depth int, parent *Node) (*Node, error) {
	d := p.data
	start, line, col := p.pos, p.line, p.pos-p.lineStart+1
	for p.pos < len(d) && wordByte(d[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return nil, p.errHere(ErrMalformed, "want a record name, found %q", quoteByte(d[p.pos]))
	}
	if p.pos >= len(d) || d[p.pos] != ':' {
		return nil, p.errAtLine(start, line, col, ErrMalformed, "record name %q is not followed by ':'", d[start:p.pos])
	}
	if depth > p.lim.MaxDepth {
		return nil, p.errAtLine(start, line, col, ErrLimit, "record nesting depth %d, limit %d", depth, p.lim.MaxDepth)
	}
	if p.count++; p.count > p.lim.MaxNodes {
		return nil, p.errAtLine(start, line, col, ErrLimit, "more than %d records", p.lim.MaxNodes)
	}
	n := &Node{Name: p.intern(d[start:p.pos])}
	p.pos++ // ':'

	p.raw = p.raw[:0]
	for first := true; ; first = false {
		p.space()
		if p.pos >= len(d) {
			break
		}
		c := d[p.pos]
		if first && c == ',' { // "Content: , ..." as the FBX SDK writes embedded media
			p.pos++
			continue
		}
		if c == '*' {
			if len(p.raw) > 0 {
				return nil, p.errHere(ErrMalformed, "record %q: an array after other properties", n.Name)
			}
			if err := p.array(n, parent); err != nil {
				return nil, err
			}
			return n, p.setVersion(n, parent)
		}
		tok, ok, err := p.value(n.Name)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if len(p.raw) >= p.lim.MaxProps {
			return nil, p.errAtLine(tok.start, tok.line, tok.col, ErrLimit, "more than %d properties on record %q", p.lim.MaxProps, n.Name)
		}
		if p.props++; p.props > p.lim.MaxTotalProps {
			return nil, p.errAtLine(tok.start, tok.line, tok.col, ErrLimit, "more than %d properties in the file", p.lim.MaxTotalProps)
		}
		p.raw = append(p.raw, tok)
		p.space()
		if p.pos < len(d) && d[p.pos] == ',' {
			p.pos++
			continue
		}
		break
	}
	if n.Name == "Key" {
		p.keyTimes = takeKeyTimes(p.raw, p.data, p.keyVer, p.keyTimes)
	}
	if len(p.raw) > 0 {
		n.Props = make([]Prop, len(p.raw))
		for i := range p.raw {
			if err := p.typed(&n.Props[i], n, parent, depth, i); err != nil {
				return nil, err
			}
		}
	}
	if err := p.setVersion(n, parent); err != nil {
		return nil, err
	}
	if n.Name == "KeyVer" && len(n.Props) == 1 && n.Props[0].Type == 'I' {
		p.keyVer = n.Props[0].Int
	}
	if p.pos < len(d) && d[p.pos] == '{' {
		p.pos++
		kids, err := p.nodes(depth+1, n)
		if err != nil {
			return nil, err
		}
		n.Children = kids
	}
	return n, nil
}

// setVersion takes the version from FBXHeaderExtension.FBXVersion, which precedes the
// objects whose names depend on it.
func (p *asciiParser) setVersion(n, parent *Node) error {
	if parent == nil || parent.Name != "FBXHeaderExtension" || n.Name != "FBXVersion" || len(n.Props) == 0 {
		return nil
	}
	v, ok := number(n.Props[0])
	if !ok || v < 0 || v > math.MaxUint32 {
		return p.errHere(ErrMalformed, "FBXVersion %v is not a version number", n.Props[0])
	}
	p.version = uint32(v)
	return nil
}

// value scans one property token. ok is false when the next token begins another record or
// closes a block, so the record has no more properties.
func (p *asciiParser) value(record string) (rawToken, bool, error) {
	d := p.data
	tok := rawToken{start: p.pos, line: p.line, col: p.pos - p.lineStart + 1}
	c := d[p.pos]
	switch {
	case c == '"':
		p.pos++
		end := bytes.IndexByte(d[p.pos:], '"')
		if end < 0 {
			return tok, false, p.errAtLine(tok.start, tok.line, tok.col, ErrTruncated, "record %q: string not closed", record)
		}
		if end > p.lim.MaxString {
			return tok, false, p.errAtLine(tok.start, tok.line, tok.col, ErrLimit, "record %q: string of %d bytes, limit %d", record, end, p.lim.MaxString)
		}
		for _, b := range d[p.pos : p.pos+end] {
			if b == '\n' {
				p.line++
			}
		}
		if nl := bytes.LastIndexByte(d[p.pos:p.pos+end], '\n'); nl >= 0 {
			p.lineStart = p.pos + nl + 1
		}
		tok.kind, tok.start, tok.end = tokString, p.pos, p.pos+end
		p.pos += end + 1
		return tok, true, nil
	case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
		kind, end := scanNumber(d, p.pos)
		if kind != 0 && end < len(d) && wordByte(d[end]) {
			for end < len(d) && wordByte(d[end]) {
				end++
			}
			kind = 0
		}
		if kind == 0 {
			return tok, false, p.errAtLine(tok.start, tok.line, tok.col, ErrMalformed, "record %q: %q is not a number", record, d[p.pos:end])
		}
		tok.kind, tok.end = kind, end
		p.pos = end
		return tok, true, nil
	case wordByte(c):
		end := p.pos
		for end < len(d) && wordByte(d[end]) {
			end++
		}
		if end < len(d) && d[end] == ':' {
			return tok, false, nil // the next record's name
		}
		tok.end = end
		switch w := string(d[p.pos:end]); {
		case end-p.pos == 1:
			tok.kind = tokLetter
		case strings.EqualFold(w, "nan") || strings.EqualFold(w, "inf"):
			tok.kind = tokFloat
		default:
			tok.kind = tokWord
		}
		p.pos = end
		return tok, true, nil
	case c == '{' || c == '}':
		return tok, false, nil
	}
	return tok, false, p.errAtLine(tok.start, tok.line, tok.col, ErrMalformed, "record %q: unexpected %q", record, quoteByte(c))
}

// scanNumber returns the kind and end of the number at pos: an integer, or a float with a
// fraction, an exponent, or the "1.#INF" / "-1.#IND" spelling of non-finite values.
func scanNumber(d []byte, pos int) (tokenKind, int) {
	i := pos
	if i < len(d) && (d[i] == '-' || d[i] == '+') {
		i++
	}
	digits, float := 0, false
	for i < len(d) {
		c := d[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			float = true
		case (c == 'e' || c == 'E') && digits > 0:
			float = true
			if i+1 < len(d) && (d[i+1] == '-' || d[i+1] == '+') {
				i++
			}
		case c == '#' && float:
			for i++; i < len(d) && (d[i] >= 'A' && d[i] <= 'Z' || d[i] >= 'a' && d[i] <= 'z'); i++ {
			}
			return tokFloat, i
		case c == 'n' || c == 'N' || c == 'i' || c == 'I':
			// "-nan", "-inf"
			if digits == 0 && i+3 <= len(d) && (strings.EqualFold(string(d[i:i+3]), "nan") || strings.EqualFold(string(d[i:i+3]), "inf")) {
				return tokFloat, i + 3
			}
			return 0, i + 1
		default:
			if digits == 0 {
				return 0, max(i, pos+1)
			}
			if float {
				return tokFloat, i
			}
			return tokInt, i
		}
		i++
	}
	if digits == 0 {
		return 0, i
	}
	if float {
		return tokFloat, i
	}
	return tokInt, i
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return "\\x" + strconv.FormatUint(uint64(c), 16)
	}
	return string(rune(c))
}

func (p *asciiParser) intern(b []byte) string { return p.names.intern(b) }

// bytesString views b as a string for a parse call that does not keep it.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func parseFloatToken(b []byte, bits int) (float64, bool) {
	if i := bytes.IndexByte(b, '#'); i >= 0 {
		neg := len(b) > 0 && b[0] == '-'
		if bytes.Contains(bytes.ToUpper(b[i:]), []byte("INF")) {
			if neg {
				return math.Inf(-1), true
			}
			return math.Inf(1), true
		}
		return math.NaN(), true
	}
	v, err := strconv.ParseFloat(bytesString(b), bits)
	if err != nil {
		// Out-of-range values parse to ±Inf with an error: keep them, the scene checks finiteness.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return v, true
		}
		return 0, false
	}
	return v, true
}

func parseIntToken(b []byte) (int64, bool) {
	v, err := strconv.ParseInt(bytesString(b), 10, 64)
	return v, err == nil
}

// typed converts the i-th property token of record n into dst with the type the binary form
// gives it.
func (p *asciiParser) typed(dst *Prop, n, parent *Node, depth, i int) error {
	t := p.raw[i]
	b := p.data[t.start:t.end]
	bad := func(format string, args ...any) error {
		return p.errAtLine(t.start, t.line, t.col, ErrMalformed, "record %q: "+format, append([]any{n.Name}, args...)...)
	}
	switch t.kind {
	case tokString, tokWord:
		s := string(b)
		if t.kind == tokString && bytes.Contains(b, []byte("&quot;")) {
			s = strings.ReplaceAll(s, "&quot;", "\"")
		}
		if rawRecords[n.Name] && t.kind == tokString {
			if raw, err := base64.StdEncoding.DecodeString(s); err == nil {
				dst.Type, dst.Bytes = 'R', raw
				return nil
			}
		}
		if t.kind == tokString {
			s = binaryName(s)
		}
		dst.Type, dst.String = 'S', s
		if len(s) <= 40 {
			dst.String = p.intern([]byte(s))
		}
	case tokLetter:
		dst.Type, dst.Int = 'C', int64(b[0])
	case tokFloat:
		bits := 64
		typ := p.numberType(n, parent, depth, i, true)
		if typ == 'F' {
			bits = 32
		}
		v, ok := parseFloatToken(b, bits)
		if !ok {
			return bad("%q is not a number", b)
		}
		dst.Type, dst.Float = typ, v
	case tokInt:
		v, ok := parseIntToken(b)
		if !ok {
			return bad("%q is not a 64-bit integer", b)
		}
		switch typ := p.numberType(n, parent, depth, i, false); typ {
		case 'D', 'F':
			dst.Type, dst.Float = typ, float64(v)
		case 'I':
			if v < math.MinInt32 || v > math.MaxInt32 {
				typ = 'L'
			}
			dst.Type, dst.Int = typ, v
		default:
			dst.Type, dst.Int = typ, v
		}
	}
	return nil
}

// binaryName turns the text form of an object name, "Class::Name", into the binary form,
// "Name\x00\x01Class". The FBX SDK writes every object name so (objects, connections and
// takes of FBX 6, SceneInfo), and no other string of a scene holds "::" after a class name.
func binaryName(s string) string {
	class, name, ok := strings.Cut(s, "::")
	if !ok || class == "" {
		return s
	}
	for i := 0; i < len(class); i++ {
		if c := class[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return s
		}
	}
	return name + "\x00\x01" + class
}

// numberType is the binary type code of a number in property i of record n.
func (p *asciiParser) numberType(n, parent *Node, depth, i int, float bool) byte {
	// P records: name, type, label, flags, values (FBX 7); Property: name, type, flags, values.
	if parent != nil && (n.Name == "P" && parent.Name == "Properties70" && i >= 4 || n.Name == "Property" && parent.Name == "Properties60" && i >= 3) {
		if len(p.raw) > 1 && p.raw[1].kind == tokString {
			return propValueType(string(p.data[p.raw[1].start:p.raw[1].end]))
		}
		return 'D'
	}
	if float {
		return 'D'
	}
	switch {
	case depth == 2 && i == 0 && parent != nil && p.version >= 7000 &&
		(parent.Name == "Objects" || parent.Name == "Documents" && n.Name == "Document"):
		return 'L' // object id
	case n.Name == "C" || n.Name == "Connect":
		return 'L'
	case n.Name == "Key": // FBX 6 keys: a KTime, then value, modes and slopes
		if i < len(p.keyTimes) && p.keyTimes[i] {
			return 'L'
		}
		return 'D'
	}
	if t, ok := scalarRecords[n.Name]; ok {
		return t
	}
	switch {
	case strings.HasSuffix(n.Name, "Color"): // AmbientLightColor, ... are RGB(A) doubles
		return 'D'
	case strings.HasSuffix(n.Name, "Time"): // LocalTime, TimeLineStartTime, ... are KTimes
		return 'L'
	}
	// FBX 6 writes arrays as plain lists: Vertices, Normals, ...
	switch arrayType(n.Name, false) {
	case 'd', 'f':
		return 'D'
	case 'l':
		return 'L'
	}
	return 'I'
}

// propValueType maps a P or Property record's type name to the binary type of its values.
func propValueType(typ string) byte {
	switch typ {
	case "int", "Integer", "enum", "Enum", "bool", "Bool", "Visibility Inheritance", "charptr":
		return 'I'
	case "KTime", "ULongLong", "LongLong", "Time":
		return 'L'
	case "float", "Float":
		return 'F'
	case "Short", "short":
		return 'Y'
	}
	return 'D'
}

// takeKeyTimes marks the key times among the tokens of an FBX 6 Key record, walking the key
// layout readTakeKeys reads (time, value, interpolation, then slopes and weights by mode):
// binary files store the times as 'L' and the rest as 'D'. Where the layout is not one it
// knows, only the first token is marked, and readTakeKeys reports what is wrong.
func takeKeyTimes(raw []rawToken, data []byte, keyVer int64, dst []bool) []bool {
	dst = append(dst[:0], make([]bool, len(raw))...)
	letter := func(i int) byte {
		if i < len(raw) && raw[i].kind == tokLetter {
			return data[raw[i].start]
		}
		return 0
	}
	fail := func() []bool {
		clear(dst)
		if len(dst) > 0 {
			dst[0] = true
		}
		return dst
	}
	for i := 0; i < len(raw); {
		if raw[i].kind != tokInt {
			return fail()
		}
		dst[i] = true
		i += 2 // time, value
		switch letter(i) {
		case 'L':
			i++
		case 'C':
			i++
			if keyVer >= 4004 && letter(i) != 0 {
				i++
			}
		case 'U':
			i++
			weights := 1
			switch sm := letter(i); sm {
			case 's', 'b':
				i += 3
				if keyVer == 4003 {
					weights = 0
				}
			case 'a':
				i++
				if keyVer <= 4004 {
					weights = 0
				}
			case 'p', 'q':
				i += 3
				weights = 2
				if keyVer <= 4004 {
					weights = 1
				}
			case 't':
				i += 4
				weights = 0
			case 'd':
				i += 2
			default:
				return fail()
			}
			for range weights {
				switch letter(i) {
				case 'n', 'c':
					i++
				case 'a':
					i += 3
				case 'l', 'r':
					i += 2
				default:
					return fail()
				}
			}
		default:
			return fail()
		}
	}
	return dst
}

// scalarRecords lists records whose numbers are not 'I' in binary files.
var scalarRecords = map[string]byte{
	"LocalTime":          'L',
	"ReferenceTime":      'L',
	"RootNode":           'L',
	"Node":               'L',
	"Default":            'D',
	"CameraResolutionW":  'D',
	"CameraResolutionH":  'D',
	"DeformPercent":      'D',
	"Link_DeformAcuracy": 'D',
	"Color":              'D',
	"FogStart":           'D',
	"FogEnd":             'D',
	"FogDensity":         'D',
	"Shading":            'C', // "T"/"Y" from the FBX SDK, 0/1 from others
	"Weight":             'D',
}

// rawRecords hold binary blobs ('R'), written as base64 in ASCII files.
var rawRecords = map[string]bool{"FileId": true, "Content": true}

// array reads "*count { a: v, v, ... }" into n's single property.
func (p *asciiParser) array(n, parent *Node) error {
	d := p.data
	at, line, col := p.pos, p.line, p.pos-p.lineStart+1
	p.pos++ // '*'
	kind, end := scanNumber(d, p.pos)
	if kind != tokInt {
		return p.errAtLine(at, line, col, ErrMalformed, "array %q: want an element count after '*'", n.Name)
	}
	count, ok := parseIntToken(d[p.pos:end])
	if !ok || count < 0 {
		return p.errAtLine(at, line, col, ErrMalformed, "array %q: element count %q", n.Name, d[p.pos:end])
	}
	if count > int64(p.lim.MaxArrayLen) {
		return p.errAtLine(at, line, col, ErrLimit, "array %q: %d elements, limit %d", n.Name, count, p.lim.MaxArrayLen)
	}
	p.pos = end
	p.space()
	if p.pos >= len(d) || d[p.pos] != '{' {
		return p.errHere(ErrMalformed, "array %q: want '{' after the element count", n.Name)
	}
	p.pos++
	p.space()
	if !bytes.HasPrefix(d[p.pos:], []byte("a:")) {
		if p.pos < len(d) && d[p.pos] == '}' && count == 0 {
			p.pos++
			n.Props = []Prop{{Type: arrayType(n.Name, true)}}
			return nil
		}
		return p.errHere(ErrMalformed, "array %q: want \"a:\" before the elements", n.Name)
	}
	p.pos += 2
	if p.props++; p.props > p.lim.MaxTotalProps {
		return p.errAtLine(at, line, col, ErrLimit, "more than %d properties in the file", p.lim.MaxTotalProps)
	}
	// Every element takes at least two bytes ("0,"), so the text bounds the allocation
	// whatever count claims.
	capHint := int(min(count, int64(len(d)-p.pos)/2+1))
	typ := arrayType(n.Name, false)
	bits := typ == 'f' && n.Name == "KeyAttrDataFloat"
	var ints []int64
	var floats []float64
	if typ == 'i' || typ == 'l' || typ == 0 {
		ints = make([]int64, 0, capHint)
	} else {
		floats = make([]float64, 0, capHint)
	}
	k := 0
	for {
		p.space()
		if p.pos >= len(d) {
			return p.errHere(ErrTruncated, "array %q opened on line %d: the text ends inside it", n.Name, line)
		}
		if d[p.pos] == '}' {
			if int64(k) != count {
				return p.errHere(ErrMalformed, "array %q: %d elements, it declares %d", n.Name, k, count)
			}
			p.pos++
			break
		}
		if k > 0 {
			if d[p.pos] != ',' {
				return p.errHere(ErrMalformed, "array %q: want ',' or '}' after element %d, found %q", n.Name, k-1, quoteByte(d[p.pos]))
			}
			p.pos++
			p.space()
			if p.pos >= len(d) {
				return p.errHere(ErrTruncated, "array %q opened on line %d: the text ends inside it", n.Name, line)
			}
		}
		if int64(k) >= count {
			return p.errHere(ErrMalformed, "array %q: more elements than the %d it declares", n.Name, count)
		}
		start := p.pos
		kind, end := scanNumber(d, p.pos)
		if kind == 0 {
			return p.errHere(ErrMalformed, "array %q: element %d %q is not a number", n.Name, k, d[start:min(end, len(d))])
		}
		tok := d[start:end]
		p.pos = end
		switch {
		case floats != nil && bits && kind == tokInt:
			v, ok := parseIntToken(tok)
			if !ok || v < math.MinInt32 || v > math.MaxUint32 {
				return p.errAtLine(start, p.line, start-p.lineStart+1, ErrMalformed, "array %q: element %d %q is not 32 float bits", n.Name, k, tok)
			}
			floats = append(floats, float64(math.Float32frombits(uint32(v))))
		case floats != nil:
			bitsz := 64
			if typ == 'f' {
				bitsz = 32
			}
			v, ok := parseFloatToken(tok, bitsz)
			if !ok {
				return p.errAtLine(start, p.line, start-p.lineStart+1, ErrMalformed, "array %q: element %d %q is not a number", n.Name, k, tok)
			}
			floats = append(floats, v)
		case kind == tokInt:
			v, ok := parseIntToken(tok)
			if !ok {
				return p.errAtLine(start, p.line, start-p.lineStart+1, ErrMalformed, "array %q: element %d %q is not a 64-bit integer", n.Name, k, tok)
			}
			ints = append(ints, v)
		case typ == 0: // an array of unknown name turns out to hold floats
			floats = make([]float64, len(ints), capHint)
			for j, v := range ints {
				floats[j] = float64(v)
			}
			ints, typ = nil, 'd'
			v, ok := parseFloatToken(tok, 64)
			if !ok {
				return p.errAtLine(start, p.line, start-p.lineStart+1, ErrMalformed, "array %q: element %d %q is not a number", n.Name, k, tok)
			}
			floats = append(floats, v)
		default:
			return p.errAtLine(start, p.line, start-p.lineStart+1, ErrMalformed, "array %q: element %d %q is not an integer", n.Name, k, tok)
		}
		k++
	}
	if typ == 0 {
		typ = 'i'
		for _, v := range ints {
			if v < math.MinInt32 || v > math.MaxInt32 {
				typ = 'l'
				break
			}
		}
	}
	prop := Prop{Type: typ}
	switch typ {
	case 'd':
		prop.F64s = floats
	case 'f':
		prop.F32s = make([]float32, len(floats))
		for j, v := range floats {
			prop.F32s[j] = float32(v)
		}
	case 'l':
		prop.I64s = ints
	case 'i':
		prop.I32s = make([]int32, len(ints))
		for j, v := range ints {
			if v < math.MinInt32 || v > math.MaxInt32 {
				return p.errAtLine(at, line, col, ErrMalformed, "array %q: element %d (%d) does not fit 32 bits", n.Name, j, v)
			}
			prop.I32s[j] = int32(v)
		}
	case 'b':
		prop.Bools = make([]bool, len(ints))
		for j, v := range ints {
			prop.Bools[j] = v != 0
		}
	}
	n.Props = []Prop{prop}
	return nil
}

// arrayType is the binary element type of the array record name; 0 when unknown, to be
// taken from the elements (integers 'i' or 'l', else 'd'). With empty, unknown names are 'd'.
func arrayType(name string, empty bool) byte {
	switch name {
	case "KeyTime":
		return 'l'
	case "KeyValueFloat", "KeyAttrDataFloat":
		return 'f'
	case "KeyAttrFlags", "KeyAttrRefCount", "PolygonVertexIndex", "Edges", "Indexes", "UVIndex",
		"NormalsIndex", "BinormalsIndex", "TangentsIndex", "ColorIndex", "Materials", "TextureId",
		"Smoothing", "VisibilityIndex", "Indices", "Faces":
		return 'i'
	case "Vertices", "Normals", "NormalsW", "Binormals", "BinormalsW", "Tangents", "TangentsW",
		"UV", "Colors", "Weights", "Transform", "TransformLink", "TransformAssociateModel", "Matrix",
		"KnotVector", "KnotVectorU", "KnotVectorV", "Points", "FullWeights", "BlendWeights":
		return 'd'
	}
	if empty {
		return 'd'
	}
	return 0
}
