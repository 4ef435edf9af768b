// Package local runs the whole pipeline on one machine: DIR/uploads/ and
// DIR/library/ stand in for the buckets, a SQLite file in DIR for BigQuery,
// and an in-process router for Eventarc. The router posts the same
// CloudEvents Eventarc would (StorageObjectData payload, binary mode, over
// HTTP) to the three services' handlers, which are served beside the blend
// API on one address.
//
// Changes come from two sources: the library store's change hook, for what
// the services write, and a poll of both directories, for files dropped in
// by other processes (a file is announced once it has looked the same on two
// polls, so a copy in progress is not validated half-written). As with
// Eventarc, delivery is at least once; a handler answering 5xx gets the event
// again after a backoff.
package local

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
	"github.com/rydlrcs/mixamo-blend-pipeline/web/viewer"
)

// LibraryVersions is how many earlier generations of each library object
// the local library keeps, as the library bucket's lifecycle rule does.
const LibraryVersions = 3

// Event routes on the local address. Eventarc posts to each service's root;
// here the three share a port.
const (
	ValidatePath = EventsPath + eventarc.ValidateService
	SyncPath     = EventsPath + eventarc.MetasyncService
	BatchPath    = EventsPath + eventarc.BlendService
	PreviewPath  = EventsPath + eventarc.PreviewService
	// EventsPath + a service's name is where its triggers deliver.
	EventsPath = "/_events/"
)

// Options configure a Server.
type Options struct {
	Dir  string
	Addr string // host:port to listen on
	// MaxFileSize and Workers are MAX_FILE_SIZE_MB (in bytes) and
	// WORKER_POOL_SIZE.
	MaxFileSize int64
	Workers     int
	// Search, when set, indexes the synced rows (ELASTICSEARCH_URL).
	Search pipeline.Indexer
	// Poll is how often the directories are scanned; 1 s when zero.
	Poll time.Duration
	Log  *slog.Logger
	// Metrics receives the pipeline's metrics, served at /metrics; a new
	// set when nil.
	Metrics *metrics.Metrics
	// Retry is the policy (MAX_RETRIES, RETRY_BACKOFF_MULTIPLIER) for the
	// directories and the database, neither of which retries by itself;
	// its classifier is set per port. The zero Policy takes the defaults.
	Retry resilience.Policy
	// Breaker configures the breakers, named after the services the
	// directories and the database stand in for ("gcs", "bigquery") so the
	// dashboards read the same; its IsFailure and OnStateChange are set
	// here.
	Breaker resilience.BreakerSettings
	// Token, when set, is the bearer token the blend API and the event
	// routes require (BLENDPIPE_API_TOKEN); the probes and /metrics stay
	// open. The router sends it with every event.
	Token string
	// Redelivery is the first wait before an event a service failed is
	// posted again; it doubles up to 100 times itself. After 8 attempts
	// the event goes to the back of the queue for that longest wait, and so
	// on until it is delivered: nothing is dropped. 100 ms when zero.
	Redelivery time.Duration
	// Unversioned makes the library a bucket without versioning: it keeps no
	// earlier generations (no restore), and a delete or an overwrite is
	// reported deleted rather than archived. By default it keeps
	// LibraryVersions, as Terraform's library bucket does.
	Unversioned bool
	// Deliverers is how many events each trigger's queue delivers at once,
	// as Eventarc delivers concurrently (the catalogue's rows come out the
	// same in any order). 4 when zero.
	Deliverers int
}

// Server is the local pipeline.
type Server struct {
	opts   Options
	log    *slog.Logger
	app    *app.App
	m      *metrics.Metrics
	p      *pipeline.Pipeline
	ln     net.Listener
	base   string
	client cloudevents.Client
	seq    atomic.Int64
	// The router keeps one queue per trigger, as Eventarc keeps one
	// subscription per trigger: a slow service (the blend service drawing
	// pictures) does not hold up another's events. The queues are
	// unbounded: the change hook runs inside the handlers that write, and
	// must never wait on the router that waits on them.
	library *localdir.Store
	lanes   map[string]*lane // by trigger name
	pending atomic.Int64     // queued or being delivered
	// seen is the last generation announced per bucket and name, shared by
	// the change hook and the poll so that each change is posted once.
	mu     sync.Mutex
	seen   map[string]int64
	staged map[string]int64 // poll discoveries waiting for a second look
}

