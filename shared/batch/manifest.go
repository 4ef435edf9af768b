// Package batch reads blend manifests and runs their blends on a bounded pool of workers.
//
// A manifest lists blends in the original pipeline's format, YAML or JSON:
//
//	blends:
//	  - name: walk_to_run
//	    input1: seed/walk.fbx
//	    input2: seed/run.fbx
//	    ratio: 0.5
//	    method: linear
//	    output: blend/walk_run.fbx
//
// Every blend.Options field may be given beside these (transition_frames, mask, sync, ...),
// as may inputs: [a, b, c] instead of input1/input2 (for blendspace) and an output format.
// The original header (version: "1.0", workflow: blend_batch) and upload section are accepted,
// and its defaults kept: a blend without a name is blend_N (N counting from 1), without a
// method a linear mix, without a ratio 0.5.
package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"go.yaml.in/yaml/v3"
)

// Limits a manifest must respect; they bound the memory and work one untrusted manifest can ask for.
const (
	MaxManifestBytes = 4 << 20
	MaxBlends        = 10000
	MaxInputs        = 64   // inputs of one blend
	MaxNameLen       = 200  // bytes of a blend name
	MaxPathLen       = 1024 // bytes of an input or output path
	maxErrors        = 20   // validation errors reported at once
)

// Manifest is a parsed, validated list of blends.
type Manifest struct {
	Source string `json:"-"` // the name it was parsed from, for messages
	// Version and Workflow are the original format's header: "1.0" and "blend_batch" when given.
	Version  string  `json:"version,omitempty"`
	Workflow string  `json:"workflow,omitempty"`
	Blends   []Blend `json:"blends"`
	// Upload is where the original format publishes results; nil when absent.
	Upload *Upload `json:"upload,omitempty"`
}

// Upload is the original format's upload section: a destination folder and object metadata.
type Upload struct {
	Folder     string            `json:"folder,omitempty"`
	Metadata   map[string]string `json:"metadata,omitempty"`
	MakePublic bool              `json:"make_public,omitempty"`
}

// WorkflowBlendBatch is the only workflow of the original format a manifest can hold here.
const WorkflowBlendBatch = "blend_batch"

// Blend is one entry of a manifest. Its options are blend.Options' fields, written inline.
// Paths are kept as written: the caller resolves them (against the manifest's directory for a
// local run, as object names in a bucket).
type Blend struct {
	Name   string   `json:"name"`
	Input1 string   `json:"input1,omitempty"`
	Input2 string   `json:"input2,omitempty"`
	Inputs []string `json:"inputs,omitempty"` // instead of input1/input2, for any number of clips
	Output string   `json:"output"`
	// Format is the output format (fbx, glb, gltf, bvh); empty means the output's extension.
	Format string `json:"format,omitempty"`
	blend.Options

	// Index is the blend's position in the manifest it was parsed from; Shard keeps it, so
	// results from shards merge back into manifest order. It is not written out: every worker
	// should parse the whole manifest and take its own Shard, not re-parse a written shard.
	Index int `json:"-"`
}

// Sources returns the blend's input paths in order: Inputs, or Input1 and Input2.
func (b Blend) Sources() []string {
	if len(b.Inputs) > 0 {
		return append([]string(nil), b.Inputs...)
	}
	if b.Input2 == "" && b.Input1 != "" { // an edit of one clip
		return []string{b.Input1}
	}
	return []string{b.Input1, b.Input2}
}

