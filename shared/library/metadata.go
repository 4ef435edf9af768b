package library

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// Object metadata keys. Cloud Storage keeps them on every object the
// pipeline writes, events carry them, and the metadata sync turns them into
// catalog rows without a download: the keys and the formats of their values
// are a stored format, never to be changed.
const (
	MetaSHA256             = "sha256"
	MetaSource             = "source"            // bucket/name of the upload
	MetaSourceGeneration   = "source_generation" // the upload's generation
	MetaFormat             = "format"
	MetaVersion            = "version"
	MetaFPS                = "fps"
	MetaFrames             = "frames"
	MetaDuration           = "duration_s"
	MetaJoints             = "joints"
	MetaRig                = "rig"           // <rig>-<signature>, the folder name
	MetaRigName            = "rig_name"      // mixamo.Describe's rig
	MetaRigSignature       = "rig_signature" // mixamo.Describe's signature
	MetaClip               = "clip"
	MetaRootMotion         = "root_motion_cm"
	MetaCorrelationID      = "correlation_id"
	MetaPreview            = "preview" // the contact sheet's object name
	MetaSources            = "sources" // JSON array of object names
	MetaMethod             = "method"
	MetaLabel              = "label"           // a blend's human-readable name, e.g. "mix 0.3 walk+run"
	MetaOptions            = "options"         // canonical blend.Options JSON
	MetaQuality            = "quality"         // catalog.Quality JSON
	MetaMetrics            = "metrics"         // the result's compact quality.Metrics JSON
	MetaBlendKey           = "blend_key"       // the blend's content address
	MetaPreviewOptions     = "preview_options" // what a blend's contact sheet draws besides the clip, JSON
	MetaReason             = "reason"          // on rejected objects
	MetaManifestGeneration = "manifest_generation"
	MetaWritten            = "written" // what the output options did to the file (renamed joints, reduced keys), JSON
)

// Animation is the metadata every seed and blend carries: its content hash,
// what the animation is, the correlation id it was written with and the
// name of its contact sheet. It is all a catalog row needs.
type Animation struct {
	SHA256 string
	Format string
	FPS    float64
	Frames int
	// DurationS is in seconds.
	DurationS float64
	Joints    int
	// Rig is the <rig> folder of the name (RigFolder); RigName and
	// RigSignature are mixamo.Describe's.
	Rig          string
	RigName      string
	RigSignature string
	Clip         string
	RootMotionCM float64
	// CorrelationID is the request or upload that wrote the object.
	CorrelationID string
	// Preview is the contact sheet's name; empty when none can be drawn.
	Preview string
}

// Describe fills what mixamo.Describe tells of an animation; the content
// hash, the correlation id and the preview are the caller's.
func Describe(info mixamo.Info) Animation {
	return Animation{
		Format: info.Format, FPS: info.FPS, Frames: info.Frames, DurationS: info.Duration, Joints: info.Joints,
		Rig: RigFolder(info.Rig, info.RigSignature), RigName: info.Rig, RigSignature: info.RigSignature,
		Clip: info.Clip, RootMotionCM: info.RootMotionCM,
	}
}

func (a Animation) encode(md map[string]string) {
	md[MetaSHA256] = a.SHA256
	md[MetaFormat] = a.Format
	md[MetaFPS] = formatFloat(a.FPS)
	md[MetaFrames] = strconv.Itoa(a.Frames)
	md[MetaDuration] = formatFloat(a.DurationS)
	md[MetaJoints] = strconv.Itoa(a.Joints)
	md[MetaRig] = a.Rig
	md[MetaRigName] = a.RigName
	md[MetaRigSignature] = a.RigSignature
	md[MetaClip] = a.Clip
	md[MetaRootMotion] = formatFloat(a.RootMotionCM)
	md[MetaCorrelationID] = a.CorrelationID
	if a.Preview != "" {
		md[MetaPreview] = a.Preview
	}
}

func (d *decoder) animation() Animation {
	return Animation{
		SHA256: d.md[MetaSHA256], Format: d.md[MetaFormat], FPS: d.float(MetaFPS), Frames: d.int(MetaFrames),
		DurationS: d.float(MetaDuration), Joints: d.int(MetaJoints), Rig: d.md[MetaRig], RigName: d.md[MetaRigName],
		RigSignature: d.md[MetaRigSignature], Clip: d.md[MetaClip], RootMotionCM: d.float(MetaRootMotion),
		CorrelationID: d.md[MetaCorrelationID], Preview: d.md[MetaPreview],
	}
}

