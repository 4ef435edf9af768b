package fbx

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// EncodeASCII writes the document as ASCII FBX in the FBX SDK's layout: a "; FBX 7.4.0
// project file" line, tab-indented records, arrays as "*count { a: ... }", object names as
// "Class::Name", blobs in base64, and no top-level FileId, CreationTime or Creator. ParseASCII reads it back to the same tree,
// types included, for the records the FBX SDK writes; other numbers come back with the type
// the text implies (see ParseASCII).
func (d *Document) EncodeASCII(w io.Writer) error {
	if d.Version < minSceneVersion || d.Version > maxVersion {
		return encodeErr(-1, "ASCII version %d, want %d to %d", d.Version, minSceneVersion, maxVersion)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	e := &asciiEncoder{w: bw, version: d.Version}
	fmt.Fprintf(bw, "; FBX %d.%d.%d project file\n", d.Version/1000, d.Version%1000/100, d.Version%100/10)
	bw.WriteString("; ----------------------------------------------------\n\n")
	for _, n := range d.Nodes {
		if asciiOmitted(n.Name) {
			continue
		}
		if err := e.node(n, 0, nil); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("fbx: write: %w", err)
	}
	return nil
}

// asciiOmitted names the top-level records of binary files that the FBX SDK does not write
// in ASCII: the file identity, and the creator, which FBXHeaderExtension holds too. Readers of
// ASCII expect only blocks at the top level (three.js's FBXLoader fails on a top-level value).
func asciiOmitted(name string) bool {
	return name == "FileId" || name == "CreationTime" || name == "Creator"
}

type asciiEncoder struct {
	w       *bufio.Writer
	version uint32
	num     []byte
}

func (e *asciiEncoder) indent(depth int) {
	for range depth {
		e.w.WriteByte('\t')
	}
}

func (e *asciiEncoder) node(n *Node, depth int, parent *Node) error {
	if n.Name == "" || strings.IndexFunc(n.Name, func(r rune) bool { return r > 0x7f || !wordByte(byte(r)) }) >= 0 {
		return encodeErr(-1, "record name %q cannot be written as ASCII", n.Name)
	}
	e.indent(depth)
	e.w.WriteString(n.Name)
	e.w.WriteString(": ")
	if len(n.Props) == 1 && isArray(n.Props[0].Type) {
		e.array(&n.Props[0], depth, n.Name == "KeyAttrDataFloat")
		return nil
	}
	for i := range n.Props {
		if i > 0 {
			e.w.WriteByte(',')
		}
		if isArray(n.Props[i].Type) {
			return encodeErr(-1, "record %q: an array among other properties cannot be written as ASCII", n.Name)
		}
		if err := e.prop(&n.Props[i], n.Name); err != nil {
			return err
		}
	}
	// As in binary files, objects always carry a block: the FBX SDK drops an object
	// without one, and with it everything connected to it (an animation layer and its curves).
	if len(n.Children) > 0 || len(n.Props) == 0 || parent != nil && parent.Name == "Objects" && depth == 1 {
		e.w.WriteString(" {\n")
		for _, c := range n.Children {
			if err := e.node(c, depth+1, n); err != nil {
				return err
			}
		}
		e.indent(depth)
		e.w.WriteByte('}')
	}
	e.w.WriteByte('\n')
	return nil
}

func isArray(t byte) bool {
	switch t {
	case 'f', 'd', 'i', 'l', 'b':
		return true
	}
	return false
}

func (e *asciiEncoder) prop(p *Prop, record string) error {
	switch p.Type {
	case 'S':
		s := p.String
		if name, class, ok := strings.Cut(s, "\x00\x01"); ok {
			s = class + "::" + name
		}
		if strings.ContainsRune(s, 0) {
			return encodeErr(-1, "record %q: string %q holds a NUL byte", record, s)
		}
		e.w.WriteByte('"')
		e.w.WriteString(strings.ReplaceAll(s, "\"", "&quot;"))
		e.w.WriteByte('"')
	case 'R':
		e.w.WriteByte('"')
		e.w.WriteString(base64.StdEncoding.EncodeToString(p.Bytes))
		e.w.WriteByte('"')
	case 'C':
		if c := byte(p.Int); p.Int == int64(c) && (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			e.w.WriteByte(c)
		} else {
			e.int(p.Int)
		}
	case 'Y', 'I', 'L':
		e.int(p.Int)
	case 'F':
		e.float(p.Float, 32)
	case 'D':
		e.float(p.Float, 64)
	default:
		return encodeErr(-1, "record %q: property type %q", record, p.Type)
	}
	return nil
}

func (e *asciiEncoder) int(v int64) {
	e.num = strconv.AppendInt(e.num[:0], v, 10)
	e.w.Write(e.num)
}

func (e *asciiEncoder) float(v float64, bits int) {
	switch {
	case math.IsNaN(v):
		e.w.WriteString("nan")
	case math.IsInf(v, 1):
		e.w.WriteString("inf")
	case math.IsInf(v, -1):
		e.w.WriteString("-inf")
	case v == 0 && math.Signbit(v):
		e.w.WriteString("-0.0")
	default:
		e.num = strconv.AppendFloat(e.num[:0], v, 'g', -1, bits)
		e.w.Write(e.num)
	}
}

// array writes "*count {", the elements on one "a:" line, and "}". KeyAttrDataFloat is
// written as the integer bits of its floats, as the FBX SDK does.
func (e *asciiEncoder) array(p *Prop, depth int, bits bool) {
	n := arrayLen(p)
	e.w.WriteByte('*')
	e.int(int64(n))
	e.w.WriteString(" {\n")
	e.indent(depth + 1)
	e.w.WriteString("a: ")
	for i := range n {
		if i > 0 {
			e.w.WriteByte(',')
		}
		switch p.Type {
		case 'f':
			if bits {
				e.int(int64(int32(math.Float32bits(p.F32s[i]))))
			} else {
				e.float(float64(p.F32s[i]), 32)
			}
		case 'd':
			e.float(p.F64s[i], 64)
		case 'i':
			e.int(int64(p.I32s[i]))
		case 'l':
			e.int(p.I64s[i])
		case 'b':
			if p.Bools[i] {
				e.w.WriteByte('1')
			} else {
				e.w.WriteByte('0')
			}
		}
	}
	e.w.WriteByte('\n')
	e.indent(depth)
	e.w.WriteString("}\n")
}

func arrayLen(p *Prop) int {
	switch p.Type {
	case 'f':
		return len(p.F32s)
	case 'd':
		return len(p.F64s)
	case 'i':
		return len(p.I32s)
	case 'l':
		return len(p.I64s)
	case 'b':
		return len(p.Bools)
	}
	return 0
}
