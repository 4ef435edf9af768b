package animfile

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/bvh"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/gltf"
)

// Format is one file format the pipeline reads and writes. The zero value is
// no format; the lookups return one of the constants or an error wrapping
// ErrUnknownFormat.
type Format uint8

// The formats, in the order error messages list them.
const (
	FBX  Format = iota + 1 // FBX 6100–7700, binary or ASCII
	GLB                    // binary glTF 2.0
	GLTF                   // glTF 2.0 JSON with embedded buffers
	BVH                    // Biovision hierarchy
)

// spec is everything the registry knows of one format.
type spec struct {
	name string
	// family is what the format's decoder reports as anim.SourceInfo.Format:
	// one glTF reader takes both glTF and GLB and reports "gltf".
	family      string
	exts        []string // lower case with the dot; the first is the one written
	contentType string
	// magic are prefixes at byte 0; leads are prefixes of text after
	// leading white space and a byte order mark.
	magic, leads []string
	decode       func(data []byte) (*anim.Animation, error)
	encode       func(w io.Writer, a *anim.Animation) error
}

// registry is the one table of formats, indexed by Format. It is never
// written after initialisation.
var registry = [...]spec{
	FBX: {
		name: "fbx", family: "fbx", exts: []string{".fbx"},
		// FBX has no registered media type.
		contentType: "application/octet-stream",
		magic:       []string{"Kaydara FBX Binary"},
		// ASCII FBX opens with the FBX SDK's comment line, or straight with
		// its header record.
		leads:  []string{"; FBX", "FBXHeaderExtension:"},
		decode: func(data []byte) (*anim.Animation, error) { return fbx.Decode(data, fbx.DefaultLimits()) },
		encode: func(w io.Writer, a *anim.Animation) error { return fbx.Encode(w, a, fbx.WriteOptions{}) },
	},
	GLB: {
		name: "glb", family: "gltf", exts: []string{".glb"},
		contentType: "model/gltf-binary",
		magic:       []string{"glTF"},
		// The glTF reader tells GLB from JSON itself.
		decode: func(data []byte) (*anim.Animation, error) { return gltf.Decode(data, gltf.DefaultLimits()) },
		encode: func(w io.Writer, a *anim.Animation) error { return gltf.Encode(w, a, gltf.WriteOptions{}) },
	},
	GLTF: {
		name: "gltf", family: "gltf", exts: []string{".gltf"},
		contentType: "model/gltf+json",
		leads:       []string{"{"},
		decode:      func(data []byte) (*anim.Animation, error) { return gltf.Decode(data, gltf.DefaultLimits()) },
		encode:      func(w io.Writer, a *anim.Animation) error { return gltf.Encode(w, a, gltf.WriteOptions{JSON: true}) },
	},
	BVH: {
		name: "bvh", family: "bvh", exts: []string{".bvh"},
		// What Cloud Storage and browsers show as text; BVH has no
		// registered media type.
		contentType: "text/plain",
		leads:       []string{"HIERARCHY"},
		decode: func(data []byte) (*anim.Animation, error) {
			return bvh.Decode(bytes.NewReader(data), bvh.DefaultLimits())
		},
		encode: func(w io.Writer, a *anim.Animation) error { return bvh.Encode(w, a, bvh.WriteOptions{}) },
	},
}

// unknownContentType is the content type of anything that is not one of
// the formats.
const unknownContentType = "application/octet-stream"

// sniffLen is how much of a file detection looks at.
const sniffLen = 64

// Formats lists every format, in the order error messages list them.
func Formats() []Format { return []Format{FBX, GLB, GLTF, BVH} }

func (f Format) spec() (spec, bool) {
	if f == 0 || int(f) >= len(registry) {
		return spec{}, false
	}
	return registry[f], true
}

// Name is the format's name as users give it (--format, "format" in a blend
// request): "fbx", "glb", "gltf" or "bvh".
func (f Format) Name() string {
	s, _ := f.spec()
	return s.name
}