// Open prepares the directories and the database and listens on Addr.
func Open(ctx context.Context, opts Options) (*Server, error) {
	s := &Server{opts: opts, log: cmp.Or(opts.Log, slog.Default()),
		seen: map[string]int64{}, staged: map[string]int64{}}
	if s.opts.Poll <= 0 {
		s.opts.Poll = time.Second
	}
	if s.opts.Redelivery <= 0 {
		s.opts.Redelivery = 100 * time.Millisecond
	}
	if s.opts.Deliverers <= 0 {
		s.opts.Deliverers = 4
	}
	s.lanes = map[string]*lane{}
	for _, tr := range eventarc.Triggers() {
		s.lanes[tr.Name] = &lane{wake: make(chan struct{}, 1)}
	}
	uploads, err := localdir.Open(filepath.Join(opts.Dir, "uploads"), localdir.Options{Bucket: "uploads", OnChange: s.changed})
	if err != nil {
		return nil, err
	}
	// As the library bucket, it keeps earlier generations for blendpipe
	// restore, and so reports the events of a bucket with versioning.
	keep := LibraryVersions
	if opts.Unversioned {
		keep = 0
	}
	library, err := localdir.Open(filepath.Join(opts.Dir, "library"), localdir.Options{Bucket: "library", OnChange: s.changed, KeepVersions: keep})
	if err != nil {
		return nil, err
	}
	s.library = library
	cat, err := sqlite.Open(ctx, filepath.Join(opts.Dir, sqlite.FileName))
	if err != nil {
		return nil, err
	}
	dirs := map[string]string{"uploads": uploads.Dir(), "library": library.Dir()}
	// Neither the directories nor the database retry by themselves; the
	// breakers are named after the services they stand in for ("gcs",
	// "bigquery"), so the dashboards read the same.
	ports := app.Ports{Uploads: uploads, Library: library, Catalog: cat, Search: opts.Search, Closers: []io.Closer{cat},
		// Rows point at the files, which is where a local reader finds them.
		URI: func(bucket, name string) string {
			return "file://" + filepath.Join(dirs[bucket], filepath.FromSlash(name))
		}}
	if s.app, err = app.Build(app.Needs{Uploads: true, Library: true, Catalog: true, CatalogReads: true}, ports, app.Options{
		Log: s.log, Metrics: opts.Metrics, MaxFileSize: opts.MaxFileSize, Workers: opts.Workers,
		Retry: opts.Retry, Breaker: opts.Breaker,
	}); err != nil {
		return nil, err
	}
	s.p, s.m = s.app.Pipeline, s.app.Metrics
	s.app.Health.Details = func() map[string]any { return map[string]any{"queue": s.pending.Load()} }
	var ceOpts []cehttp.Option
	if opts.Token != "" {
		ceOpts = append(ceOpts, cehttp.WithHeader("Authorization", "Bearer "+opts.Token))
	}
	if s.client, err = cloudevents.NewClientHTTP(ceOpts...); err != nil {
		s.app.Close()
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", opts.Addr); err != nil {
		s.app.Close()
		return nil, err
	}
	s.base = "http://" + s.ln.Addr().String()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Metrics is the server's metrics.
func (s *Server) Metrics() *metrics.Metrics { return s.m }

// Library is the library's directory store, for the changes the pipeline's
// port does not make (a metadata update); they are routed like the others.
func (s *Server) Library() *localdir.Store { return s.library }

// Pipeline is the pipeline the services run.
func (s *Server) Pipeline() *pipeline.Pipeline { return s.p }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	guard := func(h http.Handler) http.Handler {
		if s.opts.Token != "" {
			h = httpapi.RequireToken(s.opts.Token, h, s.log)
		}
		return h
	}
	// Refused requests are counted in blend_requests_total too.
	api := s.m.BlendAPI(guard((&httpapi.API{P: s.p, Log: s.log, FileURL: FileURL}).Handler()))
	mux.Handle("/blend", api)
	mux.Handle("/blends", api)
	mux.Handle("/blends/", api)
	mux.Handle("/seeds", api)
	mux.Handle("GET "+FilesPath+"{name...}", guard(http.HandlerFunc(s.files)))
	mux.Handle("GET /viewer/", http.StripPrefix("/viewer", viewer.Handler()))
	mux.Handle("GET /viewer", http.RedirectHandler("/viewer/", http.StatusMovedPermanently))
	mux.Handle("POST "+ValidatePath, guard(eventarc.HTTP(eventarc.Validate(s.p, s.log))))
	mux.Handle("POST "+SyncPath, guard(eventarc.HTTP(eventarc.Sync(s.p, s.log))))
	mux.Handle("POST "+BatchPath, guard(eventarc.HTTP(eventarc.Batch(s.p, s.log))))
	mux.Handle("POST "+PreviewPath, guard(eventarc.HTTP(eventarc.Preview(s.p, s.log))))
	return mux
}

