//go:build corpus && emulator && fault

package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	cloudstorage "cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/googleapis/gax-go/v2"
	"github.com/sethvargo/go-envconfig"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/functions/metasync"
	"github.com/rydlrcs/mixamo-blend-pipeline/functions/preview"
	"github.com/rydlrcs/mixamo-blend-pipeline/functions/validate"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq/bqtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/faultproxy"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

const (
	faultProject = "test-project"
	faultDataset = "RAW_DEV"
	// clientDeadline is every dependency client's per-request deadline: a
	// held answer outlasts it.
	clientDeadline = 2 * time.Second
)

// faultUploads are the files uploaded during the faults: seeds of three
// rigs and formats, the same content under four names, one name
// overwritten, a character without animation, a non-Mixamo rig and
// malformed FBX.
var faultUploads = []struct{ name, file string }{
	{"Walking.fbx", "mixamo/kirby-xbot60__Walking_InPlace.fbx"},
	{"Running.fbx", "mixamo/kirby-xbot60__Running_InPlace.fbx"},
	{"Idle.fbx", "mixamo/kirby-xbot60__Idle.fbx"},
	{"Idle copy.fbx", "mixamo/kirby-xbot60__Idle.fbx"},
	{"Idle (2).fbx", "mixamo/kirby-xbot60__Idle.fbx"},
	{"idle_final.fbx", "mixamo/kirby-xbot60__Idle.fbx"},
	{"ch46/Walking.glb", "mixamo/add101-ch46__walking.glb"},
	{"ch46/Idle.fbx", "mixamo/add101-ch46__Idle.fbx"},
	{"motion.bvh", "mixamo/bvhpython__test_freebvh_mixamorig.bvh"},
	{"X Bot.fbx", "mixamo/kirby-xbot__x_bot_character_skin.fbx"},
	{"Robot.glb", "mixamo/threejs-copy__RobotExpressive.glb"},
	{"fuzz_0000.fbx", "ufbx/fuzz/fuzz_0000.fbx"},
	{"fuzz_0001.fbx", "ufbx/fuzz/fuzz_0001.fbx"},
	{"fuzz_0002.fbx", "ufbx/fuzz/fuzz_0002.fbx"},
	{"Running.fbx", "mixamo/kirby-xbot60__Running_InPlace.fbx"}, // uploaded again: a second generation
}

// faultBlends are the blend requests the clients send, each many times and
// concurrently, by the upload names of their sources.
var faultBlends = []struct {
	a, b string
	opts string
}{
	{"Walking.fbx", "Running.fbx", `"method": "mix", "ratio": 0.5`},
	{"Walking.fbx", "Running.fbx", `"method": "mix", "ratio": 0.25`},
	{"Walking.fbx", "Running.fbx", `"method": "transition"`},
	{"Running.fbx", "Walking.fbx", `"method": "layer", "mask": "upper_body"`},
}