// DecodeAnimation reads what seeds and blends share from either's metadata.
// Like every Decode function it sets each field whose value decodes; the
// error holds a *KeyError for each value that does not. An absent key is
// the zero value, not an error: objects put in place by hand have none.
func DecodeAnimation(md map[string]string) (Animation, error) {
	d := decoder{md: md}
	return d.animation(), d.err()
}

// Seed is the metadata of seed/<rig>/<clip>.<ext>.
type Seed struct {
	Animation
	// Source is the upload, as bucket/name, and SourceGeneration its
	// generation.
	Source           string
	SourceGeneration int64
	// Version is the file format's version (FBX 7700).
	Version string
}

// Encode writes the seed's metadata.
func (s Seed) Encode() map[string]string {
	md := map[string]string{
		MetaSource: s.Source, MetaSourceGeneration: strconv.FormatInt(s.SourceGeneration, 10), MetaVersion: s.Version,
	}
	s.Animation.encode(md)
	return md
}

// DecodeSeed reads a seed's metadata (see DecodeAnimation for errors).
func DecodeSeed(md map[string]string) (Seed, error) {
	d := decoder{md: md}
	s := Seed{Animation: d.animation(), Source: md[MetaSource], SourceGeneration: d.int64(MetaSourceGeneration), Version: md[MetaVersion]}
	return s, d.err()
}

// Blend is the metadata of a blend.
type Blend struct {
	Animation
	// Key is the blend's content address: its inputs' hashes, options,
	// format and clip name.
	Key string
	// Sources are the input objects, in order.
	Sources []string
	Method  string
	// Label is the blend's human-readable name (blend.Label); its clip is
	// named the same, spelled as engines accept (blend.SafeName).
	Label string
	// Options is the canonical blend.Options JSON, kept as written since
	// the catalog stores it so.
	Options string
	// Quality is the summary the catalog filters on; nil when absent.
	Quality *catalog.Quality
	// Metrics is the result's compact quality.Metrics JSON.
	Metrics string
	// PreviewOptions is what the contact sheet draws besides the clip
	// (weights, a transition's window), JSON; set with Preview.
	PreviewOptions string
	// Written is what the output options did to the file (job.OutputReport
	// JSON: renamed joints, reduced keys with sizes and measured error);
	// empty when they did nothing.
	Written string
}

// Encode writes the blend's metadata.
func (b Blend) Encode() map[string]string {
	md := map[string]string{
		MetaBlendKey: b.Key, MetaSources: mustJSON(b.Sources), MetaMethod: b.Method, MetaOptions: b.Options, MetaMetrics: b.Metrics,
	}
	if b.Quality != nil {
		md[MetaQuality] = mustJSON(b.Quality)
	}
	if b.PreviewOptions != "" {
		md[MetaPreviewOptions] = b.PreviewOptions
	}
	if b.Label != "" {
		md[MetaLabel] = b.Label
	}
	if b.Written != "" {
		md[MetaWritten] = b.Written
	}
	b.Animation.encode(md)
	return md
}

// DecodeBlend reads a blend's metadata (see DecodeAnimation for errors).
func DecodeBlend(md map[string]string) (Blend, error) {
	d := decoder{md: md}
	b := Blend{Animation: d.animation(), Key: md[MetaBlendKey], Method: md[MetaMethod], Options: md[MetaOptions],
		Metrics: md[MetaMetrics], PreviewOptions: md[MetaPreviewOptions], Label: md[MetaLabel], Written: md[MetaWritten]}
	d.json(MetaSources, &b.Sources)
	if md[MetaQuality] != "" {
		var q catalog.Quality
		if d.json(MetaQuality, &q) {
			b.Quality = &q
		}
	}
	return b, d.err()
}

// Rejected is the metadata of rejected/<upload> and its reason file.
type Rejected struct {
	// Source is the upload, as bucket/name, and SourceGeneration its
	// generation.
	Source           string
	SourceGeneration int64
	Reason           string
	// SHA256 is the upload's content hash; empty when it was refused
	// before it was read.
	SHA256        string
	CorrelationID string
}

