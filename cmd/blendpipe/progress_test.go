package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// fakeClock moves by step at each reading.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

func TestBatchProgress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tty   bool
		log   bool
		total int
		step  time.Duration // clock advance per blend
		want  []string      // substrings, in order
		lines int           // lines (plain) or redraws (tty) expected
		never string
	}{
		{"terminal bar with ETA", true, false, 4, time.Second,
			[]string{"\r\x1b[K[", "#######", "] 1/4 25% 1.0 blends/s ETA 3s", "2/4 50%", "3/4 75% 1.0 blends/s ETA 1s", "\r\x1b[K"}, 3, "\n"},
		{"terminal redraws at most ten times a second", true, false, 100, 2 * time.Millisecond,
			[]string{"] 50/100 50% 500.0 blends/s ETA 0s"}, 1, "] 2/100"},
		{"plain lines at each tenth", false, false, 100, time.Millisecond,
			[]string{"batch: 10/100 10% ", "ETA", "batch: 20/100", "batch: 90/100", "batch: 100/100 100% ", "done in"}, 10, "\r"},
		{"plain lines every ten seconds between tenths", false, false, 1000, 4 * time.Second,
			[]string{"batch: 3/1000 0% 0.2 blends/s ETA 1h6m28s\n", "batch: 6/1000", "batch: 9/1000"}, 0, "\x1b"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		p := newProgress(context.Background(), &out, tt.tty, nil, fakeClock(tt.step))
		for d := 1; d <= tt.total; d++ {
			p.update(d, tt.total)
		}
		s := out.String()
		rest := s
		for _, w := range tt.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: output %q lacks %q (in order)", tt.name, s, w)
				break
			}
			rest = rest[i+len(w):]
		}
		n := strings.Count(s, "\n")
		if tt.tty {
			n = strings.Count(s, "\r\x1b[K[")
		}
		if tt.lines > 0 && n != tt.lines {
			t.Errorf("%s: %d lines or redraws, want %d: %q", tt.name, n, tt.lines, s)
		}
		if tt.never != "" && strings.Contains(s, tt.never) {
			t.Errorf("%s: output %q holds %q", tt.name, s, tt.never)
		}
	}
}

// With a logger (a pod's JSON lines) progress comes as log records, so stderr stays JSON.
func TestBatchProgressLogs(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	p := newProgress(context.Background(), &out, false, log, fakeClock(time.Second))
	for d := 1; d <= 20; d++ {
		p.update(d, 20)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d records, want one a tenth: %q", len(lines), out.String())
	}
	var last struct {
		Msg   string `json:"msg"`
		Done  int    `json:"done"`
		Total int    `json:"total"`
	}
	if err := json.Unmarshal([]byte(lines[9]), &last); err != nil || last.Msg != "batch progress" || last.Done != 20 || last.Total != 20 {
		t.Errorf("last record %q (%v)", lines[9], err)
	}
}