// TestServicesUnderFaults runs the validate, metasync and blend services as
// Main wires them (their real Cloud Storage and BigQuery clients, retries and
// breakers) against fake-gcs-server and the BigQuery emulator, each behind a
// proxy that fails requests: 500, 503 and 429, answers held past the
// clients' deadline and reset connections, before and after the dependency
// acted. Events reach the services as CloudEvents over HTTP from a stand-in
// for Eventarc that redelivers on every non-2xx answer, and blend clients
// retry their requests on 5xx. Once the dependencies recover, the library
// and the catalog must be what a run without faults makes: one seed per
// content, one rejection with its reason per bad upload, one object per
// blend, one current row per seed and blend, and nothing half-written.
func TestServicesUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the services under injected faults")
	}
	ctx := t.Context()
	log := pipelinetest.Logger(t)

	// The expected outcome: the same uploads and blends without faults.
	want := reference(t)

	// The dependencies and the proxies in front of them.
	fake := startFakeGCS(t)
	direct := gcsClient(t, fake.URL(), nil)
	gcsProxy, err := faultproxy.New(fake.URL(), faultproxy.Options{Hold: 10 * clientDeadline})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gcsProxy.Close() })
	bqEndpoint := bqtest.Emulator(t, faultProject)
	bqProxy, err := faultproxy.New(bqEndpoint, faultproxy.Options{Hold: 10 * clientDeadline})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bqProxy.Close() })
	// The table exists before the services start, as Terraform makes it.
	bqDirect := bqClient(t, bqEndpoint)
	directCat := bq.New(bqDirect, faultDataset, bq.Options{})
	if err := bqDirect.Dataset(faultDataset).Create(ctx, &bigquery.DatasetMetadata{Location: "US"}); err != nil {
		t.Fatal(err)
	}
	if err := directCat.Ensure(ctx); err != nil {
		t.Fatal(err)
	}

	// The three services, each with its own clients through the proxies.
	var opened atomic.Int64
	validateURL := startService(t, "validate", app.Needs{Uploads: true, Library: true}, validate.Service, gcsProxy, nil, &opened)
	syncURL := startService(t, "metasync", app.Needs{Library: true, Catalog: true}, metasync.Service, gcsProxy, bqProxy, &opened)
	blendURL := startService(t, "blend", app.Needs{Library: true, Catalog: true}, blend.Service, gcsProxy, bqProxy, &opened)
	previewURL := startService(t, "preview", app.Needs{Library: true}, preview.Service, gcsProxy, nil, &opened)

	// First an outage of Cloud Storage: 40 calls in a row fail. Then faults
	// on every kind of call: reads, listings, uploads, inserts and queries.
	// Each plan runs its steps over the matching requests, then lets them
	// pass: the dependency has recovered.
	isUpload := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/upload/") }
	gcsProxy.Add(faultproxy.Plan{Name: "gcs outage", Times: 40, Steps: []faultproxy.Fault{faultproxy.Err503}})
	gcsProxy.Add(faultproxy.Plan{Name: "gcs uploads", Match: isUpload, Times: 3, Steps: []faultproxy.Fault{
		faultproxy.Err503, faultproxy.Pass, faultproxy.Err503After, faultproxy.Reset, faultproxy.Pass,
		faultproxy.ResetAfter, faultproxy.Err429, faultproxy.TimeoutAfter, faultproxy.Pass, faultproxy.Err500}})
	gcsProxy.Add(faultproxy.Plan{Name: "gcs reads", Times: 6, Steps: faultproxy.AllFaultsMixed})
	bqProxy.Add(faultproxy.Plan{Name: "bigquery", Times: 2, Steps: faultproxy.AllFaultsMixed})

	// The buckets' roles and each service's URL; the routes are the table
	// terraform declares.
	router := newEventarc(t, direct, map[string]string{"uploads": eventarc.Uploads, "library": eventarc.Library},
		map[string]string{eventarc.ValidateService: validateURL, eventarc.MetasyncService: syncURL, eventarc.BlendService: blendURL,
			eventarc.PreviewService: previewURL}, log)

	// The uploads, by a client that is not behind the proxy.
	uploads := direct.Bucket("uploads")
	for _, u := range faultUploads {
		w := uploads.Object(u.name).NewWriter(ctx)
		w.Write(pipelinetest.Corpus(t, u.file))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 3*time.Minute, "every upload seeded or rejected", func() bool {
		return router.idle() && accounted(t, direct, want)
	})

	// Blend clients, retrying on 5xx and dropped connections as a caller of
	// the API would, while the storage faults go on.
	gcsProxy.Add(faultproxy.Plan{Name: "gcs during blends", Times: 2, Steps: faultproxy.AllFaultsMixed})
	seeds := seedNames(t, direct)
	outputs := make([]map[string]int, len(faultBlends))
	var (
		mu       sync.Mutex
		retried  atomic.Int64
		requests atomic.Int64
		wg       sync.WaitGroup
	)
	const clients, perClient = 6, 4
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				k := (c + i) % len(faultBlends)
				fb := faultBlends[k]
				body := fmt.Sprintf(`{"a": %q, "b": %q, %s}`, seeds[fb.a], seeds[fb.b], fb.opts)
				out, tries, err := postUntilDone(ctx, blendURL+"blend", body)
				requests.Add(1)
				retried.Add(int64(tries - 1))
				if err != nil {
					t.Errorf("blend %d: %v", k, err)
					return
				}
				mu.Lock()
				if outputs[k] == nil {
					outputs[k] = map[string]int{}
				}
				outputs[k][out]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for k, outs := range outputs {
		if _, ok := outs[want.blendReqs[k]]; len(outs) != 1 || !ok {
			t.Errorf("blend request %d answered with %v, want only %s", k, outs, want.blendReqs[k])
		}
	}

	// The dependencies recover; the blends' rows follow through the router.
	gcsProxy.Recover()
	bqProxy.Recover()
	lib := waitSettled(t, direct, directCat, router)

	// The library holds what the run without faults made.
	checkLibrary(t, ctx, direct, lib, want)

	// Catalog reads through the blend API while BigQuery fails: 503 with
	// Retry-After, or a dropped request, until an answer listing every
	// blend.
	bqProxy.Add(faultproxy.Plan{Name: "bigquery during reads", Steps: faultproxy.AllFaultsMixed})
	var reads, readRetries atomic.Int64
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, tries, err := listUntilDone(ctx, blendURL+"blends")
			reads.Add(1)
			readRetries.Add(int64(tries - 1))
			if err != nil || n != len(want.blends) {
				t.Errorf("GET /blends: %d blends, %v; want %d", n, err, len(want.blends))
			}
		}()
	}
	wg.Wait()
	bqProxy.Recover()
	gs, bs := gcsProxy.Stats(), bqProxy.Stats()
	if gs.Injected() == 0 || bs.Injected() == 0 {
		t.Errorf("faults injected: gcs %s; bigquery %s", gs, bs)
	}
	t.Logf("Cloud Storage proxy: %s; by plan %v", gs, gs.ByPlan)
	t.Logf("BigQuery proxy: %s; by plan %v", bs, bs.ByPlan)
	t.Logf("events: %d delivered, %d redeliveries after a non-2xx answer or a dropped connection", router.delivered.Load(), router.redelivered.Load())
	t.Logf("blend API: %d blend requests, %d retried by the clients; %d catalog reads, %d retried", requests.Load(), retried.Load(),
		reads.Load(), readRetries.Load())
	// The Cloud Storage client retries idempotent calls until their
	// context ends, so a breaker opens only when calls outlast that.
	t.Logf("circuit breakers opened %d times", opened.Load())
}