// Run serves and routes events until ctx ends, then finishes the event
// being delivered and closes the database.
func (s *Server) Run(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	// The probes and /metrics are served by the app beside the routes.
	srv, err := s.app.Start(ctx, s.routes(), app.ServeOptions{Listener: s.ln, Grace: 10 * time.Second})
	if err != nil {
		s.app.Close()
		return err
	}
	routed := make(chan struct{})
	go func() { s.route(ctx); close(routed) }()
	s.poll(ctx)
	tick := time.NewTicker(s.opts.Poll)
	defer tick.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err = <-srv.Err():
			break loop
		case <-tick.C:
			s.poll(ctx)
		}
	}
	stop() // the server failing ends the router too
	<-routed
	if serr := srv.Stop(); err == nil {
		err = serr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, s.app.Close())
}

// changed is the buckets' change hook. It runs in the writer's goroutine,
// so it only queues. Every event type goes to the triggers of its type: the
// end of a generation (archived or deleted) also ends its announcement, so
// that the poll does not report it again.
func (s *Server) changed(_ context.Context, ev storage.Event) {
	if ev.Type == storage.ObjectFinalized && !s.markSeen(ev.Object) {
		return
	}
	if ev.Type.Ends() {
		s.forget(ev.Object)
	}
	s.enqueue(ev)
}

func key(a storage.Attrs) string { return a.Bucket + "/" + a.Name }

func (s *Server) markSeen(a storage.Attrs) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[key(a)] >= a.Generation {
		return false
	}
	s.seen[key(a)] = a.Generation
	delete(s.staged, key(a))
	return true
}

func (s *Server) forget(a storage.Attrs) {
	s.mu.Lock()
	if s.seen[key(a)] == a.Generation {
		delete(s.seen, key(a))
	}
	s.mu.Unlock()
}

// delivery is an event for one target. Its id stays the same through
// redeliveries, as a CloudEvent's does.
type delivery struct {
	ev     storage.Event
	id     string
	target string // the service's path
	lane   string // the trigger's name
}

// lane is one trigger's queue.
type lane struct {
	mu    sync.Mutex
	queue []delivery
	wake  chan struct{}
}

// enqueue queues ev on the lane of every trigger it matches
// (eventarc.Triggers), as Eventarc publishes it to each matching
// trigger's subscription.
func (s *Server) enqueue(ev storage.Event) {
	id := strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(s.seq.Add(1), 10)
	role := eventarc.Library
	if ev.Object.Bucket == s.p.Uploads.Bucket() {
		role = eventarc.Uploads
	}
	for _, tr := range eventarc.Route(role, ev.Type) {
		s.pending.Add(1)
		s.push(delivery{ev: ev, id: id, target: EventsPath + tr.Service, lane: tr.Name})
	}
}

