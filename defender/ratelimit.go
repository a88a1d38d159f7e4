package defender

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/paratira/mdeconnect/defender/problem"
)

// apiLimit is a rate limit Microsoft documents for one Defender API.
type apiLimit struct{ perMinute, perHour int }

// limitOf returns the documented limit of the API at path. "Common Microsoft
// Defender for Endpoint API errors" (Throttling): a 429 comes "when the
// number of HTTP requests in a given time frame exceeds the allowed number of
// calls per API". The pages give each API's numbers without saying whether
// they count per tenant, per app or both; mdeconnect keeps every tenant's
// calls under them. The scores and recommendations pages document none.
func limitOf(path string) (apiLimit, bool) {
	switch strings.ToLower(path) {
	case "/api/machines":
		// "List machines API", Limitations: "100 calls per minute and 1,500
		// calls per hour".
		return apiLimit{perMinute: 100, perHour: 1500}, true
	case "/api/deviceavinfo":
		// "Export device antivirus health report", 1.1.1 Limitations: "30
		// calls per minute and 1000 calls per hour".
		return apiLimit{perMinute: 30, perHour: 1000}, true
	}
	return apiLimit{}, false
}

// RateLimits keeps each tenant's calls to each Defender API under the limit
// Microsoft documents for that API, counting every try. Share one between
// the engines of a run (Config.Limits) so that validating a tenant again
// and again (several connectors, consent re-tests) cannot exceed them.
//
// The engines of a run also share, through it, the first connection to each
// host (see connGate): a fan-out of hundreds of requests to a host with no
// connection yet would otherwise open hundreds, where HTTP/2 needs one.
type RateLimits struct {
	now   func() time.Time
	mu    sync.Mutex
	calls map[limitKey][]time.Time // start times of the last hour's calls, ascending
	conns connGate
}

type limitKey struct{ tenant, path string }

// NewRateLimits returns empty limits.
func NewRateLimits() *RateLimits { return newRateLimits(time.Now) }

func newRateLimits(now func() time.Time) *RateLimits {
	return &RateLimits{now: now, calls: map[limitKey][]time.Time{}}
}

// reserve books a call by tenant to path and returns how long to wait before
// making it. A call whose turn comes after deadline (when set) is not booked
// but held back.
func (l *RateLimits) reserve(tenant, path string, deadline time.Time) (time.Duration, *heldBack) {
	lim, ok := limitOf(path)
	if !ok {
		return 0, nil
	}
	key := limitKey{tenant, strings.ToLower(path)}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	calls := l.calls[key]
	for len(calls) > 0 && !calls[0].After(now.Add(-time.Hour)) {
		calls = calls[1:]
	}
	at := now
	if n := len(calls); n > 0 {
		// Booked calls stay in order, so a window's busiest moment is a call.
		at = later(at, calls[n-1])
		if n >= lim.perMinute {
			at = later(at, calls[n-lim.perMinute].Add(time.Minute))
		}
		if n >= lim.perHour {
			at = later(at, calls[n-lim.perHour].Add(time.Hour))
		}
	}
	wait := at.Sub(now)
	if !deadline.IsZero() && at.After(deadline) {
		l.calls[key] = calls
		return 0, &heldBack{path: key.path, limit: lim, wait: wait}
	}
	l.calls[key] = append(calls, at)
	return wait, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// heldBack is a call mdeconnect did not make, since the tenant's calls to
// that API would have gone over Microsoft's documented limit before the
// request's time ran out.
type heldBack struct {
	path  string
	limit apiLimit
	wait  time.Duration
}

func (h *heldBack) Error() string {
	return fmt.Sprintf("held back a call to %s: it would exceed Microsoft's documented limit for this API (%d calls a minute, %d an hour) for another %s",
		h.path, h.limit.perMinute, h.limit.perHour, h.wait.Round(time.Second))
}

// Is makes a held-back call end its request at once, as a deadline does:
// trying again sooner cannot help.
func (h *heldBack) Is(target error) bool { return target == context.DeadlineExceeded }

func (h *heldBack) asError(u string) *Error {
	return &Error{Problem: problem.Throttled, Err: h,
		Msg:  fmt.Sprintf("mdeconnect %s; this tenant was validated many times in a short while", h.Error()),
		Diag: Diagnostics{URL: u}}
}

// tenantKey marks a request context with the tenant whose limits it counts against.
type tenantKey struct{}

func withTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// limitedTransport books every request a tenant's checks send against the
// tenant's limits, waiting for its turn within the request's deadline, and
// lets the first request to a host connect before the others (connGate).
type limitedTransport struct {
	base   http.RoundTripper
	limits *RateLimits
}

// RoundTrip implements http.RoundTripper.
func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if tenant, ok := req.Context().Value(tenantKey{}).(string); ok && tenant != "" {
		deadline, _ := req.Context().Deadline()
		wait, held := t.limits.reserve(tenant, req.URL.Path, deadline)
		if held != nil {
			closeBody(req)
			return nil, held
		}
		if wait > 0 {
			if err := sleep(req.Context(), wait); err != nil {
				closeBody(req)
				return nil, err
			}
		}
	}
	return t.limits.conns.roundTrip(t.base, req)
}

// CloseIdleConnections passes on to the base transport.
func (t *limitedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// limitedClient is hc with its requests booked against limits.
func limitedClient(hc *http.Client, limits *RateLimits) *http.Client {
	c := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &limitedTransport{base: base, limits: limits}
	return &c
}
