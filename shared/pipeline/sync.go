package pipeline

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/correlation"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Sync appends the catalog row of one storage event. Events for other
// objects are ignored (false). The row is built from the attributes the
// event carries; only an object without the pipeline's metadata (put in
// place by hand) is read to describe it. Appending is safe to repeat and
// the catalog orders generations itself, so duplicated and reordered
// deliveries leave the same current rows.
//
// Each of Cloud Storage's event types is one of two rows for the
// generation it carries: finalized and metadataUpdated describe a live
// generation (the latter with its new metadata); archived and deleted
// record that the generation stopped being live. On a bucket with
// versioning a delete or an overwrite archives the live generation and a
// noncurrent one is deleted later (by a lifecycle rule); on one without, a
// delete or an overwrite deletes it. Either way the end of a generation
// hides only that generation and lower ones, so removing a noncurrent
// generation leaves the live one's row current, and a restore (a copy of
// a noncurrent generation, finalized as a new one) shows the name again.
func (p *Pipeline) Sync(ctx context.Context, ev storage.Event, correlationID string) (bool, error) {
	correlationID = cmp.Or(correlationID, correlation.ID(ctx))
	ok, err := p.syncEvent(ctx, ev, correlationID)
	p.observer().Synced(ev, ok, err)
	return ok, err
}

func (p *Pipeline) syncEvent(ctx context.Context, ev storage.Event, correlationID string) (bool, error) {
	obj := ev.Object
	if !library.IsCatalogued(obj.Name) || !slices.Contains(storage.EventTypes(), ev.Type) {
		return false, nil
	}
	row, err := p.row(ctx, obj, ev.Type.Ends(), correlationID)
	if err != nil {
		return false, err
	}
	if err := p.Catalog.Append(ctx, row); err != nil {
		if errors.Is(err, catalog.ErrInvalidRow) {
			// The same event cannot make a valid row on redelivery.
			return false, &Error{Kind: KindInvalid, Field: "object", Msg: err.Error(), Err: err}
		}
		return false, fmt.Errorf("sync %s#%d: %w", obj.Name, obj.Generation, err)
	}
	if p.Search != nil {
		if err := p.Search.Put(ctx, row); err != nil {
			// The catalog has the row; the index catches up with the next
			// change of the object.
			p.log().WarnContext(ctx, "search indexing failed; sync continues", "object", obj.Name, "generation", obj.Generation, "error", err)
		}
	}
	p.log().InfoContext(ctx, "catalog row appended", "object", obj.Name, "generation", obj.Generation, "deleted", row.Deleted,
		"event", ev.Type, "kind", row.Kind, "correlation_id", row.CorrelationID)
	return true, nil
}

func (p *Pipeline) row(ctx context.Context, obj storage.Attrs, deleted bool, correlationID string) (catalog.Row, error) {
	isBlend := library.IsBlend(obj.Name)
	var (
		md  library.Animation
		bmd library.Blend
		err error
	)
	if isBlend {
		bmd, err = library.DecodeBlend(obj.Metadata)
		md = bmd.Animation
	} else {
		md, err = library.DecodeAnimation(obj.Metadata)
	}
	for _, ke := range library.KeyErrors(err) {
		if ke.Key == library.MetaSources || ke.Key == library.MetaQuality {
			// The row would lose the blend's inputs or its scores.
			return catalog.Row{}, fmt.Errorf("sync %s: %w", obj.Name, ke)
		}
		// A number that does not read is catalogued as zero, as before
		// the metadata had types.
		p.log().WarnContext(ctx, "metadata value unreadable; catalogued as zero", "object", obj.Name,
			"key", ke.Key, "value", ke.Value, "error", ke.Err)
	}
	r := catalog.Row{
		URI: p.uri(obj.Bucket, obj.Name), Bucket: obj.Bucket, Name: obj.Name, Generation: obj.Generation,
		Kind: catalog.KindSeed, Size: obj.Size, Deleted: deleted, CreatedAt: obj.Created,
		CorrelationID: firstOf(md.CorrelationID, correlationID),
		SHA256:        md.SHA256, Format: md.Format, Rig: md.Rig, Clip: md.Clip,
		FPS: md.FPS, Frames: int64(md.Frames), DurationS: md.DurationS,
		JointCount: int64(md.Joints), RootMotionCM: md.RootMotionCM,
		Preview: md.Preview,
	}
	if isBlend {
		r.Kind = catalog.KindBlend
		r.Method, r.Options, r.Metrics = bmd.Method, bmd.Options, bmd.Metrics
		r.Sources, r.Quality = bmd.Sources, bmd.Quality
	}
	if deleted || r.SHA256 != "" {
		return r, nil
	}
	// No metadata: an object copied in by hand. Describe it from its bytes.
	data, _, err := storage.ReadAll(ctx, p.Library, obj.Name, &storage.ReadOptions{Generation: obj.Generation})
	if errors.Is(err, storage.ErrNotFound) {
		return r, nil // gone already; its delete event follows
	}
	if err != nil {
		return r, fmt.Errorf("sync %s: %w", obj.Name, err)
	}
	sum := sha256.Sum256(data)
	r.SHA256 = hex.EncodeToString(sum[:])
	a, err := animfile.Decode(path.Base(obj.Name), data)
	if err != nil {
		// Still catalogued, so the object is visible and can be cleaned up.
		p.log().WarnContext(ctx, "catalogued object is unreadable", "object", obj.Name, "error", err)
		return r, nil
	}
	info := mixamo.Describe(a)
	r.Format, r.Rig, r.Clip = info.Format, library.RigFolder(info.Rig, info.RigSignature), library.Slug(strings.TrimSuffix(path.Base(obj.Name), path.Ext(obj.Name)))
	r.FPS, r.Frames, r.DurationS = info.FPS, int64(info.Frames), info.Duration
	r.JointCount, r.RootMotionCM = int64(info.Joints), info.RootMotionCM
	return r, nil
}