// outcome is what a run leaves in the library.
type outcome struct {
	seedSHAs  map[string]bool            // content of every seed
	seeds     int                        // seed objects
	rejected  map[string]pipeline.Reason // upload name → reason
	blends    map[string]bool            // blend object names
	uploadSHA map[string]string          // upload name → its content hash
	blendReqs []string                   // the blend output of each faultBlends request
}

// reference runs the uploads and blends on a local pipeline without faults.
func reference(t *testing.T) outcome {
	t.Helper()
	env := pipelinetest.New(t, "localdir")
	p := env.P
	ctx := t.Context()
	o := outcome{seedSHAs: map[string]bool{}, rejected: map[string]pipeline.Reason{}, blends: map[string]bool{},
		uploadSHA: map[string]string{}}
	seedOf := map[string]string{}
	for _, u := range faultUploads {
		data := pipelinetest.Corpus(t, u.file)
		sum := sha256.Sum256(data)
		o.uploadSHA[u.name] = hex.EncodeToString(sum[:])
		obj := pipelinetest.Put(t, p.Uploads, u.name, data)
		v, err := p.Validate(ctx, obj, "reference")
		if err != nil {
			t.Fatalf("reference %s: %v", u.name, err)
		}
		switch v.Status {
		case pipeline.StatusSeeded, pipeline.StatusExists:
			seedOf[u.name] = v.Object
		case pipeline.StatusRejected:
			o.rejected[u.name] = v.Reason
		}
	}
	for _, a := range mustList(t, p.Library) {
		if strings.HasPrefix(a.Name, library.SeedPrefix) && library.IsCatalogued(a.Name) {
			o.seeds++
			o.seedSHAs[a.Metadata[library.MetaSHA256]] = true
		}
	}
	for _, fb := range faultBlends {
		req := pipeline.BlendRequest{Sources: []string{seedOf[fb.a], seedOf[fb.b]}}
		if err := json.Unmarshal([]byte("{"+fb.opts+"}"), &req.Options); err != nil {
			t.Fatal(err)
		}
		res, err := p.Blend(ctx, req)
		if err != nil {
			t.Fatalf("reference blend %v: %v", fb, err)
		}
		o.blends[res.Output] = true
		o.blendReqs = append(o.blendReqs, res.Output)
	}
	if len(o.rejected) == 0 || o.seeds == 0 || len(o.blends) != len(faultBlends) {
		t.Fatalf("reference run: %d seeds, rejected %v, blends %v", o.seeds, o.rejected, o.blends)
	}
	return o
}

