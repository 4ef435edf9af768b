package gltf

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	gltfdoc "github.com/qmuntal/gltf"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

const (
	glbMagic     = 0x46546C67 // "glTF"
	chunkJSON    = 0x4E4F534A // "JSON"
	chunkBIN     = 0x004E4942 // "BIN\0"
	glbHeaderLen = 12
)

// Decode reads a GLB or a JSON glTF whose buffers are embedded (GLB chunk or data URI).
func Decode(data []byte, lim Limits) (an *anim.Animation, err error) {
	// Last-resort guard: every bound is checked before use, but a panic must still surface
	// as bad input rather than take the caller down.
	defer func() {
		if r := recover(); r != nil {
			an, err = nil, errAt(ErrValue, "", "", fmt.Sprintf("internal error on malformed input: %v", r))
		}
	}()
	if !within(int64(len(data)), lim.MaxBytes) {
		return nil, errOffset(ErrLimit, 0, fmt.Sprintf("at most %d bytes", lim.MaxBytes), fmt.Sprintf("%d bytes", len(data)))
	}
	jsonText, bin, err := splitContainer(data)
	if err != nil {
		return nil, err
	}
	doc, err := parseJSON(jsonText)
	if err != nil {
		return nil, err
	}
	d := &decoder{doc: doc, lim: lim, bin: bin, glb: isGLB(data), size: len(data), bufs: make(map[int][]byte)}
	if err := d.checkCounts(); err != nil {
		return nil, err
	}
	return d.animation()
}

func isGLB(data []byte) bool {
	return len(data) >= 4 && binary.LittleEndian.Uint32(data) == glbMagic
}

// splitContainer returns the JSON text and, for a GLB, the BIN chunk (nil when absent).
func splitContainer(data []byte) (jsonText, bin []byte, err error) {
	if !isGLB(data) {
		trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), " \t\r\n")
		if len(trimmed) == 0 || trimmed[0] != '{' {
			found := "empty input"
			if len(data) > 0 {
				found = fmt.Sprintf("leading bytes %q", data[:min(len(data), 8)])
			}
			return nil, nil, errOffset(ErrNotGLTF, 0, `GLB magic "glTF" or a JSON object`, found)
		}
		return data, nil, nil
	}
	if len(data) < glbHeaderLen {
		return nil, nil, errOffset(ErrTruncated, 0, "a 12-byte GLB header", fmt.Sprintf("%d bytes", len(data)))
	}
	if v := binary.LittleEndian.Uint32(data[4:]); v != 2 {
		return nil, nil, errOffset(ErrVersion, 4, "GLB version 2", fmt.Sprint(v))
	}
	total := uint64(binary.LittleEndian.Uint32(data[8:]))
	if total > uint64(len(data)) {
		return nil, nil, errOffset(ErrTruncated, 8, fmt.Sprintf("%d bytes as the header declares", total), fmt.Sprintf("%d bytes", len(data)))
	}
	if total < glbHeaderLen {
		return nil, nil, errOffset(ErrBounds, 8, "a total length of at least 12", fmt.Sprint(total))
	}
	off := uint64(glbHeaderLen)
	for i := 0; off < total; i++ {
		if total-off < 8 {
			return nil, nil, errOffset(ErrTruncated, int64(off), "an 8-byte chunk header", fmt.Sprintf("%d bytes", total-off))
		}
		n := uint64(binary.LittleEndian.Uint32(data[off:]))
		typ := binary.LittleEndian.Uint32(data[off+4:])
		start := off + 8
		if n > total-start {
			return nil, nil, errOffset(ErrTruncated, int64(off), fmt.Sprintf("a chunk of at most %d bytes", total-start), fmt.Sprintf("chunk length %d", n))
		}
		body := data[start : start+n : start+n]
		switch {
		case i == 0 && typ != chunkJSON:
			return nil, nil, errOffset(ErrNotGLTF, int64(off+4), "a JSON chunk first", fmt.Sprintf("chunk type 0x%08x", typ))
		case i == 0:
			jsonText = body
		case i == 1 && typ == chunkBIN:
			bin = body
		}
		// Chunks other than JSON and the first BIN are skipped, as the specification asks.
		off = start + n
	}
	if jsonText == nil {
		return nil, nil, errOffset(ErrTruncated, glbHeaderLen, "a JSON chunk", "none")
	}
	return jsonText, bin, nil
}

