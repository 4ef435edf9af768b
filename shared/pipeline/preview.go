package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/preview"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// picture is a rendered PNG and the object it goes to.
type picture struct {
	name string
	data []byte
}

// previewSpec is a sheet's options as kept in metadata.
type previewSpec struct {
	Title      string              `json:"title,omitempty"`
	Inputs     []string            `json:"inputs,omitempty"`
	Weights    []float64           `json:"weights,omitempty"`
	Transition *preview.Transition `json:"transition,omitempty"`
}

func (s previewSpec) options() preview.SheetOptions {
	return preview.SheetOptions{Title: s.Title, Inputs: s.Inputs, Weights: s.Weights, Transition: s.Transition}
}

// seedSpec is a seed's sheet: validate checks it and DrawPreview draws it.
func seedSpec(clip string) previewSpec { return previewSpec{Title: clip} }

// blendSpec is a blend's sheet: its weights, or for a transition its
// window, in the strip under the frames.
func blendSpec(res *blend.Result, clip *anim.Clip, names []string) previewSpec {
	s := previewSpec{Title: clip.Name, Inputs: names, Weights: res.Weights}
	if t := res.Transition; t != nil && t.Frames > 0 && t.StartFrame < clip.Frames {
		s.Transition = &preview.Transition{Start: t.StartFrame, Frames: t.Frames}
		s.Weights = nil
	}
	return s
}

// metricsPlot draws a blend's metrics over time beside its inputs'. The
// metrics are measured again with their per-frame series, which the stored
// report leaves out.
func metricsPlot(a *anim.Animation, inputs []*anim.Animation, spec previewSpec) ([]byte, error) {
	clip := a.Clip()
	var qopt quality.Options
	if t := spec.Transition; t != nil && t.Start+t.Frames <= clip.Frames {
		qopt.Transition = &quality.Window{Start: t.Start, End: t.Start + t.Frames}
	}
	m, err := quality.Measure(a.Skeleton, clip, qopt)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	ins := make([]quality.Metrics, len(inputs))
	for i, in := range inputs {
		if ins[i], err = quality.Measure(in.Skeleton, in.Clip(), quality.Options{}); err != nil {
			return nil, fmt.Errorf("metrics of input %d: %w", i, err)
		}
	}
	return preview.MetricsPlotPNG(m, ins, preview.PlotOptions{Title: spec.Title, Inputs: spec.Inputs, Transition: spec.Transition})
}

// putPicture writes a picture of the animation whose content hash is sha.
// The write is create-only: a picture already there for the same content is
// kept, so a redelivered event writes nothing; one left by other content
// under the same name (a seed deleted and uploaded again) is replaced,
// guarded by its generation.
func (p *Pipeline) putPicture(ctx context.Context, pic picture, sha, correlationID string) error {
	_, _, err := storage.PutDerived(ctx, p.Library, pic.name, pic.data, storage.DerivedOptions{
		ContentType: "image/png", Metadata: library.Picture{SHA256: sha, CorrelationID: correlationID}.Encode(), Replace: true,
		Same: func(live storage.Attrs) bool { return library.ContentHash(live.Metadata) == sha },
	})
	return err
}

// NeedsPreview reports whether obj is a seed or a blend whose metadata
// names a preview: the objects DrawPreview draws.
func NeedsPreview(obj storage.Attrs) bool {
	if !library.IsCatalogued(obj.Name) {
		return false
	}
	md, _ := library.DecodeAnimation(obj.Metadata) // the name is a plain string
	return md.Preview != ""
}

