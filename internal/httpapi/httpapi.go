// Package httpapi is the blend service's HTTP API over the pipeline:
//
//	POST /blend          make a blend (or find it made), answer its object and metrics
//	GET  /blends         current blends from the catalog, filtered by rig, clip, method, source
//	GET  /blends/{name}  one blend's catalog row
//	GET  /seeds          current seeds from the catalog, filtered by rig, clip
//
// The lists answer pages in name order: limit (default 1000, at most 10000)
// rows, and next_cursor when more follow, passed back as cursor with the
// same filters (see cursor.go).
//
// Errors are JSON objects {"error", "kind", "field"} with 400 for bad input
// (naming the field), 404 for a missing source or blend, 409 for an output
// name holding another blend, 413 over limits and 503 with Retry-After when
// storage or the catalog is down. In production the service sits behind
// Cloud Run IAM (roles/run.invoker), so the API has no authentication of its
// own; the local pipeline may put RequireToken in front of it. Every answer
// carries the request's X-Correlation-ID (see logs.Middleware).
package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// MaxBodyBytes bounds a POST /blend body.
const MaxBodyBytes = 1 << 20

// SignedURLTTL is how long the URLs in catalog answers stay valid.
const SignedURLTTL = 15 * time.Minute

// API serves the routes.
type API struct {
	P   *pipeline.Pipeline
	Log *slog.Logger
	// FileURL, when set, gives the URL of an object the library cannot sign
	// a URL for: the local pipeline serves its objects itself.
	FileURL func(name string) string

	urls    urlCache
	entries entryCache
}

// Handler returns the routes on a new mux.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /blend", a.postBlend)
	mux.HandleFunc("GET /blends", a.listBlends)
	mux.HandleFunc("GET /blends/{name...}", a.getBlend)
	mux.HandleFunc("GET /seeds", a.listSeeds)
	return logs.Middleware(mux)
}

func (a *API) log() *slog.Logger { return cmp.Or(a.Log, slog.Default()) }

// BlendBody is the JSON of POST /blend. The short form names two sources as
// a and b with the options inline:
//
//	{"a": "seed/...", "b": "seed/...", "method": "mix", "ratio": 0.5, "format": "fbx"}
//
// The long form lists sources and nests the options:
//
//	{"sources": ["seed/...", "seed/..."], "options": {"method": "transition"}, "output": "blend/x.fbx"}
type BlendBody struct {
	A       string         `json:"a,omitempty"`
	B       string         `json:"b,omitempty"`
	Sources []string       `json:"sources,omitempty"`
	Options *blend.Options `json:"options,omitempty"`
	Format  string         `json:"format,omitempty"`
	Output  string         `json:"output,omitempty"`
	// Name names the output clip.
	Name string `json:"name,omitempty"`
	// Inline holds options written beside the sources.
	Inline
}

// Inline is blend.Options embedded in BlendBody.
type Inline = blend.Options

// ErrorBody is every error answer.
type ErrorBody struct {
	Error string `json:"error"`
	Kind  string `json:"kind"`
	Field string `json:"field,omitempty"`
}

// CorrelationID is the request's correlation id: the one Handler's
// middleware put in its context (X-Correlation-ID, else X-Request-ID, else
// a new one; see logs.Middleware).
func CorrelationID(r *http.Request) string {
	if id := logs.CorrelationID(r.Context()); id != "" {
		return id
	}
	return logs.RequestID(r)
}