func parseJSON(text []byte) (*gltfdoc.Document, error) {
	doc := new(gltfdoc.Document)
	if err := json.Unmarshal(text, doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &FormatError{Path: "JSON", Offset: se.Offset, Expected: "valid JSON", Found: se.Error(), Err: ErrJSON}
		}
		return nil, errAt(ErrJSON, "JSON", "a glTF document", err.Error())
	}
	if !strings.HasPrefix(doc.Asset.Version, "2.") {
		return nil, errAt(ErrVersion, "asset.version", "2.x", fmt.Sprintf("%q", doc.Asset.Version))
	}
	return doc, nil
}

type decoder struct {
	doc       *gltfdoc.Document
	lim       Limits
	bin       []byte
	glb       bool // the input is a GLB container
	size      int  // input length in bytes
	bufs      map[int][]byte
	keyframes int // keyframes read so far, against lim.MaxKeyframes
	samples   int // sampled joint poses so far, against lim.MaxSamples
}

func (d *decoder) checkCounts() error {
	checks := []struct {
		what  string
		n     int
		limit int
	}{
		{"nodes", len(d.doc.Nodes), d.lim.MaxNodes},
		{"accessors", len(d.doc.Accessors), d.lim.MaxAccessors},
		{"animations", len(d.doc.Animations), d.lim.MaxAnimations},
	}
	for _, c := range checks {
		if !within(int64(c.n), int64(c.limit)) {
			return errAt(ErrLimit, c.what, fmt.Sprintf("at most %d", c.limit), fmt.Sprint(c.n))
		}
	}
	for i, a := range d.doc.Animations {
		if a != nil && !within(int64(len(a.Channels)), int64(d.lim.MaxChannels)) {
			return errAt(ErrLimit, fmt.Sprintf("animations[%d].channels", i), fmt.Sprintf("at most %d", d.lim.MaxChannels), fmt.Sprint(len(a.Channels)))
		}
	}
	return nil
}

// buffer returns the bytes of buffer i, resolving the GLB chunk or a data URI on first use.
func (d *decoder) buffer(i int) ([]byte, error) {
	if b, ok := d.bufs[i]; ok {
		return b, nil
	}
	path := fmt.Sprintf("buffers[%d]", i)
	if i < 0 || i >= len(d.doc.Buffers) || d.doc.Buffers[i] == nil {
		return nil, errAt(ErrReference, path, fmt.Sprintf("a buffer index below %d", len(d.doc.Buffers)), fmt.Sprint(i))
	}
	buf := d.doc.Buffers[i]
	if buf.ByteLength < 1 {
		return nil, errAt(ErrValue, path+".byteLength", "at least 1", fmt.Sprint(buf.ByteLength))
	}
	var data []byte
	switch {
	case buf.URI == "" && i == 0 && d.glb:
		if d.bin == nil {
			return nil, errAt(ErrTruncated, path, "a GLB BIN chunk", "none")
		}
		data = d.bin
	case buf.URI == "":
		return nil, errAt(ErrReference, path+".uri", "a data URI (only the first buffer of a GLB may omit it)", "no uri")
	case strings.HasPrefix(buf.URI, "data:"):
		comma := strings.IndexByte(buf.URI, ',')
		if comma < 0 || !strings.HasSuffix(buf.URI[:comma], ";base64") {
			return nil, errAt(ErrValue, path+".uri", "a base64 data URI", fmt.Sprintf("%.40q", buf.URI))
		}
		payload := buf.URI[comma+1:]
		// The payload already sits in the bounded input, so its decoded size is bounded too.
		dec, err := base64.StdEncoding.DecodeString(payload)
		if err != nil {
			return nil, &FormatError{Path: path + ".uri", Offset: -1, Expected: "valid base64", Found: err.Error(), Err: ErrValue}
		}
		data = dec
	default:
		return nil, errAt(ErrExternalBuffer, path+".uri", "a GLB chunk or a data URI", fmt.Sprintf("external URI %.60q", buf.URI))
	}
	if len(data) < buf.ByteLength {
		return nil, errAt(ErrBounds, path+".byteLength", fmt.Sprintf("at most the %d bytes present", len(data)), fmt.Sprint(buf.ByteLength))
	}
	data = data[:buf.ByteLength:buf.ByteLength]
	d.bufs[i] = data
	return data, nil
}
