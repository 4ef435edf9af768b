package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// progressReporter shows a batch's progress: a bar redrawn in place with the rate and the
// time left on a terminal, else a plain line at each tenth of the run or every
// plainEvery, whichever comes first, which a log file or a CI console keeps readable. With a
// logger (a pod's JSON lines) the plain lines are log records. It is a few lines instead of a
// progress-bar library, whose imports (net/http among them) would lengthen the start of every
// command.
type progressReporter struct {
	w     io.Writer
	tty   bool
	log   *slog.Logger
	ctx   context.Context
	now   func() time.Time
	start time.Time
	last  time.Time // last line or redraw
	tenth int       // last tenth of the run reported by a plain line
}

const (
	redrawEvery = 100 * time.Millisecond
	plainEvery  = 10 * time.Second
	barWidth    = 30
)

func newProgress(ctx context.Context, w io.Writer, tty bool, log *slog.Logger, now func() time.Time) *progressReporter {
	t := now()
	return &progressReporter{w: w, tty: tty, log: log, ctx: ctx, now: now, start: t, last: t}
}

// update is batch.Run's progress callback; Run calls it from one goroutine.
func (p *progressReporter) update(done, total int) {
	now := p.now()
	if p.tty {
		if done == total {
			fmt.Fprint(p.w, "\r\x1b[K")
			return
		}
		if now.Sub(p.last) < redrawEvery {
			return
		}
		p.last = now
		fmt.Fprintf(p.w, "\r\x1b[K%s", p.line(done, total, now, true))
		return
	}
	tenth := 10 * done / max(total, 1)
	if done != total && tenth == p.tenth && now.Sub(p.last) < plainEvery {
		return
	}
	p.last, p.tenth = now, tenth
	if p.log != nil {
		rate, eta := p.rate(done, total, now)
		p.log.InfoContext(p.ctx, "batch progress", "done", done, "total", total, "blends_per_s", rate, "eta", eta)
		return
	}
	fmt.Fprintf(p.w, "batch: %s\n", p.line(done, total, now, false))
}

// rate is blends per second so far and the time the rest take at that rate.
func (p *progressReporter) rate(done, total int, now time.Time) (float64, time.Duration) {
	el := now.Sub(p.start).Seconds()
	if done == 0 || el <= 0 {
		return 0, -1
	}
	r := float64(done) / el
	return r, time.Duration(float64(total-done) / r * float64(time.Second)).Round(time.Second)
}

// line is "[#####.....] 120/1000 12% 85 blends/s ETA 10s", without the bar for plain output.
func (p *progressReporter) line(done, total int, now time.Time, bar bool) string {
	var b strings.Builder
	if bar {
		n := barWidth * done / max(total, 1)
		b.WriteString("[" + strings.Repeat("#", n) + strings.Repeat(".", barWidth-n) + "] ")
	}
	fmt.Fprintf(&b, "%d/%d %d%%", done, total, 100*done/max(total, 1))
	r, eta := p.rate(done, total, now)
	switch {
	case done == total:
		fmt.Fprintf(&b, " %.1f blends/s, done in %s", r, now.Sub(p.start).Round(time.Millisecond))
	case eta < 0:
		b.WriteString(" ETA unknown")
	default:
		fmt.Fprintf(&b, " %.1f blends/s ETA %s", r, eta)
	}
	return b.String()
}