func (a *API) postBlend(w http.ResponseWriter, r *http.Request) {
	corr := CorrelationID(r)
	req, err := decodeBlend(w, r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	req.CorrelationID = corr
	res, err := a.P.Blend(r.Context(), req)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	status := http.StatusCreated
	if res.Cached {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
}

// decodeBlend reads the body strictly: unknown fields and wrong types are
// answered with the field's name.
func decodeBlend(w http.ResponseWriter, r *http.Request) (pipeline.BlendRequest, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return pipeline.BlendRequest{}, &pipeline.Error{Kind: pipeline.KindTooLarge, Field: "body", Msg: fmt.Sprintf("more than %d bytes", MaxBodyBytes)}
	}
	if err != nil {
		return pipeline.BlendRequest{}, &pipeline.Error{Kind: pipeline.KindInvalid, Field: "body", Msg: err.Error()}
	}
	var b BlendBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return pipeline.BlendRequest{}, jsonError(err)
	}
	if dec.More() {
		return pipeline.BlendRequest{}, &pipeline.Error{Kind: pipeline.KindInvalid, Field: "body", Msg: "more than one JSON value"}
	}
	req := pipeline.BlendRequest{Format: b.Format, Output: b.Output, ClipName: b.Name, Options: b.Inline}
	switch {
	case len(b.Sources) > 0 && (b.A != "" || b.B != ""):
		return req, &pipeline.Error{Kind: pipeline.KindInvalid, Field: "sources", Msg: "give sources or a and b, not both"}
	case len(b.Sources) > 0:
		req.Sources = b.Sources
	case b.A == "":
		return req, &pipeline.Error{Kind: pipeline.KindInvalid, Field: "a", Msg: "missing; give a and b, or sources"}
	case b.B == "" && strings.EqualFold(strings.TrimSpace(b.Inline.Method), blend.Edit):
		req.Sources = []string{b.A} // an edit of one clip
	case b.B == "":
		return req, &pipeline.Error{Kind: pipeline.KindInvalid, Field: "b", Msg: "missing; give a and b, or sources"}
	default:
		req.Sources = []string{b.A, b.B}
	}
	if b.Options != nil {
		if b.Inline.Method != "" || b.Inline.Ratio != nil {
			// Inline and nested options at once would be ambiguous.
			return req, &pipeline.Error{Kind: pipeline.KindInvalid, Field: "options", Msg: "give options nested or inline, not both"}
		}
		req.Options = *b.Options
	}
	if req.Options.Method == "" {
		req.Options.Method = blend.Mix
	}
	return req, nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var oe *blend.OptionError
	switch {
	case errors.As(err, &oe):
		return &pipeline.Error{Kind: pipeline.KindInvalid, Field: oe.Field, Msg: oe.Msg}
	case errors.As(err, &te):
		field := strings.TrimPrefix(te.Field, "Inline.")
		return &pipeline.Error{Kind: pipeline.KindInvalid, Field: cmp.Or(field, "body"), Msg: fmt.Sprintf("got a JSON %s, want %s", te.Value, te.Type)}
	case errors.As(err, &se):
		return &pipeline.Error{Kind: pipeline.KindInvalid, Field: "body", Msg: fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &pipeline.Error{Kind: pipeline.KindInvalid, Field: f, Msg: "unknown field"}
	}
	return &pipeline.Error{Kind: pipeline.KindInvalid, Field: "body", Msg: err.Error()}
}

func (a *API) listBlends(w http.ResponseWriter, r *http.Request) {
	a.list(w, r, catalog.KindBlend, "blends")
}

func (a *API) listSeeds(w http.ResponseWriter, r *http.Request) {
	a.list(w, r, catalog.KindSeed, "seeds")
}

// DefaultLimit and MaxLimit bound a page of GET /blends and GET /seeds.
const (
	DefaultLimit = 1000
	MaxLimit     = 10000
)

func (a *API) list(w http.ResponseWriter, r *http.Request, kind catalog.Kind, key string) {
	q := r.URL.Query()
	f := catalog.Filter{Kind: kind, Rig: q.Get("rig"), Clip: q.Get("clip"), Method: q.Get("method"), Source: q.Get("source")}
	limit := DefaultLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			a.fail(w, r, &pipeline.Error{Kind: pipeline.KindInvalid, Field: "limit", Msg: fmt.Sprintf("%q: want 1 to %d", s, MaxLimit)})
			return
		}
		limit = n
	}
	if s := q.Get("cursor"); s != "" {
		after, err := decodeCursor(s, f)
		if err != nil {
			a.fail(w, r, &pipeline.Error{Kind: pipeline.KindInvalid, Field: "cursor", Msg: err.Error()})
			return
		}
		f.After = after
	}
	// One row beyond the page says whether another follows.
	f.Limit = limit + 1
	rows, err := a.P.Catalog.Current(r.Context(), f)
	if err != nil {
		a.fail(w, r, catalogError(err))
		return
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		next = encodeCursor(rows[limit-1].Name, f)
	}
	body, err := a.page(r.Context(), key, rows, next)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// page is the body of a list answer, byte for byte what writeJSON gives
// for {key: entries, "count": n, "next_cursor": next}, built from each
// row's entry encoded once (see entryCache): pollers ask for the same
// rows again and again, and encoding is most of an answer's cost.
func (a *API) page(ctx context.Context, key string, rows []catalog.Row, next string) ([]byte, error) {
	now := time.Now()
	enc := a.entries.lookup(rows, now)
	fresh, size := 0, 0
	for i, e := range enc {
		if e.json == nil {
			var until time.Time
			entry := a.entry(ctx, rows[i], &until)
			b, err := json.MarshalIndent(entry, "    ", "  ")
			if err != nil {
				return nil, fmt.Errorf("encoding the catalog row of %s: %w", rows[i].Name, err)
			}
			enc[i] = encodedEntry{gen: rows[i].Generation, synced: rows[i].SyncedAt, until: until, json: b}
			fresh++
		}
		size += len(enc[i].json) + 6
	}
	a.entries.store(rows, enc, fresh)
	list := make([]byte, 0, size+8)
	if len(enc) == 0 {
		list = append(list, "[]"...)
	} else {
		list = append(list, '[')
		for i, e := range enc {
			if i > 0 {
				list = append(list, ',')
			}
			list = append(list, "\n    "...)
			list = append(list, e.json...)
		}
		list = append(list, "\n  ]"...)
	}
	// Members in the order encoding/json gives a map's: sorted by key.
	type member struct {
		key   string
		value []byte
	}
	members := []member{{key, list}, {"count", strconv.AppendInt(nil, int64(len(enc)), 10)}}
	if next != "" {
		members = append(members, member{"next_cursor", strconv.AppendQuote(nil, next)}) // base64url: nothing to escape
	}
	slices.SortFunc(members, func(x, y member) int { return strings.Compare(x.key, y.key) })
	b := make([]byte, 0, len(list)+len(next)+64)
	b = append(b, '{')
	for i, m := range members {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n  \""...)
		b = append(b, m.key...)
		b = append(b, "\": "...)
		b = append(b, m.value...)
	}
	return append(b, "\n}\n"...), nil
}

