package pipeline

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strconv"
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
func (p *Pipeline) Sync(ctx context.Context, ev storage.Event, correlationID string) (bool, error) {
	correlationID = cmp.Or(correlationID, correlation.ID(ctx))
	ok, err := p.syncEvent(ctx, ev, correlationID)
	p.observer().Synced(ev, ok, err)
	return ok, err
}

func (p *Pipeline) syncEvent(ctx context.Context, ev storage.Event, correlationID string) (bool, error) {
	obj := ev.Object
	if !library.IsCatalogued(obj.Name) || (ev.Type != storage.ObjectFinalized && ev.Type != storage.ObjectDeleted) {
		return false, nil
	}
	row, err := p.row(ctx, obj, ev.Type == storage.ObjectDeleted, correlationID)
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
		"kind", row.Kind, "correlation_id", row.CorrelationID)
	return true, nil
}

func (p *Pipeline) row(ctx context.Context, obj storage.Attrs, deleted bool, correlationID string) (catalog.Row, error) {
	md := obj.Metadata
	r := catalog.Row{
		URI: p.uri(obj.Bucket, obj.Name), Bucket: obj.Bucket, Name: obj.Name, Generation: obj.Generation,
		Kind: catalog.KindSeed, Size: obj.Size, Deleted: deleted, CreatedAt: obj.Created,
		CorrelationID: firstOf(md[MetaCorrelationID], correlationID),
		SHA256:        md[MetaSHA256], Format: md[MetaFormat], Rig: md[MetaRig], Clip: md[MetaClip],
		FPS: parseFloat(md[MetaFPS]), Frames: parseInt(md[MetaFrames]), DurationS: parseFloat(md[MetaDuration]),
		JointCount: parseInt(md[MetaJoints]), RootMotionCM: parseFloat(md[MetaRootMotion]),
		Preview: md[MetaPreview],
	}
	if library.IsBlend(obj.Name) {
		r.Kind = catalog.KindBlend
		r.Method, r.Options, r.Metrics = md[MetaMethod], md[MetaOptions], md[MetaMetrics]
		if s := md[MetaSources]; s != "" {
			if err := json.Unmarshal([]byte(s), &r.Sources); err != nil {
				return r, fmt.Errorf("sync %s: sources metadata: %w", obj.Name, err)
			}
		}
		if s := md[MetaQuality]; s != "" {
			var q catalog.Quality
			if err := json.Unmarshal([]byte(s), &q); err != nil {
				return r, fmt.Errorf("sync %s: quality metadata: %w", obj.Name, err)
			}
			r.Quality = &q
		}
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

func parseFloat(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func parseInt(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}