// Error is bad manifest input: a syntax error, a limit exceeded or an invalid blend.
// Index is -1 for problems with the manifest as a whole.
type Error struct {
	Source string // manifest name
	Index  int
	Name   string // the blend's name when it has one
	Field  string // e.g. "ratio", "input2", "blends"
	Msg    string
	Err    error // underlying cause (e.g. *blend.OptionError, a YAML or JSON error); may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source + ": ")
	}
	if e.Index >= 0 {
		fmt.Fprintf(&b, "blends[%d]", e.Index)
		if e.Name != "" {
			fmt.Fprintf(&b, " (%s)", e.Name)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ParseManifest reads a manifest in JSON or YAML (chosen by the name's extension, else by
// content) and validates every blend. Unknown fields are errors. Several problems are reported
// together with errors.Join; each is an *Error.
func ParseManifest(data []byte, name string) (*Manifest, error) {
	top := func(field, format string, args ...any) error {
		return &Error{Source: name, Index: -1, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxManifestBytes {
		return nil, top("", "%d bytes exceeds the limit of %d", len(data), MaxManifestBytes)
	}
	raw, err := toJSON(data, name)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Version  any               `json:"version"`
		Workflow string            `json:"workflow"`
		Blends   []json.RawMessage `json:"blends"`
		Upload   *struct {
			Folder     string         `json:"folder"`
			Metadata   map[string]any `json:"metadata"`
			MakePublic bool           `json:"make_public"`
		} `json:"upload"`
	}
	if err := strictJSON(raw, &doc); err != nil {
		return nil, jsonError(name, -1, "", err)
	}
	m := &Manifest{Source: name, Workflow: doc.Workflow}
	switch v := doc.Version.(type) {
	case nil:
	case string:
		m.Version = v
	case float64: // YAML reads an unquoted 1.0 as a number
		m.Version = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return nil, top("version", "got %v, want \"1.0\"", v)
	}
	if m.Version != "" && m.Version != "1.0" {
		return nil, top("version", "unsupported %q; want \"1.0\"", m.Version)
	}
	if m.Workflow != "" && m.Workflow != WorkflowBlendBatch {
		return nil, top("workflow", "%q is not a blend batch; want %q", m.Workflow, WorkflowBlendBatch)
	}
	if u := doc.Upload; u != nil {
		m.Upload = &Upload{Folder: u.Folder, MakePublic: u.MakePublic}
		for k, v := range u.Metadata {
			switch v.(type) {
			case string, float64, bool:
			default:
				return nil, top("upload.metadata."+k, "got %T, want a string, number or boolean", v)
			}
			if m.Upload.Metadata == nil {
				m.Upload.Metadata = map[string]string{}
			}
			m.Upload.Metadata[k] = fmt.Sprint(v)
		}
	}
	if len(doc.Blends) == 0 {
		return nil, top("blends", "missing or empty; want a list of blends")
	}
	if len(doc.Blends) > MaxBlends {
		return nil, top("blends", "%d blends exceeds the limit of %d", len(doc.Blends), MaxBlends)
	}
	m.Blends = make([]Blend, len(doc.Blends))
	var errs []error
	for i, rb := range doc.Blends {
		b := &m.Blends[i]
		if err := strictJSON(rb, b); err != nil {
			errs = append(errs, jsonError(name, i, blendName(rb), err))
			if len(errs) >= maxErrors {
				break
			}
		}
		b.Index = i
		// The original format's defaults: a numbered name and a linear mix.
		if b.Name == "" {
			b.Name = fmt.Sprintf("blend_%d", i+1)
		}
		if b.Method == "" {
			b.Method = "linear"
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Validate checks every blend (required fields, limits, options) and that no two share a name
// or an output. ParseManifest calls it; call it on a manifest built in code. Several problems
// are reported together with errors.Join; each is an *Error.
func (m *Manifest) Validate() error {
	if len(m.Blends) == 0 {
		return &Error{Source: m.Source, Index: -1, Field: "blends", Msg: "missing or empty; want a list of blends"}
	}
	if len(m.Blends) > MaxBlends {
		return &Error{Source: m.Source, Index: -1, Field: "blends",
			Msg: fmt.Sprintf("%d blends exceeds the limit of %d", len(m.Blends), MaxBlends)}
	}
	var errs []error
	for i := range m.Blends {
		b := &m.Blends[i]
		if err := b.validate(); err != nil {
			err.Source, err.Index, err.Name = m.Source, i, b.Name
			errs = append(errs, err)
			if len(errs) >= maxErrors {
				break
			}
		}
	}
	if len(errs) == 0 {
		errs = m.checkUnique()
	}
	return errors.Join(errs...)
}

// toJSON turns YAML into JSON so both formats share one strict decoder and blend.Options' JSON
// rules (a mask as a string or a list, pointer fields for "absent").
func toJSON(data []byte, name string) ([]byte, error) {
	ext := strings.ToLower(path.Ext(name))
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if ext == ".json" || (ext != ".yaml" && ext != ".yml" && len(trimmed) > 0 && trimmed[0] == '{') {
		return data, nil
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, &Error{Source: name, Index: -1, Msg: "invalid YAML", Err: err}
	}
	out, err := json.Marshal(v)
	if err != nil {
		// Only non-string mapping keys (e.g. "1: x") get here.
		return nil, &Error{Source: name, Index: -1, Msg: "YAML mapping keys must be strings", Err: err}
	}
	return out, nil
}

func strictJSON(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("unexpected data after the manifest")
	}
	return nil
}

// jsonError names the field a JSON decoding error is about.
func jsonError(src string, i int, name string, err error) error {
	e := &Error{Source: src, Index: i, Name: name, Msg: err.Error(), Err: err}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var oe *blend.OptionError
	switch {
	case errors.As(err, &oe):
		e.Field, e.Msg = oe.Field, oe.Msg
	case errors.As(err, &te):
		// Fields of the embedded blend.Options come as "Options.ratio".
		e.Field = strings.TrimPrefix(te.Field, "Options.")
		e.Msg = fmt.Sprintf("got a %s, want %s", te.Value, jsonKind(te.Type.Kind().String()))
	case errors.As(err, &se):
		e.Msg = fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)
	default:
		// encoding/json reports unknown fields only as text: `json: unknown field "x"`.
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			e.Field, e.Msg = strings.Trim(f, `"`), "unknown field"
		}
	}
	return e
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "a list"
	case "struct", "map":
		return "a mapping"
	case "float64", "int":
		return "a number"
	}
	return "a " + k
}

// blendName digs the name out of a blend that failed to decode, for the error message.
func blendName(raw json.RawMessage) string {
	var v struct {
		Name any `json:"name"`
	}
	if json.Unmarshal(raw, &v) == nil {
		if s, ok := v.Name.(string); ok && len(s) <= MaxNameLen {
			return s
		}
	}
	return ""
}

func (b *Blend) validate() *Error {
	bad := func(field, format string, args ...any) *Error {
		return &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if err := checkText(b.Name, MaxNameLen); err != "" {
		return bad("name", "%s", err)
	}
	if len(b.Inputs) > 0 && (b.Input1 != "" || b.Input2 != "") {
		return bad("inputs", "give either inputs or input1/input2, not both")
	}
	if len(b.Inputs) > MaxInputs {
		return bad("inputs", "%d inputs exceeds the limit of %d", len(b.Inputs), MaxInputs)
	}
	if len(b.Inputs) == 0 {
		if b.Input1 == "" {
			return bad("input1", "missing")
		}
		if b.Input2 == "" && !strings.EqualFold(strings.TrimSpace(b.Method), blend.Edit) {
			return bad("input2", "missing")
		}
	}
	for i, in := range b.Sources() {
		field := fmt.Sprintf("inputs[%d]", i)
		if len(b.Inputs) == 0 {
			field = fmt.Sprintf("input%d", i+1)
		}
		if err := checkText(in, MaxPathLen); err != "" {
			return bad(field, "%s", err)
		}
		if in == b.Output {
			return bad("output", "%q would overwrite the blend's own %s", in, field)
		}
	}
	if err := checkText(b.Output, MaxPathLen); err != "" {
		return bad("output", "%s", err)
	}
	if f := strings.ToLower(strings.TrimPrefix(b.Format, ".")); f != "" {
		if _, err := animfile.ByName(f); err != nil {
			return bad("format", "unknown %q; want %s", b.Format, animfile.Names())
		}
	}
	switch strings.ToLower(b.Method) {
	case "snn", "spade":
		return bad("method", "%q is a neural method of the original pipeline and is not available; "+
			"want mix (linear), transition, layer, additive or blendspace", b.Method)
	}
	if err := b.Options.Validate(len(b.Sources())); err != nil {
		var oe *blend.OptionError
		if errors.As(err, &oe) {
			return &Error{Field: oe.Field, Msg: oe.Msg, Err: err}
		}
		return &Error{Msg: err.Error(), Err: err}
	}
	return nil
}

// checkText returns what is wrong with a required name or path, or "".
func checkText(s string, limit int) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "missing"
	case len(s) > limit:
		return fmt.Sprintf("%d bytes exceeds the limit of %d", len(s), limit)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "contains a control character"
	}
	return ""
}

// checkUnique reports blends sharing a name or an output: names key the catalogue, and two
// blends writing one file would race.
func (m *Manifest) checkUnique() []error {
	var errs []error
	names := make(map[string]int, len(m.Blends))
	outputs := make(map[string]int, len(m.Blends))
	for i, b := range m.Blends {
		if j, ok := names[b.Name]; ok {
			errs = append(errs, &Error{Source: m.Source, Index: i, Name: b.Name, Field: "name",
				Msg: fmt.Sprintf("duplicate of blends[%d]", j)})
		} else {
			names[b.Name] = i
		}
		out := path.Clean(b.Output)
		if j, ok := outputs[out]; ok {
			errs = append(errs, &Error{Source: m.Source, Index: i, Name: b.Name, Field: "output",
				Msg: fmt.Sprintf("%q is also written by blends[%d] (%s)", b.Output, j, m.Blends[j].Name)})
		} else {
			outputs[out] = i
		}
		if len(errs) >= maxErrors {
			break
		}
	}
	return errs
}
