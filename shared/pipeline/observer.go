package pipeline

import (
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/batch"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Observer is told the outcome of each use case, after the fact, so that
// metrics stay out of the use cases' rules. Its methods must be safe for
// concurrent use and must not block.
type Observer interface {
	// Validated is called once per Validate call with the upload's
	// attributes, the outcome and the error returned.
	Validated(upload storage.Attrs, v Validation, err error)
	// Synced is called once per Sync call: appended tells a row was
	// appended, false with a nil error that the object was ignored.
	Synced(ev storage.Event, appended bool, err error)
	// The batch worker pool's activity.
	batch.PoolObserver
}

type noObserver struct{}

func (noObserver) Validated(storage.Attrs, Validation, error) {}
func (noObserver) Synced(storage.Event, bool, error)          {}
func (noObserver) PoolStarted(int, int)                       {}
func (noObserver) BlendStarted()                              {}
func (noObserver) BlendDone()                                 {}
func (noObserver) PoolStopped(int)                            {}

func (p *Pipeline) observer() Observer {
	if p.Observer == nil {
		return noObserver{}
	}
	return p.Observer
}
