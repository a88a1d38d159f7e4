package wizard

import (
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
)

// TestRetryShowsOnItsRow: a check whose request Microsoft throttled says,
// on its own row, what Microsoft asked for while the wait lasts, then that
// the next try is out; a finished check drops the words.
func TestRetryShowsOnItsRow(t *testing.T) {
	retrying := func(status int, wait time.Duration, asked bool, attempt int) defender.Event {
		return defender.Event{Kind: defender.Retrying, TenantID: tenantA, Check: defender.CheckSensorHealth,
			Attempt: attempt, Wait: wait, Status: status, Asked: asked}
	}
	cases := []struct {
		name   string
		ev     defender.Event
		after  time.Duration
		finish bool
		want   string
		lacks  string
	}{
		{"429 with Retry-After", retrying(429, 2*time.Second, true, 1), 500 * time.Millisecond, false,
			"Service health and status Microsoft asked to wait 2 s (throttled, try 2)", ""},
		{"second 429", retrying(429, time.Second, true, 2), 0, false,
			"Microsoft asked to wait 1 s (throttled, try 3)", ""},
		{"429 without Retry-After", retrying(429, 250*time.Millisecond, false, 1), 0, false,
			"Microsoft throttled it: waiting 250 ms (try 2)", "asked"},
		{"503 backoff", retrying(503, 500*time.Millisecond, false, 1), 0, false,
			"Service health and status HTTP 503 from Microsoft, waiting 500 ms (try 2)", ""},
		{"no answer", retrying(0, 250*time.Millisecond, false, 1), 0, false,
			"no answer, waiting 250 ms (try 2)", ""},
		{"wait over", retrying(429, 2*time.Second, true, 1), 3 * time.Second, false,
			"Service health and status trying again after a 2 s wait (try 2)", "asked to wait"},
		{"check finished", retrying(429, 2*time.Second, true, 1), 0, true,
			"Service health and status fine", "asked to wait"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, &memStore{})
			toTest(m)
			m.Update(checkMsg{run: m.test.run, ev: defender.Event{Kind: defender.CheckStarted, TenantID: tenantA, Check: defender.CheckSensorHealth}})
			m.Update(checkMsg{run: m.test.run, ev: c.ev})
			if c.finish {
				r := defender.CheckResult{ID: defender.CheckSensorHealth, Status: defender.Pass, Message: "fine"}
				m.Update(checkMsg{run: m.test.run, ev: defender.Event{Kind: defender.CheckFinished, TenantID: tenantA, Check: defender.CheckSensorHealth, Result: &r}})
			}
			m.opts.Now = func() time.Time { return fixedNow.Add(c.after) }
			s := words(t, m)
			if !strings.Contains(s, c.want) {
				t.Errorf("screen lacks %q:\n%s", c.want, screen(t, m))
			}
			if c.lacks != "" && strings.Contains(s, c.lacks) {
				t.Errorf("screen has %q:\n%s", c.lacks, screen(t, m))
			}
		})
	}
}
