package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
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

// drawSeed starts drawing a seed's contact sheet and returns a function
// that waits for it. The drawing runs beside the library search and the
// seed write, which are I/O, so it adds little to the validate handler.
func drawSeed(a *anim.Animation, title string) func() ([]byte, error) {
	type drawn struct {
		data []byte
		err  error
	}
	c := make(chan drawn, 1) // buffered: an early return leaves nothing blocked
	go func() {
		d, err := preview.ContactSheetPNG(a.Skeleton, a.Clip(), preview.SheetOptions{Title: title})
		c <- drawn{d, err}
	}()
	var res *drawn
	return func() ([]byte, error) {
		if res == nil {
			r := <-c
			res = &r
		}
		return res.data, res.err
	}
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

// ensurePreview writes a seed's preview when its metadata names one that is
// missing: the delivery that wrote the seed failed before the preview.
func (p *Pipeline) ensurePreview(ctx context.Context, seed storage.Attrs, draw func() ([]byte, error), correlationID string) error {
	name := seed.Metadata[MetaPreview]
	if name == "" {
		return nil
	}
	cur, err := p.Library.Stat(ctx, name, nil)
	if err == nil && cur.Metadata[MetaSHA256] == seed.Metadata[MetaSHA256] {
		return nil
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	data, err := draw()
	if err != nil {
		p.log().Warn("preview not drawn", "seed", seed.Name, "error", err)
		return nil
	}
	return p.putPicture(ctx, picture{name, data}, seed.Metadata[MetaSHA256], correlationID)
}
