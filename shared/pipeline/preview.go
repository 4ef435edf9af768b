package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/preview"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Suffixes of the pictures written beside seeds and blends. Neither is an
// animation format, so IsCatalogued leaves them out of the catalog.
const (
	PreviewSuffix = ".preview.png" // contact sheet of the skeleton
	MetricsSuffix = ".metrics.png" // quality metrics over time (blends)
)

// MetaPreview is the metadata key on seeds and blends naming their contact
// sheet, which the metadata sync copies into catalog.Row.Preview.
const MetaPreview = "preview"

// PreviewName is the contact sheet's object name for a seed or a blend:
// seed/<rig>/<clip>.fbx has seed/<rig>/<clip>.preview.png.
func PreviewName(object string) string {
	return strings.TrimSuffix(object, path.Ext(object)) + PreviewSuffix
}

// MetricsName is the metric plot's object name for a blend.
func MetricsName(object string) string {
	return strings.TrimSuffix(object, path.Ext(object)) + MetricsSuffix
}

// picture is a rendered PNG and the object it goes to.
type picture struct {
	name string
	data []byte
}

// SeedPreviewDPI is the resolution of seeds' contact sheets. The sheet is
// drawn inside the validate handler, and its cost goes with its pixels:
// at 72 dpi it costs about half of the default 96 and its labels still read.
const SeedPreviewDPI = 72

// previewOptions are a seed's sheet options: validate checks them and
// DrawPreview draws with them.
func previewOptions(clip string) preview.SheetOptions {
	return preview.SheetOptions{Title: clip}
}

// blendPictures draws a blend's contact sheet, with the weights or the
// transition window in the strip, and its metrics beside the inputs'. The
// metrics are measured again with their series, which the stored report
// leaves out; that costs a few milliseconds against the blend itself.
func blendPictures(output string, res *blend.Result, inputs []*anim.Animation, names []string) ([]picture, error) {
	out := res.Animation
	clip := out.Clip()
	if clip == nil {
		return nil, errors.New("no clip to draw")
	}
	opt := preview.SheetOptions{Title: clip.Name, Inputs: names, Weights: res.Weights}
	var qopt quality.Options
	if t := res.Transition; t != nil && t.Frames > 0 && t.StartFrame < clip.Frames {
		opt.Transition = &preview.Transition{Start: t.StartFrame, Frames: t.Frames}
		opt.Weights = nil
		if t.StartFrame+t.Frames <= clip.Frames {
			qopt.Transition = &quality.Window{Start: t.StartFrame, End: t.StartFrame + t.Frames}
		}
	}
	sheet, err := preview.ContactSheetPNG(out.Skeleton, clip, opt)
	if err != nil {
		return nil, fmt.Errorf("contact sheet: %w", err)
	}
	pics := []picture{{PreviewName(output), sheet}}
	m, err := quality.Measure(out.Skeleton, clip, qopt)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	ins := make([]quality.Metrics, len(inputs))
	for i, a := range inputs {
		if ins[i], err = quality.Measure(a.Skeleton, a.Clip(), quality.Options{}); err != nil {
			return nil, fmt.Errorf("metrics of input %d: %w", i, err)
		}
	}
	plot, err := preview.MetricsPlotPNG(m, ins, preview.PlotOptions{Title: clip.Name, Inputs: names, Transition: opt.Transition})
	if err != nil {
		return nil, fmt.Errorf("metric plot: %w", err)
	}
	return append(pics, picture{MetricsName(output), plot}), nil
}

// putPicture writes a picture of the animation whose content hash is sha.
// The write is create-only: a picture already there for the same content is
// kept, so a redelivered event writes nothing; one left by other content
// under the same name (a seed deleted and uploaded again) is replaced,
// guarded by its generation.
func (p *Pipeline) putPicture(ctx context.Context, pic picture, sha, correlationID string) error {
	opts := &storage.PutOptions{ContentType: "image/png", If: storage.DoesNotExist(),
		Metadata: map[string]string{MetaSHA256: sha, MetaCorrelationID: correlationID}}
	for range 3 {
		_, err := p.Library.Put(ctx, pic.name, bytes.NewReader(pic.data), opts)
		if !errors.Is(err, storage.ErrPreconditionFailed) {
			return err
		}
		cur, err := p.Library.Stat(ctx, pic.name, nil)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			opts.If = storage.DoesNotExist()
			continue
		case err != nil:
			return err
		}
		if cur.Metadata[MetaSHA256] == sha {
			return nil
		}
		opts.If = storage.GenerationMatch(cur.Generation)
	}
	return &Error{Kind: KindUnavailable, Msg: pic.name + " keeps changing during the write; retry"}
}

// NeedsPreview reports whether obj is a seed whose metadata names a
// preview: the objects DrawPreview draws.
func NeedsPreview(obj storage.Attrs) bool {
	return strings.HasPrefix(obj.Name, SeedPrefix) && IsCatalogued(obj.Name) && obj.Metadata[MetaPreview] != ""
}

// DrawPreview draws the contact sheet a seed's metadata names and writes it
// beside the seed; it reports whether it wrote one. It runs on the seed's
// finalize event, off the validate handler's path; a transient failure is
// an error, so the event comes again, and a redelivery finds the sheet in
// place and draws nothing. Other objects are ignored.
func (p *Pipeline) DrawPreview(ctx context.Context, seed storage.Attrs, correlationID string) (bool, error) {
	if !NeedsPreview(seed) {
		return false, nil
	}
	name, sha := seed.Metadata[MetaPreview], seed.Metadata[MetaSHA256]
	log := p.log().With("seed", seed.Name, "generation", seed.Generation, "preview", name, "correlation_id", correlationID)
	cur, err := p.Library.Stat(ctx, name, nil)
	if err == nil && cur.Metadata[MetaSHA256] == sha {
		return false, nil
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return false, fmt.Errorf("preview of %s: %w", seed.Name, err)
	}
	if p.MaxFileSize > 0 && seed.Size > p.MaxFileSize {
		log.Warn("seed over the size limit; no preview drawn", "size", seed.Size)
		return false, nil
	}
	data, _, err := storage.ReadAll(ctx, p.Library, seed.Name, &storage.ReadOptions{Generation: seed.Generation})
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil // replaced or deleted: a newer event covers it
	}
	if err != nil {
		return false, fmt.Errorf("preview of %s: %w", seed.Name, err)
	}
	a, err := animfile.Decode(path.Base(seed.Name), data)
	var png []byte
	if err == nil {
		png, err = preview.ContactSheetPNG(a.Skeleton, a.Clip(), previewOptions(seed.Metadata[MetaClip]))
	}
	if err != nil {
		// Validate checked what the sheet needs, so this is a seed changed
		// by hand; a repeat would fail the same way.
		log.Error("preview not drawn", "error", err)
		return false, nil
	}
	if err := p.putPicture(ctx, picture{name, png}, sha, correlationID); err != nil {
		return false, fmt.Errorf("preview of %s: %w", seed.Name, err)
	}
	log.Info("preview written")
	return true, nil
}
