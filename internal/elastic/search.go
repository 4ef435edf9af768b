// Package search indexes catalog rows in Elasticsearch (official Go client)
// for full-text search over the library, when ELASTICSEARCH_URL and
// ES_API_KEY are set. The catalog stays the record: the index is a view of
// it that the metadata sync keeps up to date on a best-effort basis.
//
// Eventarc delivers events at least once and out of order, so each document
// carries the object generation as its external version: a finalize indexes
// with version_type=external (strictly newer only), a delete removes with
// external_gte, and a stale or repeated event is answered 409, which counts
// as done. Elasticsearch keeps delete tombstones for index.gc_deletes (60 s
// by default); an event for the same generation arriving later than that
// after its delete can bring the document back until the next change.
package elastic

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// DefaultIndex is the index the rows go to.
const DefaultIndex = "animations"

// Options configure an Index.
type Options struct {
	URL    string
	APIKey string
	Index  string // DefaultIndex when empty
	// Timeout bounds one call, retries included, so a hung cluster cannot
	// hold up the sync; 5 s when zero.
	Timeout time.Duration
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// Index is the search index of the catalog's rows.
type Index struct {
	es      *elasticsearch.Client
	index   string
	timeout time.Duration
}

// New returns an Index; it does not contact the cluster.
func New(opts Options) (*Index, error) {
	es, err := elasticsearch.NewClient(elasticsearch.Config{
		Addresses: []string{opts.URL}, APIKey: opts.APIKey, Transport: opts.Transport, MaxRetries: 2,
	})
	if err != nil {
		// The client's message may quote the URL, which may carry
		// credentials.
		return nil, fmt.Errorf("search: elasticsearch client: invalid configuration")
	}
	x := &Index{es: es, index: opts.Index, timeout: opts.Timeout}
	if x.index == "" {
		x.index = DefaultIndex
	}
	if x.timeout <= 0 {
		x.timeout = 5 * time.Second
	}
	return x, nil
}

// DocID is the document id of an object: object names hold slashes, which
// the client would put into the URL path unescaped.
func DocID(bucket, name string) string {
	h := sha256.Sum256([]byte(bucket + "/" + name))
	return hex.EncodeToString(h[:20])
}

// Put indexes a finalized row or removes a deleted one.
func (x *Index) Put(ctx context.Context, row catalog.Row) error {
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	id := DocID(row.Bucket, row.Name)
	if row.Deleted {
		res, err := x.es.Delete(x.index, id, x.es.Delete.WithContext(ctx),
			x.es.Delete.WithVersion(int(row.Generation)), x.es.Delete.WithVersionType("external_gte"))
		return answer("delete", row, res, err, http.StatusNotFound)
	}
	body, err := json.Marshal(row)
	if err != nil {
		return err
	}
	res, err := x.es.Index(x.index, bytes.NewReader(body), x.es.Index.WithContext(ctx), x.es.Index.WithDocumentID(id),
		x.es.Index.WithVersion(int(row.Generation)), x.es.Index.WithVersionType("external"))
	return answer("index", row, res, err)
}

// answer accepts 2xx, 409 (a newer or the same generation is indexed
// already) and the statuses in ok.
func answer(op string, row catalog.Row, res *esapi.Response, err error, ok ...int) error {
	if err != nil {
		return fmt.Errorf("search: %s %s#%d: %w", op, row.Name, row.Generation, err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	if res.StatusCode/100 == 2 || res.StatusCode == http.StatusConflict || slices.Contains(ok, res.StatusCode) {
		return nil
	}
	return fmt.Errorf("search: %s %s#%d: HTTP %d", op, row.Name, row.Generation, res.StatusCode)
}

// Open is New for a URL and an API key, as the pipeline's index.
func Open(url, apiKey string) (pipeline.Indexer, error) {
	return New(Options{URL: url, APIKey: apiKey})
}
