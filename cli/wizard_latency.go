package cli

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// The sandbox's default latency: each reply 100 to 800 ms late, jittered, as
// the real cloud's are, so a newcomer sees the checks run one by one.
const (
	sandboxLatencyMin = 100 * time.Millisecond
	sandboxLatencyMax = 800 * time.Millisecond
)

// latencyFlag is --latency: unset means the jittered default, 0 none, and a
// duration a fixed delay.
type latencyFlag struct {
	set bool
	d   time.Duration
}

func (f *latencyFlag) String() string {
	if !f.set {
		return "100ms-800ms"
	}
	return f.d.String()
}

func (f *latencyFlag) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "0" {
		f.set, f.d = true, 0
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return fmt.Errorf("give a duration such as 300ms, or 0 for none")
	}
	f.set, f.d = true, d
	return nil
}

func (f *latencyFlag) Type() string { return "duration" }

// delays is the delay range the flag asks for.
func (f *latencyFlag) delays() (lo, hi time.Duration) {
	if !f.set {
		return sandboxLatencyMin, sandboxLatencyMax
	}
	return f.d, f.d
}

// withLatency delays every request of c by a random time in [lo, hi]; the
// request's context ends the wait.
func withLatency(c *http.Client, lo, hi time.Duration) *http.Client {
	if hi <= 0 {
		return c
	}
	cc := *c
	base := cc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = latencyTransport{base: base, lo: lo, hi: hi}
	return &cc
}

type latencyTransport struct {
	base   http.RoundTripper
	lo, hi time.Duration
}

func (t latencyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	d := t.lo
	if t.hi > t.lo {
		d += rand.N(t.hi - t.lo)
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-req.Context().Done():
		return nil, req.Context().Err()
	case <-tm.C:
	}
	return t.base.RoundTrip(req)
}
