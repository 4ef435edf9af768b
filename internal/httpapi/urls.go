package httpapi

import (
	"sync"
	"time"
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

func (c *urlCache) get(name string, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.urls[name]
	if !ok || !now.Before(s.until) {
		return "", false
	}
	return s.url, true
}

func (c *urlCache) put(name, url string, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.urls == nil || len(c.urls) >= maxURLs {
		c.urls = make(map[string]signed)
	}
	c.urls[name] = signed{url: url, until: now.Add(ttl / 2)}
}
