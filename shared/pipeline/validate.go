package pipeline

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/correlation"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/preview"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Reason is why an upload was rejected.
type Reason string

// Rejection reasons.
const (
	ReasonTooLarge    Reason = "too_large"    // over MAX_FILE_SIZE_MB; never downloaded
	ReasonUnreadable  Reason = "unreadable"   // not a supported format, or malformed
	ReasonNotHumanoid Reason = "not_humanoid" // lacks a Mixamo humanoid joint
	// ReasonNoAnimation is a character-only export (a T-pose without motion):
	// it is rejected rather than seeded, so every seed can be blended.
	ReasonNoAnimation Reason = "no_animation"
	// ReasonBadName is an upload whose name the bucket accepts but the
	// pipeline's naming rules refuse (storage.ValidateName: "..", empty
	// segments, backslashes): it cannot be read or seeded under its name.
	ReasonBadName Reason = "bad_name"
)

// Status is what Validate did with an upload.
type Status string

const (
	StatusSeeded   Status = "seeded"   // a new seed object was written
	StatusExists   Status = "exists"   // the same content already is that seed: nothing written
	StatusRejected Status = "rejected" // recorded under rejected/
	StatusSkipped  Status = "skipped"  // the event's generation is gone: a newer event covers it
)

// Validation is the outcome of Validate. Every outcome is final: the
// adapter acknowledges the event. Transient failures are returned as errors
// instead.
type Validation struct {
	Status Status `json:"status"`
	// Object is the seed (seeded, exists) or the rejected copy.
	Object     string `json:"object,omitempty"`
	Generation int64  `json:"generation,omitempty"`
	SHA256     string `json:"sha256,omitempty"`
	Reason     Reason `json:"reason,omitempty"`
	Message    string `json:"message,omitempty"`
}

// Rejection is the body of rejected/<name>.error.json.
type Rejection struct {
	Reason           Reason    `json:"reason"`
	Message          string    `json:"message"`
	Bucket           string    `json:"bucket"`
	Name             string    `json:"name"`
	Generation       int64     `json:"generation"`
	Size             int64     `json:"size"`
	SHA256           string    `json:"sha256,omitempty"`
	MissingJoints    []string  `json:"missing_joints,omitempty"`
	CorrelationID    string    `json:"correlation_id,omitempty"`
	RejectedAt       time.Time `json:"rejected_at"`
	MaxFileSizeBytes int64     `json:"max_file_size_bytes,omitempty"`
}

// Validate checks the upload obj (the attributes an event carries) and
// files it as a seed in the library or records its rejection. The size is
// checked from obj before anything is downloaded. Content already seeded
// for the same rig, under any name, is not written again.
func (p *Pipeline) Validate(ctx context.Context, obj storage.Attrs, correlationID string) (Validation, error) {
	correlationID = cmp.Or(correlationID, correlation.ID(ctx))
	v, err := p.validateUpload(ctx, obj, correlationID)
	p.observer().Validated(obj, v, err)
	return v, err
}

