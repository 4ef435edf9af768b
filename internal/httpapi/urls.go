package httpapi

import (
	"sync"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// urlCache keeps signed URLs for reuse while they have at least half their
// lifetime left. On Cloud Run without a key file every signature is an IAM
// signBlob call, and a page of blends needs up to three URLs a row, so
// signing each on every poll would cost thousands of calls a request.
type urlCache struct {
	mu   sync.Mutex
	urls map[string]signed
}

type signed struct {
	url   string
	until time.Time // reuse before this
}

// maxURLs bounds the cache; it is emptied when full rather than tracking
// use, since a poll re-signs at most one page.
const maxURLs = 100_000

func (c *urlCache) get(name string, now time.Time) (signed, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.urls[name]
	if !ok || !now.Before(s.until) {
		return signed{}, false
	}
	return s, true
}

func (c *urlCache) put(name, url string, now time.Time, ttl time.Duration) signed {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.urls == nil || len(c.urls) >= maxURLs {
		c.urls = make(map[string]signed)
	}
	s := signed{url: url, until: now.Add(ttl / 2)}
	c.urls[name] = s
	return s
}

// entryCache keeps the JSON of list entries, per name, for the version of
// the row it was encoded from (generation and sync time: a metadata update
// keeps the generation) while its signed URLs may be reused. A page of
// 1000 then costs copies, not encodings.
type entryCache struct {
	mu      sync.Mutex
	entries map[string]encodedEntry
}

type encodedEntry struct {
	gen    int64
	synced time.Time
	until  time.Time // zero: no signed URL in it
	json   []byte    // indented as an element of a list answer
}

// maxEntries bounds the cache (about a kilobyte an entry); it is emptied
// when full, like urlCache.
const maxEntries = 50_000

// lookup returns the cached encoding of each row, a nil json where there
// is none for that version or it has expired.
func (c *entryCache) lookup(rows []catalog.Row, now time.Time) []encodedEntry {
	out := make([]encodedEntry, len(rows))
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range rows {
		e, ok := c.entries[r.Name]
		if ok && e.gen == r.Generation && e.synced.Equal(r.SyncedAt) && (e.until.IsZero() || now.Before(e.until)) {
			out[i] = e
		}
	}
	return out
}

// store keeps the entries of rows, of which fresh were encoded by this
// answer.
func (c *entryCache) store(rows []catalog.Row, enc []encodedEntry, fresh int) {
	if fresh == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries)+fresh > maxEntries {
		c.entries = make(map[string]encodedEntry, min(maxEntries, 2*len(rows)))
	}
	for i, r := range rows {
		if e := enc[i]; e.json != nil {
			c.entries[r.Name] = e
		}
	}
}