// DrawPreview draws the contact sheet a seed's or a blend's metadata names,
// and a blend's metric plot, and writes them beside it; it reports whether
// it wrote any. It runs on the object's finalize event, off the validate
// and blend requests' path (drawing would triple validate's time and
// multiply a blend's). A transient failure is an error, so the event comes
// again; a redelivery finds the pictures in place and draws nothing. Other
// objects are ignored.
func (p *Pipeline) DrawPreview(ctx context.Context, obj storage.Attrs, correlationID string) (bool, error) {
	if !NeedsPreview(obj) {
		return false, nil
	}
	isBlend := library.IsBlend(obj.Name)
	// The pictures need plain strings of the metadata, and a blend's
	// sources as far as they decode: other values are not their concern.
	md, _ := library.DecodeAnimation(obj.Metadata)
	var bmd library.Blend
	if isBlend {
		bmd, _ = library.DecodeBlend(obj.Metadata)
	}
	sha := md.SHA256
	pics := []string{md.Preview}
	if isBlend {
		pics = append(pics, library.MetricsName(obj.Name))
	}
	log := p.log().With("object", obj.Name, "generation", obj.Generation, "preview", pics[0], "correlation_id", correlationID)
	missing := false
	for _, name := range pics {
		cur, err := p.Library.Stat(ctx, name, nil)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return false, fmt.Errorf("preview of %s: %w", obj.Name, err)
		}
		missing = missing || err != nil || library.ContentHash(cur.Metadata) != sha
	}
	if !missing {
		return false, nil
	}
	spec := seedSpec(md.Clip)
	if isBlend {
		if err := json.Unmarshal([]byte(bmd.PreviewOptions), &spec); err != nil {
			log.Error("preview options unreadable; no preview drawn", "error", err)
			return false, nil
		}
	}
	a, err := p.loadAnimation(ctx, obj)
	if a == nil || err != nil {
		return false, err // gone (a newer event covers it), or a transient failure
	}
	// Validate and blend checked what the sheet needs, so a failure here is
	// an object changed by hand; a repeat would fail the same way.
	sheet, err := preview.ContactSheetPNG(a.Skeleton, a.Clip(), spec.options())
	if err != nil {
		log.Error("preview not drawn", "error", err)
		return false, nil
	}
	drawn := []picture{{pics[0], sheet}}
	if isBlend {
		srcs := bmd.Sources
		var inputs []*anim.Animation
		for _, name := range srcs {
			src, err := p.Library.Stat(ctx, name, nil)
			if errors.Is(err, storage.ErrNotFound) {
				continue // deleted since: the plot shows the others
			}
			if err != nil {
				return false, fmt.Errorf("preview of %s: %w", obj.Name, err)
			}
			in, err := p.loadAnimation(ctx, src)
			if err != nil {
				return false, err
			}
			if in != nil {
				inputs = append(inputs, in)
			}
		}
		if len(inputs) != len(srcs) {
			spec.Inputs = nil // the names would not match the curves
		}
		plot, err := metricsPlot(a, inputs, spec)
		if err != nil {
			log.Error("metric plot not drawn", "error", err)
		} else {
			drawn = append(drawn, picture{pics[1], plot})
		}
	}
	// The sheet goes last: a reader that finds it finds the plot too.
	slices.Reverse(drawn)
	for _, pic := range drawn {
		if err := p.putPicture(ctx, pic, sha, correlationID); err != nil {
			return false, fmt.Errorf("preview of %s: %w", obj.Name, err)
		}
	}
	log.InfoContext(ctx, "preview written", "pictures", len(drawn))
	return true, nil
}

// loadAnimation reads and decodes one generation of a library object: nil
// when that generation is gone or cannot be read as an animation (logged),
// an error when storage fails.
func (p *Pipeline) loadAnimation(ctx context.Context, obj storage.Attrs) (*anim.Animation, error) {
	if p.MaxFileSize > 0 && obj.Size > p.MaxFileSize {
		p.log().WarnContext(ctx, "over the size limit; not drawn", "object", obj.Name, "size", obj.Size)
		return nil, nil
	}
	data, _, err := storage.ReadAll(ctx, p.Library, obj.Name, &storage.ReadOptions{Generation: obj.Generation})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("preview of %s: %w", obj.Name, err)
	}
	a, err := animfile.Decode(path.Base(obj.Name), data)
	if err != nil || a.Clip() == nil {
		p.log().Error("unreadable; not drawn", "object", obj.Name, "error", err)
		return nil, nil
	}
	return a, nil
}