func (p *Pipeline) validateUpload(ctx context.Context, obj storage.Attrs, correlationID string) (Validation, error) {
	log := p.log().With("bucket", obj.Bucket, "object", obj.Name, "generation", obj.Generation, "correlation_id", correlationID)
	if err := storage.ValidateName(obj.Name); err != nil {
		// Every delivery would fail the same way: record it as rejected
		// (under a slug of its name) so the upload is accounted for.
		v, err := p.reject(ctx, obj, nil, "", Rejection{Reason: ReasonBadName, Message: "upload name refused: " + err.Error()}, correlationID)
		log.InfoContext(ctx, "upload rejected", "reason", v.Reason)
		return v, err
	}
	if p.MaxFileSize > 0 && obj.Size > p.MaxFileSize {
		v, err := p.reject(ctx, obj, nil, "", Rejection{Reason: ReasonTooLarge, MaxFileSizeBytes: p.MaxFileSize,
			Message: fmt.Sprintf("%d bytes exceeds the limit of %d (MAX_FILE_SIZE_MB)", obj.Size, p.MaxFileSize)}, correlationID)
		log.InfoContext(ctx, "upload rejected", "reason", v.Reason, "size", obj.Size)
		return v, err
	}
	data, attrs, err := storage.ReadAll(ctx, p.Uploads, obj.Name, &storage.ReadOptions{Generation: obj.Generation})
	if errors.Is(err, storage.ErrNotFound) {
		// Overwritten or deleted since the event: the newer generation has
		// an event of its own.
		log.InfoContext(ctx, "upload gone; skipped")
		return Validation{Status: StatusSkipped}, nil
	}
	if err != nil {
		return Validation{}, fmt.Errorf("validate %s: %w", obj.Name, err)
	}
	if p.MaxFileSize > 0 && int64(len(data)) > p.MaxFileSize {
		return p.reject(ctx, attrs, nil, "", Rejection{Reason: ReasonTooLarge, MaxFileSizeBytes: p.MaxFileSize,
			Message: fmt.Sprintf("%d bytes exceeds the limit of %d (MAX_FILE_SIZE_MB)", len(data), p.MaxFileSize)}, correlationID)
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])

	a, err := animfile.Decode(path.Base(obj.Name), data)
	if err != nil {
		v, err := p.reject(ctx, attrs, data, sha, Rejection{Reason: ReasonUnreadable, Message: err.Error()}, correlationID)
		log.InfoContext(ctx, "upload rejected", "reason", v.Reason, "message", v.Message)
		return v, err
	}
	info := mixamo.Describe(a)
	if !info.Humanoid {
		v, err := p.reject(ctx, attrs, data, sha, Rejection{Reason: ReasonNotHumanoid, MissingJoints: info.MissingJoints,
			Message: fmt.Sprintf("not a Mixamo humanoid: rig %q lacks %s", info.Rig, strings.Join(info.MissingJoints, ", "))}, correlationID)
		log.InfoContext(ctx, "upload rejected", "reason", v.Reason)
		return v, err
	}
	if !animated(a) {
		v, err := p.reject(ctx, attrs, data, sha, Rejection{Reason: ReasonNoAnimation,
			Message: fmt.Sprintf("a character without animation (rig %s, %d joints): nothing to blend", info.Rig, info.Joints)}, correlationID)
		log.InfoContext(ctx, "upload rejected", "reason", v.Reason)
		return v, err
	}

	// A seed keeps the upload's extension; an upload named without one of
	// the formats' extensions is named for its content, which Decode has
	// recognised.
	format, err := animfile.ByExtension(path.Ext(obj.Name))
	if err != nil {
		format, _ = animfile.ByContent(data)
	}
	rig := library.RigFolder(info.Rig, info.RigSignature)
	slug := firstOf(library.Slug(strings.TrimSuffix(path.Base(obj.Name), path.Ext(obj.Name))), library.Slug(info.Clip), "clip")
	meta := library.Seed{Animation: library.Describe(info), Source: obj.Bucket + "/" + obj.Name,
		SourceGeneration: attrs.Generation, Version: info.Version}
	meta.SHA256, meta.Clip, meta.CorrelationID = sha, slug, correlationID
	// The same content uploaded under another name is the same seed.
	prefix := library.SeedFolder(rig)
	if v, err := p.existingSeed(ctx, prefix, sha, meta); err != nil || v != nil {
		if v != nil {
			log.InfoContext(ctx, "seed exists", "seed", v.Object, "sha256", sha)
			return *v, nil
		}
		return Validation{}, fmt.Errorf("validate %s: %w", obj.Name, err)
	}
	// The seed names its preview, which the validate service draws on the
	// seed's event (DrawPreview): drawing here would triple the handler's
	// time. A clip the sheet cannot show is seeded without one.
	previewOK := true
	if err := preview.CheckSheet(a.Skeleton, a.Clip(), seedSpec(slug).options()); err != nil {
		previewOK = false
		log.WarnContext(ctx, "no preview can be drawn; the seed has none", "error", err)
	}
	// The first name is the clip's; if it holds other content, the content's
	// own name. Both writes are create-only, so a repeated event finds its
	// seed in place and writes nothing.
	for _, name := range library.SeedNames(rig, slug, sha, format.Name()) {
		if previewOK {
			meta.Preview = library.PreviewName(name)
		}
		out, created, err := storage.PutDerived(ctx, p.Library, name, data, storage.DerivedOptions{
			ContentType: format.ContentType(), Metadata: meta.Encode(),
			Same: func(live storage.Attrs) bool { return library.ContentHash(live.Metadata) == sha },
		})
		switch {
		case errors.Is(err, storage.ErrPreconditionFailed):
			continue // other content: try the next name
		case err != nil:
			return Validation{}, fmt.Errorf("validate %s: write seed: %w", obj.Name, err)
		case !created:
			// It may be this upload's own copy, written by an attempt whose
			// answer was lost while another copy was written beside it: the
			// first written stays the seed, as after a write.
			v, err := p.existingSeed(ctx, prefix, sha, meta)
			if err != nil {
				return Validation{}, fmt.Errorf("validate %s: %w", obj.Name, err)
			}
			if v == nil {
				v = &Validation{Status: StatusExists, Object: name, Generation: out.Generation, SHA256: sha}
			}
			log.InfoContext(ctx, "seed exists", "seed", v.Object, "sha256", sha)
			return *v, nil
		}
		// Copies of this content uploaded under other names at the same
		// time may have been written beside it: the first written stays the
		// seed, and each later one is removed by its own writer, which is
		// sure to see the first when it looks now.
		v, err := p.existingSeed(ctx, prefix, sha, meta)
		if err != nil {
			// The redelivery settles it.
			return Validation{}, fmt.Errorf("validate %s: %w", obj.Name, err)
		}
		if v != nil && v.Object != name {
			log.InfoContext(ctx, "seed exists; this copy removed", "seed", v.Object, "copy", name, "sha256", sha)
			return *v, nil
		}
		log.InfoContext(ctx, "seed written", "seed", name, "seed_generation", out.Generation, "sha256", sha)
		return Validation{Status: StatusSeeded, Object: name, Generation: out.Generation, SHA256: sha}, nil
	}
	return Validation{}, fmt.Errorf("validate %s: seed names for %s all hold other content", obj.Name, sha)
}

