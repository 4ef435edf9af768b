package transfer

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress is told how a transfer advances. Implementations are safe for
// concurrent use.
type Progress interface {
	// Start announces the number of files and bytes to handle.
	Start(files int, bytes int64)
	// Add counts bytes handled; negative when an attempt is abandoned and
	// its bytes will be sent again.
	Add(bytes int64)
	// Done reports one file's outcome.
	Done(r Result)
	// Finish ends the display.
	Finish()
}

type nopProgress struct{}

func (nopProgress) Start(int, int64) {}
func (nopProgress) Add(int64)        {}
func (nopProgress) Done(Result)      {}
func (nopProgress) Finish()          {}

// Bar shows progress on w: on a terminal, one line redrawn in place with a
// bar, the files and bytes done and the rate, with failures printed above
// it; elsewhere (a log, a CI job) one plain line per file.
type Bar struct {
	w     io.Writer
	tty   bool
	every time.Duration

	mu           sync.Mutex
	files, done  int
	total, bytes int64
	start        time.Time
	stop         chan struct{}
	wg           sync.WaitGroup
}

// NewBar returns a Bar writing to w; tty says whether w is a terminal.
func NewBar(w io.Writer, tty bool) *Bar {
	return &Bar{w: w, tty: tty, every: 200 * time.Millisecond}
}

// Start begins the display.
func (b *Bar) Start(files int, bytes int64) {
	b.mu.Lock()
	b.files, b.total, b.start = files, bytes, time.Now()
	b.mu.Unlock()
	if !b.tty {
		return
	}
	b.stop = make(chan struct{})
	b.wg.Go(func() {
		t := time.NewTicker(b.every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.mu.Lock()
				b.draw()
				b.mu.Unlock()
			}
		}
	})
}

// Add counts bytes.
func (b *Bar) Add(n int64) {
	b.mu.Lock()
	b.bytes += n
	b.mu.Unlock()
}

// Done reports a file.
func (b *Bar) Done(r Result) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done++
	line := fmt.Sprintf("%-10s %s", r.Outcome, r.Path)
	if r.Object != "" && r.Object != r.Path {
		line += " -> " + r.Object
	}
	if r.Reason != "" {
		line += ": " + r.Reason
	}
	if !b.tty {
		fmt.Fprintf(b.w, "[%d/%d] %s\n", b.done, b.files, line)
		return
	}
	if r.Outcome == Failed {
		fmt.Fprintf(b.w, "\r\033[K%s\n", line)
	}
	b.draw()
}

// Finish draws the last state and ends the line.
func (b *Bar) Finish() {
	if b.stop != nil {
		close(b.stop)
		b.wg.Wait()
	}
	if b.tty {
		b.mu.Lock()
		b.draw()
		b.mu.Unlock()
		fmt.Fprintln(b.w)
	}
}

// draw redraws the bar; the caller holds mu.
func (b *Bar) draw() {
	const width = 30
	frac := 1.0
	if b.total > 0 {
		frac = min(max(float64(b.bytes)/float64(b.total), 0), 1)
	}
	fill := int(frac * width)
	rate := 0.0
	if s := time.Since(b.start).Seconds(); s > 0 {
		rate = float64(b.bytes) / s / (1 << 20)
	}
	fmt.Fprintf(b.w, "\r\033[K[%s%s] %d/%d files  %s/%s  %.1f MiB/s",
		strings.Repeat("#", fill), strings.Repeat(" ", width-fill), b.done, b.files, mib(b.bytes), mib(b.total), rate)
}
