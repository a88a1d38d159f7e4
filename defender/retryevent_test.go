package defender_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/problem"
)

// retries collects the Retrying events of a run.
type retries struct {
	mu  sync.Mutex
	evs []defender.Event
}

func (r *retries) on(ev defender.Event) {
	if ev.Kind == defender.Retrying {
		r.mu.Lock()
		r.evs = append(r.evs, ev)
		r.mu.Unlock()
	}
}

// TestRetryingEventForThrottledCheck: the fake answers each Defender API
// path 429 with Retry-After: 1 twice, then 200. Every data check reports
// both waits, as its own, before it passes: the tenant, the check, the try
// that failed, the wait Microsoft asked for and the status.
func TestRetryingEventForThrottledCheck(t *testing.T) {
	t.Parallel()
	c := startCloud(t, defendertest.Options{})
	sc, ok := defendertest.Lookup("throttled-then-ok")
	if !ok {
		t.Fatal("no throttled-then-ok scenario")
	}
	var got retries
	e := newEngine(t, c, defender.Config{OnEvent: got.on})
	res, err := e.Validate(context.Background(), []defender.Target{{TenantID: sc.TenantID}})
	if err != nil || !res.OK {
		t.Fatalf("run failed: %v %+v", err, res.Tenants)
	}
	byCheck := map[defender.CheckID][]defender.Event{}
	for _, ev := range got.evs {
		byCheck[ev.Check] = append(byCheck[ev.Check], ev)
	}
	for _, id := range []defender.CheckID{defender.CheckSensorHealth, defender.CheckUpdateCompliance, defender.CheckExposureScore, defender.CheckRecommendations} {
		evs := byCheck[id]
		if len(evs) < 2 {
			t.Errorf("%s: %d Retrying events, want at least 2 (two 429s)", id, len(evs))
			continue
		}
		// A check may send more than one request, each throttled twice.
		tries := map[int]int{}
		for i, ev := range evs {
			tries[ev.Attempt]++
			if ev.TenantID != sc.TenantID || ev.Status != http.StatusTooManyRequests || !ev.Asked ||
				ev.Wait < 900*time.Millisecond || ev.Wait > 1100*time.Millisecond {
				t.Errorf("%s event %d = %+v, want tenant %s, 429, asked, wait ≈ 1 s", id, i, ev, sc.TenantID)
			}
		}
		if tries[1] == 0 || tries[1] != tries[2] || len(tries) != 2 {
			t.Errorf("%s: tries that failed %v, want as many first tries as second ones, no others", id, tries)
		}
	}
	for _, id := range []defender.CheckID{defender.CheckTenant, defender.CheckToken, defender.CheckServiceHealth} {
		if n := len(byCheck[id]); n != 0 {
			t.Errorf("%s: %d Retrying events for a check that was never throttled", id, n)
		}
	}
}

// throttleFirstToken answers the first token request 429 itself, then hands
// every request to the fake.
type throttleFirstToken struct {
	next       http.RoundTripper
	done       atomic.Bool
	retryAfter string // the 429's Retry-After header, if any
}

func (t *throttleFirstToken) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/oauth2/v2.0/token") && t.done.CompareAndSwap(false, true) {
		if req.Body != nil {
			io.Copy(io.Discard, req.Body)
			req.Body.Close()
		}
		// Entra's reply shape ("Microsoft identity platform error codes":
		// error, error_description, error_codes).
		body := `{"error":"temporarily_unavailable","error_description":"AADSTS50196: The server terminated an operation because it encountered a client request loop.","error_codes":[50196]}`
		h := http.Header{"Content-Type": {"application/json"}}
		if t.retryAfter != "" {
			h.Set("Retry-After", t.retryAfter)
		}
		return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)), Request: req}, nil
	}
	return t.next.RoundTrip(req)
}

// TestRetryingEventForThrottledToken: a throttled token request is reported
// on the token check, with the backoff it waits.
func TestRetryingEventForThrottledToken(t *testing.T) {
	t.Parallel()
	c := startCloud(t, defendertest.Options{})
	sc, _ := defendertest.Lookup("healthy")
	hc := c.Client()
	hc.Transport = &throttleFirstToken{next: hc.Transport}
	var got retries
	e := newEngine(t, c, defender.Config{OnEvent: got.on, HTTPClient: hc})
	res, err := e.Validate(context.Background(), []defender.Target{{TenantID: sc.TenantID}})
	if err != nil || !res.OK {
		t.Fatalf("run failed: %v %+v", err, res.Tenants)
	}
	if len(got.evs) != 1 {
		t.Fatalf("%d Retrying events, want 1: %+v", len(got.evs), got.evs)
	}
	ev := got.evs[0]
	if ev.Check != defender.CheckToken || ev.TenantID != sc.TenantID || ev.Status != http.StatusTooManyRequests || ev.Attempt != 1 || ev.Asked || ev.Wait != 20*time.Millisecond {
		t.Errorf("event = %+v, want the token check, tenant %s, 429, attempt 1, not asked, the 20 ms backoff", ev, sc.TenantID)
	}
}

// TestThrottledTokenWaitsItsRetryAfter: Entra ID answers a client
// credentials request it throttles "429 Too Many Requests, with a
// Retry-After: 60 header" ("Client and server throttling", MSAL.NET docs).
// The engine waits what the reply asks when the budget allows it, and
// otherwise does not try again sooner: the tenant is throttled at once.
func TestThrottledTokenWaitsItsRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		retryAfter string
		budget     time.Duration
		wantOK     bool
		wantWait   time.Duration
	}{
		{"1", 5 * time.Second, true, time.Second},
		{"60", 5 * time.Second, false, 0},
	} {
		t.Run(tt.retryAfter, func(t *testing.T) {
			t.Parallel()
			c := startCloud(t, defendertest.Options{})
			sc, _ := defendertest.Lookup("healthy")
			hc := c.Client()
			hc.Transport = &throttleFirstToken{next: hc.Transport, retryAfter: tt.retryAfter}
			var got retries
			e := newEngine(t, c, defender.Config{OnEvent: got.on, HTTPClient: hc,
				Retry: defender.RetryPolicy{Attempts: 3, BaseDelay: 20 * time.Millisecond, PerRequest: 2 * time.Second, Budget: tt.budget}})
			start := time.Now()
			res, err := e.Validate(context.Background(), []defender.Target{{TenantID: sc.TenantID}})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK != tt.wantOK {
				t.Fatalf("ok %v, want %v: %+v", res.OK, tt.wantOK, res.Tenants)
			}
			if !tt.wantOK {
				if len(got.evs) != 0 || time.Since(start) > 2*time.Second {
					t.Errorf("tried again after %v with %d events, where the reply asked for a minute", time.Since(start), len(got.evs))
				}
				// The first token asked for is the Defender API's or Graph's.
				if !slices.ContainsFunc(res.Tenants[0].Checks, func(c defender.CheckResult) bool { return c.Problem == problem.Throttled }) {
					t.Errorf("checks %+v, none throttled", res.Tenants[0].Checks)
				}
				return
			}
			if len(got.evs) != 1 || !got.evs[0].Asked || got.evs[0].Wait != tt.wantWait || time.Since(start) < tt.wantWait {
				t.Errorf("events %+v after %v, want one asked wait of %v", got.evs, time.Since(start), tt.wantWait)
			}
		})
	}
}