// existingSeed returns the seed under prefix whose content hash is sha, or
// nil: the first written (lowest generation, then name) when concurrent
// uploads of the same content wrote several. The others that this upload
// (meta's source and generation) wrote are deleted.
func (p *Pipeline) existingSeed(ctx context.Context, prefix, sha string, meta library.Seed) (*Validation, error) {
	var seeds []storage.Attrs
	for a, err := range p.Library.List(ctx, &storage.ListOptions{Prefix: prefix}) {
		if err != nil {
			return nil, err
		}
		// Pictures carry the hash of the seed they show.
		if library.IsCatalogued(a.Name) && library.ContentHash(a.Metadata) == sha {
			seeds = append(seeds, a)
		}
	}
	if len(seeds) == 0 {
		return nil, nil
	}
	slices.SortFunc(seeds, func(a, b storage.Attrs) int {
		return cmp.Or(cmp.Compare(a.Generation, b.Generation), strings.Compare(a.Name, b.Name))
	})
	for _, a := range seeds[1:] {
		// A value that does not decode is not this upload's.
		if s, err := library.DecodeSeed(a.Metadata); err != nil || s.Source != meta.Source || s.SourceGeneration != meta.SourceGeneration {
			continue
		}
		err := p.Library.Delete(ctx, a.Name, &storage.DeleteOptions{If: storage.GenerationMatch(a.Generation)})
		if err != nil && !errors.Is(err, storage.ErrNotFound) && !errors.Is(err, storage.ErrPreconditionFailed) {
			return nil, fmt.Errorf("remove the copy %s of seed %s: %w", a.Name, seeds[0].Name, err)
		}
	}
	return &Validation{Status: StatusExists, Object: seeds[0].Name, Generation: seeds[0].Generation, SHA256: sha}, nil
}

// animated reports whether a has a clip in which some joint moves: a
// character-only export has a clip of a frame or two of the bind pose.
func animated(a *anim.Animation) bool {
	c := a.Clip()
	if c == nil || c.Frames < 2 {
		return false
	}
	const eps = 1e-6
	n := c.NumJoints
	for f := 1; f < c.Frames; f++ {
		for j := 0; j < n; j++ {
			r0, r := c.Rotations[j], c.Rotations[f*n+j]
			dot := math.Abs(r0[0]*r[0] + r0[1]*r[1] + r0[2]*r[2] + r0[3]*r[3])
			if dot < 1-eps {
				return true
			}
			if c.Translations[f*n+j].Sub(c.Translations[j]).Len() > 1e-3 {
				return true
			}
		}
	}
	return false
}

// reject records obj under rejected/: its bytes (when downloaded) and the
// reason. Each write is create-only and skipped when an earlier delivery of
// the same generation made it, so a redelivered event writes nothing.
func (p *Pipeline) reject(ctx context.Context, obj storage.Attrs, data []byte, sha string, r Rejection, correlationID string) (Validation, error) {
	base := library.RejectedName(obj.Name, obj.Generation)
	r.Bucket, r.Name, r.Generation, r.Size, r.SHA256, r.CorrelationID = obj.Bucket, obj.Name, obj.Generation, obj.Size, sha, correlationID
	r.RejectedAt = time.Now().UTC()
	meta := library.Rejected{Source: obj.Bucket + "/" + obj.Name, SourceGeneration: obj.Generation,
		Reason: string(r.Reason), SHA256: sha, CorrelationID: correlationID}
	v := Validation{Status: StatusRejected, Object: base, SHA256: sha, Reason: r.Reason, Message: r.Message}
	if data != nil {
		a, err := p.putOnce(ctx, base, data, obj.ContentType, meta)
		if err != nil {
			return Validation{}, fmt.Errorf("reject %s: %w", obj.Name, err)
		}
		v.Generation = a.Generation
	}
	body, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return Validation{}, err
	}
	if _, err := p.putOnce(ctx, library.ErrorName(base), body, "application/json", meta); err != nil {
		return Validation{}, fmt.Errorf("reject %s: %w", obj.Name, err)
	}
	return v, nil
}

// putOnce writes name unless it already holds the record of the same source
// generation; a record of another generation (the same upload name uploaded
// again) is replaced, guarded by its generation.
func (p *Pipeline) putOnce(ctx context.Context, name string, data []byte, contentType string, meta library.Rejected) (storage.Attrs, error) {
	a, _, err := storage.PutDerived(ctx, p.Library, name, data, storage.DerivedOptions{
		ContentType: contentType, Metadata: meta.Encode(), Replace: true,
		Same: func(live storage.Attrs) bool {
			r, err := library.DecodeRejected(live.Metadata)
			return err == nil && r.Source == meta.Source && r.SourceGeneration == meta.SourceGeneration
		},
	})
	return a, err
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
