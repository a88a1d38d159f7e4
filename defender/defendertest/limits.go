package defendertest

import (
	"net/http"
	"time"
)

// limit is a rate limit Microsoft documents for one Defender API: "List
// machines API" (100 calls per minute and 1,500 per hour) and "Export device
// antivirus health report" (30 per minute and 1,000 per hour). The pages
// give them per API; the fake counts them per tenant, when
// Options.RateLimits asks it to.
func limit(path string) (perMinute, perHour int, ok bool) {
	switch path {
	case "/api/machines":
		return 100, 1500, true
	case "/api/deviceavinfo":
		return 30, 1000, true
	}
	return 0, 0, false
}

// overLimit counts a Defender API call by tid to path and reports whether
// it goes over the API's documented limit, with the seconds to wait ("Common
// Microsoft Defender for Endpoint API errors", Throttling: a 429 with a
// Retry-After in seconds). Refused calls are not counted.
func (c *Cloud) overLimit(tid, path string, now time.Time) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.stats.APIRequests[tid]
	if m == nil {
		m = map[string]int{}
		c.stats.APIRequests[tid] = m
	}
	m[path]++
	perMinute, perHour, ok := limit(path)
	t := c.tenant(tid)
	if !c.opts.RateLimits || !ok || t == nil {
		return 0, false
	}
	calls := t.calls[path]
	for len(calls) > 0 && !calls[0].After(now.Add(-time.Hour)) {
		calls = calls[1:]
	}
	t.calls[path] = calls
	var lastMinute []time.Time
	for i, at := range calls {
		if at.After(now.Add(-time.Minute)) {
			lastMinute = calls[i:]
			break
		}
	}
	switch {
	case len(lastMinute) >= perMinute:
		c.stats.RateLimited[tid]++
		return retryIn(lastMinute[len(lastMinute)-perMinute].Add(time.Minute), now), true
	case len(calls) >= perHour:
		c.stats.RateLimited[tid]++
		return retryIn(calls[len(calls)-perHour].Add(time.Hour), now), true
	}
	t.calls[path] = append(calls, now)
	return 0, false
}

func retryIn(at, now time.Time) int {
	return max(1, int(at.Sub(now).Round(time.Second)/time.Second))
}

// limited answers 429 when the call goes over its API's limit; true means it did.
func (c *Cloud) limited(w http.ResponseWriter, r *http.Request, s Scenario) bool {
	secs, over := c.overLimit(s.TenantID, r.URL.Path, time.Now())
	if over {
		writeThrottled(w, secs)
	}
	return over
}