// String is the format's name, so that formats print as users write them.
func (f Format) String() string {
	if s, ok := f.spec(); ok {
		return s.name
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// Family is the format name its decoder reports in anim.SourceInfo.Format
// and the catalog records: "gltf" for both glTF and GLB.
func (f Format) Family() string {
	s, _ := f.spec()
	return s.family
}

// Extensions are the file extensions of the format, lower case with the dot.
func (f Format) Extensions() []string {
	s, _ := f.spec()
	return slices.Clone(s.exts)
}

// Ext is the extension files of the format are written with (".glb").
func (f Format) Ext() string {
	if s, ok := f.spec(); ok {
		return s.exts[0]
	}
	return ""
}

// ContentType is the MIME type objects of the format are written with;
// application/octet-stream for FBX and for no format.
func (f Format) ContentType() string {
	if s, ok := f.spec(); ok {
		return s.contentType
	}
	return unknownContentType
}

// Decode parses data with the format's reader and its default limits.
func (f Format) Decode(data []byte) (*anim.Animation, error) {
	s, ok := f.spec()
	if !ok {
		return nil, fmt.Errorf("decode %v: %w", f, ErrUnknownFormat)
	}
	return s.decode(data)
}

// Encode writes a with the format's writer and its default options.
func (f Format) Encode(w io.Writer, a *anim.Animation) error {
	s, ok := f.spec()
	if !ok {
		return fmt.Errorf("encode %v: %w", f, ErrUnknownFormat)
	}
	return s.encode(w, a)
}

// matches reports whether data starts the way files of the format do.
func (s *spec) matches(head, text []byte) bool {
	for _, m := range s.magic {
		if bytes.HasPrefix(head, []byte(m)) {
			return true
		}
	}
	for _, l := range s.leads {
		if bytes.HasPrefix(text, []byte(l)) {
			return true
		}
	}
	return false
}

// ByName finds the format called name ("fbx", "glb", "gltf" or "bvh"),
// exactly as Name spells it; OutputFormat accepts what users type.
func ByName(name string) (Format, error) {
	for _, f := range Formats() {
		if registry[f].name == name {
			return f, nil
		}
	}
	return 0, fmt.Errorf("format %q: %w (want %s)", name, ErrUnknownFormat, Names())
}

// ByExtension finds the format of a file extension as path.Ext returns it
// (".fbx"), in any case.
func ByExtension(ext string) (Format, error) {
	for _, f := range Formats() {
		for _, e := range registry[f].exts {
			if strings.EqualFold(ext, e) {
				return f, nil
			}
		}
	}
	return 0, fmt.Errorf("extension %q: %w (want %s)", ext, ErrUnknownFormat, ExtensionList())
}

// ByContent tells the format from the first bytes of a file: magic bytes
// for binary FBX and GLB, the first word of text (after white space and a
// byte order mark) for ASCII FBX, BVH and glTF JSON.
func ByContent(data []byte) (Format, error) {
	head := data[:min(len(data), sniffLen)]
	text := bytes.TrimLeft(head, " \t\r\n\ufeff")
	for _, f := range Formats() {
		if (&registry[f]).matches(head, text) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%w (expected %s)", ErrUnknownFormat, expected)
}

// expected describes the content ByContent recognises.
const expected = "binary FBX, glTF/GLB or BVH"

// Names lists the formats' names for messages: "fbx, glb, gltf or bvh".
func Names() string {
	var names []string
	for _, f := range Formats() {
		names = append(names, registry[f].name)
	}
	return phrase(names)
}

// ExtensionList lists the formats' extensions for messages:
// ".fbx, .glb, .gltf or .bvh".
func ExtensionList() string {
	var exts []string
	for _, f := range Formats() {
		exts = append(exts, registry[f].exts...)
	}
	return phrase(exts)
}

// phrase joins words as a sentence lists them: "a, b or c".
func phrase(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