// push queues d, already counted in pending.
func (s *Server) push(d delivery) {
	l := s.lanes[d.lane]
	l.mu.Lock()
	l.queue = append(l.queue, d)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// poll announces files that appeared or changed since the last look and
// stayed unchanged for one interval, and deletes of files that went away.
func (s *Server) poll(ctx context.Context) {
	for _, st := range []storage.Store{s.p.Uploads, s.p.Library} {
		// Only what was seen before the listing began can have gone: an object written
		// through the store while the listing runs is announced by the change hook and
		// is missing from this listing without being deleted.
		s.mu.Lock()
		before := maps.Clone(s.seen)
		s.mu.Unlock()
		present := map[string]bool{}
		var found []storage.Attrs
		for a, err := range st.List(ctx, nil) {
			if err != nil {
				s.log.Warn("poll failed", "bucket", st.Bucket(), "error", err)
				return
			}
			present[key(a)] = true
			found = append(found, a)
		}
		var announce []storage.Event
		s.mu.Lock()
		for _, a := range found {
			k := key(a)
			switch {
			case s.seen[k] >= a.Generation:
			case s.staged[k] == a.Generation:
				delete(s.staged, k)
				s.seen[k] = a.Generation
				announce = append(announce, storage.Event{Type: storage.ObjectFinalized, Object: a})
			default:
				s.staged[k] = a.Generation
			}
		}
		// A file removed by hand leaves no noncurrent generation behind,
		// even in the versioned library: it is deleted for good.
		prefix := st.Bucket() + "/"
		for k, gen := range s.seen {
			if len(k) > len(prefix) && k[:len(prefix)] == prefix && !present[k] && before[k] == gen {
				delete(s.seen, k)
				announce = append(announce, storage.Event{Type: storage.ObjectDeleted,
					Object: storage.Attrs{Bucket: st.Bucket(), Name: k[len(prefix):], Generation: gen}})
			}
		}
		s.mu.Unlock()
		for _, ev := range announce {
			s.enqueue(ev)
		}
	}
}

// route delivers each trigger's queued events, Options.Deliverers at a
// time, until ctx ends.
func (s *Server) route(ctx context.Context) {
	var wg sync.WaitGroup
	for _, l := range s.lanes {
		for range s.opts.Deliverers {
			wg.Go(func() {
				for {
					d, ok := l.pop()
					if !ok {
						select {
						case <-ctx.Done():
							return
						case <-l.wake:
						}
						continue
					}
					s.deliver(ctx, d)
					s.pending.Add(-1)
				}
			})
		}
	}
	wg.Wait()
}

// pop takes the oldest queued delivery. While more wait, it wakes another
// deliverer: a push wakes only one.
func (l *lane) pop() (delivery, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 {
		return delivery{}, false
	}
	d := l.queue[0]
	l.queue[0] = delivery{}
	l.queue = l.queue[1:]
	if len(l.queue) > 0 {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	return d, true
}

func (s *Server) deliver(ctx context.Context, d delivery) {
	ev, id, path := d.ev, d.id, d.target
	ce, err := eventarc.Encode(ev, id)
	if err != nil {
		s.log.ErrorContext(logs.WithCorrelationID(ctx, id), "event not encodable", "object", ev.Object.Name, "error", err)
		return
	}
	longest := 100 * s.opts.Redelivery
	backoff := s.opts.Redelivery
	for attempt := 1; ; attempt++ {
		// An event already posted is seen through when shutting down;
		// only the retries stop.
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
		res := s.client.Send(cloudevents.ContextWithTarget(sendCtx, s.base+path), ce)
		cancel()
		var hr *cehttp.Result
		if cloudevents.IsACK(res) || (cloudevents.ResultAs(res, &hr) && hr.StatusCode/100 == 2) {
			return
		}
		if ctx.Err() != nil {
			s.log.ErrorContext(logs.WithCorrelationID(ctx, id), "event not delivered", "target", path, "object", ev.Object.Name, "attempts", attempt, "error", res)
			return
		}
		if attempt == 8 {
			// Back of the queue, so that one failing event does not hold
			// up the others, and again after the longest wait.
			s.log.WarnContext(logs.WithCorrelationID(ctx, id), "event not delivered yet; queued again", "target", path, "object", ev.Object.Name,
				"attempts", attempt, "retry_in", longest, "error", res)
			s.pending.Add(1)
			time.AfterFunc(longest, func() { s.push(d) })
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, longest)
	}
}

// Idle reports whether no event is queued or being delivered.
func (s *Server) Idle() bool { return s.pending.Load() == 0 }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Rows returns the current catalog rows of the local pipeline in dir.
func Rows(ctx context.Context, dir string) ([]catalog.Row, error) {
	cat, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		return nil, fmt.Errorf("catalog of %s: %w", dir, err)
	}
	defer cat.Close()
	rows, err := cat.Current(ctx, catalog.Filter{})
	if rows == nil {
		rows = []catalog.Row{}
	}
	return rows, err
}

// NoPipelineError is a directory given as a local pipeline's that holds none: using it would
// create an empty pipeline behind a mistyped name.
type NoPipelineError struct {
	Dir     string
	Missing string // the path that does not exist
}

func (e *NoPipelineError) Error() string {
	return fmt.Sprintf("no local pipeline in %s: %s does not exist (start one with: blendpipe dev --dir %s)", e.Dir, e.Missing, e.Dir)
}

// CheckDir wants dir to exist as a folder, as blendpipe dev makes it; commands other than dev
// call it before opening anything in dir, since opening creates.
func CheckDir(dir string) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return &NoPipelineError{Dir: dir, Missing: dir}
	}
	return nil
}