func (a *API) getBlend(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !library.IsBlend(name) {
		name = library.BlendPrefix + name
	}
	if err := storage.ValidateName(name); err != nil {
		a.fail(w, r, &pipeline.Error{Kind: pipeline.KindInvalid, Field: "name", Msg: err.Error()})
		return
	}
	row, err := a.P.Catalog.Get(r.Context(), name)
	if errors.Is(err, catalog.ErrNotFound) {
		a.fail(w, r, &pipeline.Error{Kind: pipeline.KindNotFound, Field: "name", Msg: name + " is not in the catalog"})
		return
	}
	if err != nil {
		a.fail(w, r, catalogError(err))
		return
	}
	writeJSON(w, http.StatusOK, a.entry(r.Context(), row, nil))
}

// Entry is a catalog row with where to fetch the object.
type Entry struct {
	catalog.Row
	// URL is a signed GET URL on GCS, the local server's file URL locally
	// (see API.FileURL); empty where neither is available.
	URL string `json:"url,omitempty"`
	// PreviewURL is the same for the preview image (Row.Preview).
	PreviewURL string `json:"preview_url,omitempty"`
	// MetricsURL is a blend's plot of its quality metrics, written with the
	// preview.
	MetricsURL string `json:"metrics_url,omitempty"`
	// Label is a blend's human-readable name (pipeline.Label); Clip is the
	// same spelled as engines accept it, unless the blend was named.
	Label string `json:"label,omitempty"`
}

// entry is row with its URLs; until, when not nil, is set to the time
// before which every signed URL in it may be reused.
func (a *API) entry(ctx context.Context, row catalog.Row, until *time.Time) Entry {
	e := Entry{Row: row, URL: a.url(ctx, row.Name, until), Label: pipeline.Label(row)}
	if row.Preview != "" {
		e.PreviewURL = a.url(ctx, row.Preview, until)
		if row.Kind == catalog.KindBlend {
			e.MetricsURL = a.url(ctx, library.MetricsName(row.Name), until)
		}
	}
	return e
}

// url is the URL of object name; it lowers *until to the reuse bound of a
// signed one.
func (a *API) url(ctx context.Context, name string, until *time.Time) string {
	now := time.Now()
	s, ok := a.urls.get(name, now)
	if !ok {
		u, err := a.P.Library.SignedURL(name, SignedURLTTL)
		switch {
		case err == nil:
			s = a.urls.put(name, u, now, SignedURLTTL)
		case !errors.Is(err, storage.ErrUnsupported):
			a.log().WarnContext(ctx, "signing a URL failed", "object", name, "error", err)
			if until != nil {
				*until = now // an entry without its URL is not kept
			}
			return ""
		case a.FileURL != nil:
			return a.FileURL(name)
		default:
			return ""
		}
	}
	if until != nil && (until.IsZero() || s.until.Before(*until)) {
		*until = s.until
	}
	return s.url
}

func catalogError(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	// The catalog's own failures (BigQuery, the database) are the
	// dependency being down from the client's point of view.
	return &pipeline.Error{Kind: pipeline.KindUnavailable, Msg: "catalog unavailable: " + err.Error(), Err: err}
}

// Status maps a pipeline error kind to the HTTP status.
func Status(k pipeline.Kind) int {
	switch k {
	case pipeline.KindInvalid:
		return http.StatusBadRequest
	case pipeline.KindNotFound:
		return http.StatusNotFound
	case pipeline.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case pipeline.KindConflict:
		return http.StatusConflict
	case pipeline.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	k := pipeline.KindOf(err)
	body := ErrorBody{Error: err.Error(), Kind: k.String()}
	var pe *pipeline.Error
	if errors.As(err, &pe) {
		body.Field = pe.Field
		if pe.Msg != "" {
			body.Error = strings.TrimPrefix(pe.Error(), "pipeline: ")
		}
	}
	status := Status(k)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	if status >= 500 {
		a.log().ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "status", status, "error", err)
		if k == pipeline.KindInternal {
			body.Error = "internal error"
		}
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