func mustList(t *testing.T, s storage.Store) []storage.Attrs {
	t.Helper()
	all, err := storage.ListAll(t.Context(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func startFakeGCS(t *testing.T) *fakestorage.Server {
	t.Helper()
	port := pipelinetest.FreePort(t)
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", Port: uint16(port), Writer: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	for _, b := range []string{"uploads", "library"} {
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	return srv
}

// gcsClient is the real Cloud Storage client on endpoint with a deadline
// per request. Its retries keep their policy; only the waits are shortened
// to suit a test.
func gcsClient(t *testing.T, endpoint string, hc *http.Client) *cloudstorage.Client {
	t.Helper()
	opts := []option.ClientOption{option.WithEndpoint(endpoint + "/storage/v1/"), cloudstorage.WithJSONReads()}
	if hc != nil {
		opts = append(opts, option.WithHTTPClient(hc))
	} else {
		opts = append(opts, option.WithoutAuthentication())
	}
	c, err := cloudstorage.NewClient(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	c.SetRetry(cloudstorage.WithBackoff(gax.Backoff{Initial: 20 * time.Millisecond, Max: 500 * time.Millisecond, Multiplier: 2}))
	t.Cleanup(func() { c.Close() })
	return c
}

func bqClient(t *testing.T, endpoint string, opts ...option.ClientOption) *bigquery.Client {
	t.Helper()
	if len(opts) == 0 {
		opts = []option.ClientOption{option.WithoutAuthentication()}
	}
	c, err := bigquery.NewClient(context.Background(), faultProject, append(opts, option.WithEndpoint(endpoint))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// deadlineClient is an HTTP client whose requests give up after
// clientDeadline, as a client library's calls under a deadline do.
func deadlineClient() *http.Client {
	return &http.Client{Timeout: clientDeadline, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
}

// startService serves fn as app.Function does: the ports from the
// configuration, measured, retried and guarded by breakers, with the probes
// beside it. Its clients reach storage and BigQuery through the proxies.
// Each time one of its breakers opens, opened counts it.
func startService(t *testing.T, name string, needs app.Needs, fn app.Handler, gcsProxy, bqProxy *faultproxy.Proxy, opened *atomic.Int64) string {
	t.Helper()
	ctx := t.Context()
	cfg, err := config.Load(ctx, config.Options{Lookuper: envconfig.MapLookuper(map[string]string{
		"UPLOADS_BUCKET": "uploads", "GCS_BUCKET": "library", "BQ_PROJECT": faultProject, "BQ_DATASET": faultDataset,
		"MAX_RETRIES": "3", "RETRY_BACKOFF_MULTIPLIER": "2",
	})})
	if err != nil {
		t.Fatal(err)
	}
	log := pipelinetest.Logger(t).With("service", name)
	ports := app.Ports{StoreClientRetries: true, CatalogClientRetries: true}
	buckets := gcs.Wrap(gcsClient(t, gcsProxy.URL(), deadlineClient()), gcs.Options{})
	if needs.Uploads {
		ports.Uploads = buckets.Bucket(cfg.UploadsBucket)
	}
	ports.Library = buckets.Bucket(cfg.LibraryBucket)
	if needs.Catalog {
		ports.Catalog = bq.New(bqClient(t, bqProxy.URL(), option.WithHTTPClient(deadlineClient())), faultDataset, bq.Options{})
	}
	// Breakers as in production, but reopening for a trial call soon, so
	// that the test does not wait out 30 s after each outage.
	opts := app.FromConfig(cfg, log)
	opts.Breaker = resilience.BreakerSettings{Timeout: 200 * time.Millisecond,
		OnStateChange: func(dep string, s resilience.State) {
			if s == resilience.Open {
				opened.Add(1)
			}
		}}
	a, err := app.Build(needs, ports, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Serve(srvCtx, ln, a.Handler(fn(a.Pipeline, a.Metrics, log)), app.CloudRunGrace, log)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: Serve: %v", name, err)
		}
	})
	return "http://" + ln.Addr().String() + "/"
}

// eventarcStandIn stands in for Eventarc: it watches the buckets (directly, not
// through the proxies: the notifications do not cross the services' network)
// and posts each change as a CloudEvent over HTTP through every trigger of
// eventarc.Triggers it matches, redelivering with backoff until a 2xx
// answer.
type eventarcStandIn struct {
	t           *testing.T
	client      *cloudstorage.Client
	roles       map[string]string // bucket name => eventarc.Uploads or Library
	services    map[string]string // service => URL
	log         *slog.Logger
	ce          cloudevents.Client
	mu          sync.Mutex
	seen        map[string]int64
	inflight    int
	delivered   atomic.Int64
	redelivered atomic.Int64
	seq         atomic.Int64
}

func newEventarc(t *testing.T, client *cloudstorage.Client, roles, services map[string]string, log *slog.Logger) *eventarcStandIn {
	ce, err := cloudevents.NewClientHTTP()
	if err != nil {
		t.Fatal(err)
	}
	e := &eventarcStandIn{t: t, client: client, roles: roles, services: services, log: log, ce: ce, seen: map[string]int64{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.watch(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// idle reports whether every change seen so far was delivered and the last
// look at the buckets found nothing new.
func (e *eventarcStandIn) idle() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inflight == 0
}

func (e *eventarcStandIn) watch(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	send := func(ev storage.Event) {
		e.mu.Lock()
		e.inflight++
		e.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.deliver(ctx, ev)
			e.mu.Lock()
			e.inflight--
			e.mu.Unlock()
		}()
	}
	for ctx.Err() == nil {
		for bucket := range e.roles {
			objs, err := listBucket(ctx, e.client, bucket)
			if err != nil {
				continue
			}
			present := map[string]bool{}
			for _, a := range objs {
				k := bucket + "/" + a.Name
				present[k] = true
				e.mu.Lock()
				isNew := e.seen[k] < a.Generation
				if isNew {
					e.seen[k] = a.Generation
				}
				e.mu.Unlock()
				if isNew {
					send(storage.Event{Type: storage.ObjectFinalized, Object: a})
				}
			}
			e.mu.Lock()
			var gone []storage.Event
			for k, gen := range e.seen {
				if name, ok := strings.CutPrefix(k, bucket+"/"); ok && !present[k] {
					delete(e.seen, k)
					gone = append(gone, storage.Event{Type: storage.ObjectDeleted, Object: storage.Attrs{Bucket: bucket, Name: name, Generation: gen}})
				}
			}
			e.mu.Unlock()
			for _, ev := range gone {
				send(ev)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// deliver posts ev to each subscriber until it answers 2xx. The id stays the
// same on redelivery, as Eventarc's does.
func (e *eventarcStandIn) deliver(ctx context.Context, ev storage.Event) {
	id := fmt.Sprintf("evt-%d", e.seq.Add(1))
	ce, err := eventarc.Encode(ev, id)
	if err != nil {
		e.t.Errorf("encode %s: %v", ev.Object.Name, err)
		return
	}
	for _, tr := range eventarc.Route(e.roles[ev.Object.Bucket], ev.Type) {
		target := e.services[tr.Service]
		backoff := 50 * time.Millisecond
		for attempt := 1; ctx.Err() == nil; attempt++ {
			// The acknowledgement deadline: a service that holds the event
			// longer gets it again.
			sendCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
			res := e.ce.Send(cloudevents.ContextWithTarget(sendCtx, target), ce)
			cancel()
			e.delivered.Add(1)
			var hr *cehttp.Result
			if cloudevents.IsACK(res) || (cloudevents.ResultAs(res, &hr) && hr.StatusCode/100 == 2) {
				break
			}
			e.redelivered.Add(1)
			e.log.Info("redelivering", "object", ev.Object.Name, "target", target, "attempt", attempt, "result", res)
			select {
			case <-ctx.Done():
			case <-time.After(backoff/2 + rand.N(backoff/2+1)):
			}
			backoff = min(2*backoff, time.Second)
		}
	}
}

func listBucket(ctx context.Context, c *cloudstorage.Client, bucket string) ([]storage.Attrs, error) {
	return storage.ListAll(ctx, gcs.New(c, bucket, gcs.Options{}), nil)
}

func mustListBucket(t *testing.T, c *cloudstorage.Client, bucket string) []storage.Attrs {
	t.Helper()
	all, err := listBucket(t.Context(), c, bucket)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// accounted reports whether every upload has its outcome in the library:
// a seed of its content, or its rejection's reason file.
func accounted(t *testing.T, c *cloudstorage.Client, want outcome) bool {
	lib := mustListBucket(t, c, "library")
	names := map[string]bool{}
	shas := map[string]bool{}
	for _, a := range lib {
		names[a.Name] = true
		if strings.HasPrefix(a.Name, library.SeedPrefix) && library.IsCatalogued(a.Name) {
			shas[a.Metadata[library.MetaSHA256]] = true
		}
	}
	for name, sha := range want.uploadSHA {
		if _, rejected := want.rejected[name]; rejected {
			if !names[library.RejectedPrefix+name+library.ErrorSuffix] {
				return false
			}
		} else if !shas[sha] {
			return false
		}
	}
	return true
}

// seedNames maps each accepted upload name to its seed object.
func seedNames(t *testing.T, c *cloudstorage.Client) map[string]string {
	t.Helper()
	m := map[string]string{}
	bySHA := map[string]string{}
	for _, a := range mustListBucket(t, c, "library") {
		if strings.HasPrefix(a.Name, library.SeedPrefix) && library.IsCatalogued(a.Name) {
			bySHA[a.Metadata[library.MetaSHA256]] = a.Name
		}
	}
	for _, u := range faultUploads {
		sum := sha256.Sum256(pipelinetest.Corpus(t, u.file))
		if s, ok := bySHA[hex.EncodeToString(sum[:])]; ok {
			m[u.name] = s
		}
	}
	return m
}

// listUntilDone gets the blends until the API answers 200, and returns how
// many it listed and the attempts. A 503 must carry Retry-After.
func listUntilDone(ctx context.Context, url string) (int, int, error) {
	c := &http.Client{Timeout: 10 * time.Second}
	for attempt := 1; ; attempt++ {
		resp, err := c.Get(url)
		if err == nil {
			var out struct {
				Count int `json:"count"`
			}
			derr := json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK && derr == nil:
				return out.Count, attempt, nil
			case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "":
				return 0, attempt, errors.New("HTTP 503 without Retry-After")
			case resp.StatusCode != http.StatusServiceUnavailable:
				return 0, attempt, fmt.Errorf("HTTP %d (%v)", resp.StatusCode, derr)
			}
		}
		if attempt == 50 {
			return 0, attempt, fmt.Errorf("no answer after %d attempts: %v", attempt, err)
		}
		select {
		case <-ctx.Done():
			return 0, attempt, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// postUntilDone posts body until the API answers something other than 5xx
// or a dropped connection, and returns the blend's output and the attempts.
func postUntilDone(ctx context.Context, url, body string) (string, int, error) {
	backoff := 50 * time.Millisecond
	// An impatient client: the first attempts give up before a blend under
	// faults can finish, so a retry meets the attempt still running.
	timeout := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		c := &http.Client{Timeout: timeout}
		timeout = min(2*timeout, time.Minute)
		resp, err := c.Post(url, "application/json", strings.NewReader(body))
		if err == nil {
			var out struct {
				Output string `json:"output"`
				Error  string `json:"error"`
			}
			derr := json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			switch {
			case resp.StatusCode/100 == 2 && derr == nil && out.Output != "":
				return out.Output, attempt, nil
			case resp.StatusCode < 500:
				return "", attempt, fmt.Errorf("HTTP %d: %s (%v)", resp.StatusCode, out.Error, derr)
			}
		}
		if attempt == 100 {
			return "", attempt, fmt.Errorf("no answer after %d attempts: %v", attempt, err)
		}
		select {
		case <-ctx.Done():
			return "", attempt, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// waitSettled waits until the router is idle and every seed and blend has
// its current catalog row, and returns the library.
func waitSettled(t *testing.T, c *cloudstorage.Client, cat catalog.Store, router *eventarcStandIn) []storage.Attrs {
	t.Helper()
	var lib []storage.Attrs
	var rows []catalog.Row
	waitFor(t, 3*time.Minute, "a current row for every seed and blend", func() bool {
		if !router.idle() {
			return false
		}
		var err error
		if lib, err = listBucket(t.Context(), c, "library"); err != nil {
			return false
		}
		if rows, err = cat.Current(t.Context(), catalog.Filter{}); err != nil {
			return false
		}
		return len(missingRows(lib, rows)) == 0 && router.idle()
	})
	// Exactly one current row each, at the object's generation.
	count := map[string]int{}
	for _, r := range rows {
		count[r.Name]++
	}
	gens := map[string]int64{}
	for _, a := range lib {
		if library.IsCatalogued(a.Name) {
			gens[a.Name] = a.Generation
		}
	}
	for _, r := range rows {
		if count[r.Name] != 1 {
			t.Errorf("%s: %d current rows", r.Name, count[r.Name])
		}
		if g, ok := gens[r.Name]; !ok || g != r.Generation {
			t.Errorf("row %s#%d: the library has generation %d (present %v)", r.Name, r.Generation, g, ok)
		}
	}
	return lib
}

func missingRows(lib []storage.Attrs, rows []catalog.Row) []string {
	have := map[string]int64{}
	for _, r := range rows {
		have[r.Name] = r.Generation
	}
	var missing []string
	for _, a := range lib {
		if library.IsCatalogued(a.Name) && have[a.Name] != a.Generation {
			missing = append(missing, a.Name)
		}
	}
	return missing
}

var (
	seedName  = regexp.MustCompile(`^seed/[a-z0-9-]+/[a-z0-9-]+\.(fbx|glb|gltf|bvh)$`)
	blendName = regexp.MustCompile(`^blend/[a-z0-9-]+/[a-z]+-[0-9a-f]{12}\.(fbx|glb|gltf|bvh)$`)
)

// checkLibrary compares the library with the reference and checks that
// every object is whole.
func checkLibrary(t *testing.T, ctx context.Context, c *cloudstorage.Client, lib []storage.Attrs, want outcome) {
	t.Helper()
	names := map[string]storage.Attrs{}
	seeds, seedSHAs, blends := 0, map[string]bool{}, map[string]bool{}
	store := gcs.New(c, "library", gcs.Options{})
	for _, a := range lib {
		names[a.Name] = a
	}
	for _, a := range lib {
		switch {
		case seedName.MatchString(a.Name), blendName.MatchString(a.Name):
			if strings.HasPrefix(a.Name, library.SeedPrefix) && library.IsCatalogued(a.Name) {
				seeds++
				seedSHAs[a.Metadata[library.MetaSHA256]] = true
			} else {
				blends[a.Name] = true
			}
			data, _, err := storage.ReadAll(ctx, store, a.Name, nil)
			if err != nil {
				t.Errorf("%s: %v", a.Name, err)
				continue
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != a.Metadata[library.MetaSHA256] || int64(len(data)) != a.Size {
				t.Errorf("%s: %d bytes, sha256 %x; metadata says %s", a.Name, len(data), sum, a.Metadata[library.MetaSHA256])
			}
			if _, err := animfile.Decode(path.Base(a.Name), data); err != nil {
				t.Errorf("%s does not decode: %v", a.Name, err)
			}
			for _, k := range []string{library.MetaRig, library.MetaFormat, library.MetaFrames, library.MetaCorrelationID} {
				if a.Metadata[k] == "" {
					t.Errorf("%s: metadata lacks %s: %v", a.Name, k, a.Metadata)
				}
			}
			if strings.HasPrefix(a.Name, library.BlendPrefix) && a.Metadata[library.MetaBlendKey] == "" {
				t.Errorf("%s: no blend key", a.Name)
			}
		case strings.HasPrefix(a.Name, library.RejectedPrefix) && strings.HasSuffix(a.Name, library.ErrorSuffix):
			upload := strings.TrimSuffix(strings.TrimPrefix(a.Name, library.RejectedPrefix), library.ErrorSuffix)
			if _, ok := names[library.RejectedPrefix+upload]; !ok {
				t.Errorf("%s without the rejected copy", a.Name)
			}
			body, _, err := storage.ReadAll(ctx, store, a.Name, nil)
			var r pipeline.Rejection
			if err == nil {
				err = json.Unmarshal(body, &r)
			}
			if err != nil || r.Message == "" || r.Reason != want.rejected[upload] {
				t.Errorf("%s: reason %q (%v), want %q", a.Name, r.Reason, err, want.rejected[upload])
			}
		case strings.HasSuffix(a.Name, library.PreviewSuffix), strings.HasSuffix(a.Name, library.MetricsSuffix):
			// A picture belongs to the seed or blend that names it.
			owner := strings.TrimSuffix(strings.TrimSuffix(a.Name, library.PreviewSuffix), library.MetricsSuffix)
			if o, ok := names[owner]; !ok || o.Metadata[library.MetaPreview] != library.PreviewName(owner) {
				t.Errorf("picture %s of no seed or blend naming it", a.Name)
			}
		case strings.HasPrefix(a.Name, library.RejectedPrefix):
			if _, ok := names[a.Name+library.ErrorSuffix]; !ok {
				t.Errorf("%s without its reason", a.Name)
			}
			if _, ok := want.rejected[strings.TrimPrefix(a.Name, library.RejectedPrefix)]; !ok {
				t.Errorf("%s: rejected, but the run without faults seeded it", a.Name)
			}
		default:
			t.Errorf("unexpected object %s in the library", a.Name)
		}
	}
	for name := range want.rejected {
		if _, ok := names[library.RejectedPrefix+name+library.ErrorSuffix]; !ok {
			t.Errorf("%s: no rejection recorded", name)
		}
	}
	if seeds != want.seeds || len(seedSHAs) != len(want.seedSHAs) {
		t.Errorf("%d seed objects of %d contents, want %d of %d", seeds, len(seedSHAs), want.seeds, len(want.seedSHAs))
	}
	for sha := range want.seedSHAs {
		if !seedSHAs[sha] {
			t.Errorf("no seed of content %s", sha)
		}
	}
	got, wantBlends := slices.Sorted(maps.Keys(blends)), slices.Sorted(maps.Keys(want.blends))
	if !slices.Equal(got, wantBlends) {
		t.Errorf("blends %v, want %v", got, wantBlends)
	}
	var sum []string
	for name, r := range want.rejected {
		sum = append(sum, name+"="+string(r))
	}
	sort.Strings(sum)
	t.Logf("library: %d seeds, %d blends, rejected %s", seeds, len(blends), strings.Join(sum, " "))
}