// Encode writes the rejection's metadata.
func (r Rejected) Encode() map[string]string {
	md := map[string]string{
		MetaSource: r.Source, MetaSourceGeneration: strconv.FormatInt(r.SourceGeneration, 10),
		MetaReason: r.Reason, MetaCorrelationID: r.CorrelationID,
	}
	if r.SHA256 != "" {
		md[MetaSHA256] = r.SHA256
	}
	return md
}

// DecodeRejected reads a rejection's metadata (see DecodeAnimation for
// errors).
func DecodeRejected(md map[string]string) (Rejected, error) {
	d := decoder{md: md}
	r := Rejected{Source: md[MetaSource], SourceGeneration: d.int64(MetaSourceGeneration), Reason: md[MetaReason],
		SHA256: md[MetaSHA256], CorrelationID: md[MetaCorrelationID]}
	return r, d.err()
}

// Batch is the metadata of the objects a batch writes under jobs/: the
// result file, the shards and their summaries. ManifestGeneration is the
// manifest generation they belong to, which tells a redelivered event that
// its work is done.
type Batch struct {
	ManifestGeneration int64
	CorrelationID      string
}

// Encode writes the batch object's metadata.
func (b Batch) Encode() map[string]string {
	return map[string]string{
		MetaManifestGeneration: strconv.FormatInt(b.ManifestGeneration, 10), MetaCorrelationID: b.CorrelationID,
	}
}

// DecodeBatch reads a batch object's metadata (see DecodeAnimation for
// errors).
func DecodeBatch(md map[string]string) (Batch, error) {
	d := decoder{md: md}
	b := Batch{ManifestGeneration: d.int64(MetaManifestGeneration), CorrelationID: md[MetaCorrelationID]}
	return b, d.err()
}

// Picture is the metadata of a preview or a metric plot. SHA256 is the
// content hash of the animation it shows, so a picture left by other
// content under the same name is told apart.
type Picture struct {
	SHA256        string
	CorrelationID string
}

// Encode writes the picture's metadata.
func (p Picture) Encode() map[string]string {
	return map[string]string{MetaSHA256: p.SHA256, MetaCorrelationID: p.CorrelationID}
}

// DecodePicture reads a picture's metadata; it has no value that can fail
// to decode.
func DecodePicture(md map[string]string) (Picture, error) {
	return Picture{SHA256: md[MetaSHA256], CorrelationID: md[MetaCorrelationID]}, nil
}

// ContentHash is the SHA-256 any seed, blend, rejection or picture is
// marked with: of its own content, or for a picture of the animation shown.
func ContentHash(md map[string]string) string { return md[MetaSHA256] }

// CorrelationID is the correlation id any object of the library was
// written with, whatever its kind.
func CorrelationID(md map[string]string) string { return md[MetaCorrelationID] }

// KeyError is a metadata value that does not decode.
type KeyError struct {
	Key   string
	Value string
	Err   error
}

func (e *KeyError) Error() string {
	v := e.Value
	if len(v) > 80 {
		v = v[:80] + "..."
	}
	return fmt.Sprintf("metadata %s=%q: %v", e.Key, v, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

// KeyErrors lists the *KeyError values in an error of a Decode function.
func KeyErrors(err error) []*KeyError {
	var out []*KeyError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, KeyErrors(e)...)
		}
		return out
	}
	var ke *KeyError
	if errors.As(err, &ke) {
		out = append(out, ke)
	}
	return out
}

// decoder reads values of md, noting each that does not decode.
type decoder struct {
	md   map[string]string
	errs []error
}

func (d *decoder) fail(key string, err error) {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		err = ne.Err // the value is in the KeyError already
	}
	d.errs = append(d.errs, &KeyError{Key: key, Value: d.md[key], Err: err})
}

func (d *decoder) float(key string) float64 {
	s := d.md[key]
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		d.fail(key, err)
		return 0
	}
	return v
}

func (d *decoder) int64(key string) int64 {
	s := d.md[key]
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		d.fail(key, err)
		return 0
	}
	return v
}

func (d *decoder) int(key string) int { return int(d.int64(key)) }

// json decodes a JSON value into v, reporting whether it did.
func (d *decoder) json(key string, v any) bool {
	s := d.md[key]
	if s == "" {
		return false
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		d.fail(key, err)
		return false
	}
	return true
}

func (d *decoder) err() error { return errors.Join(d.errs...) }

// formatFloat writes the shortest decimal that reads back as v.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// mustJSON encodes a value of a blend's metadata. A quality with NaN or an
// infinity cannot be encoded and is written empty, as it always was.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
