package faultproxy

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	var hits atomic.Int64
	body := strings.Repeat("0123456789", 1000)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hits.Add(1)
		io.WriteString(w, body)
	}))
	defer up.Close()
	p, err := New(up.URL, Options{Hold: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	cases := []struct {
		fault    Fault
		status   int  // 0: the request fails
		timeout  bool // the failure is the client's deadline
		reached  bool // the upstream saw the request
		truncErr bool // the body ends early
	}{
		{Pass, 200, false, true, false},
		{Err500, 500, false, false, false},
		{Err503, 503, false, false, false},
		{Err429, 429, false, false, false},
		{Timeout, 0, true, false, false},
		{Reset, 0, false, false, false},
		{Err503After, 503, false, true, false},
		{TimeoutAfter, 0, true, true, false},
		{ResetAfter, 200, false, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.fault.String(), func(t *testing.T) {
			p.Add(Plan{Steps: []Fault{tc.fault}})
			before := hits.Load()
			c := &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{}}
			resp, err := c.Post(p.URL()+"/x?a=1", "text/plain", strings.NewReader("payload"))
			if tc.status == 0 {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("HTTP %d, want a failed request", resp.StatusCode)
				}
				var ne interface{ Timeout() bool }
				isTimeout := errors.As(err, &ne) && ne.Timeout()
				if isTimeout != tc.timeout {
					t.Errorf("error %v: timeout %v, want %v", err, isTimeout, tc.timeout)
				}
				if !tc.timeout && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) {
					t.Errorf("error %v, want a reset connection", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				b, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.status {
					t.Errorf("HTTP %d, want %d", resp.StatusCode, tc.status)
				}
				if tc.truncErr != (rerr != nil) || (tc.truncErr && len(b) >= len(body)) {
					t.Errorf("body %d bytes, error %v; truncated want %v", len(b), rerr, tc.truncErr)
				}
				if tc.status >= 400 && !strings.Contains(string(b), `"code":`) {
					t.Errorf("error body %q", b)
				}
			}
			// A held request reaches the upstream only after the client gave up.
			deadline := time.Now().Add(2 * time.Second)
			for tc.reached && hits.Load() == before && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if got := hits.Load() > before; got != tc.reached {
				t.Errorf("upstream reached %v, want %v", got, tc.reached)
			}
		})
	}
	st := p.Stats()
	if st.Injected() != len(cases)-1 || st.Faults["503"] != 1 || st.Faults["reset-after"] != 1 || st.Repeats != len(cases)-2 {
		t.Errorf("stats %s", st)
	}
	if p.Remaining() != 0 {
		t.Errorf("%d steps left", p.Remaining())
	}
}

func TestPlansMatchAndRepeat(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	p, err := New(up.URL, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Add(Plan{Name: "puts", Match: func(r *http.Request) bool { return r.Method == http.MethodPut }, Steps: []Fault{Err503, Pass}, Times: 2})
	var got []int
	for _, m := range []string{"GET", "PUT", "PUT", "GET", "PUT", "PUT", "PUT"} {
		req, _ := http.NewRequest(m, p.URL()+"/o", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	want := []int{200, 503, 200, 200, 503, 200, 200}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	if st := p.Stats(); st.Requests != 7 || st.Faults["503"] != 2 || st.ByPlan["puts"] != 2 || st.Repeats != 4 {
		t.Errorf("stats %+v", st)
	}
	p.Add(Plan{Steps: []Fault{Err500}, Times: 5})
	p.Recover()
	if resp, err := http.Get(p.URL() + "/o"); err != nil || resp.StatusCode != 200 || p.Remaining() != 0 {
		t.Errorf("after Recover: %v %v, %d steps left", resp, err, p.Remaining())
	}
}
