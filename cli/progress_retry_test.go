package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
)

// TestProgressSaysRetry: the progress line names a check waiting on a retry
// and why, on one line, until that check ends.
func TestProgressSaysRetry(t *testing.T) {
	const tenant = "53390e7c-c890-4adc-a20a-63526fc69533"
	pass := &defender.CheckResult{Status: defender.Pass}
	cases := []struct {
		name  string
		evs   []defender.Event
		want  string
		lacks string
	}{
		{"throttled", []defender.Event{
			{Kind: defender.Retrying, TenantID: tenant, Check: defender.CheckSensorHealth, Attempt: 1, Wait: 2 * time.Second, Status: 429, Asked: true},
		}, "Service health and status: Microsoft asked to wait 2 s (throttled, try 2)", ""},
		{"5xx backoff", []defender.Event{
			{Kind: defender.Retrying, TenantID: tenant, Check: defender.CheckToken, Attempt: 2, Wait: 500 * time.Millisecond, Status: 503},
		}, "App-only token: HTTP 503, trying again in 500 ms (try 3)", ""},
		{"other check ends", []defender.Event{
			{Kind: defender.Retrying, TenantID: tenant, Check: defender.CheckSensorHealth, Attempt: 1, Wait: time.Second, Status: 429, Asked: true},
			{Kind: defender.CheckFinished, TenantID: tenant, Check: defender.CheckToken, Result: pass},
		}, "1/8 · Service health and status: Microsoft asked to wait 1 s (throttled, try 2)", ""},
		{"its check ends", []defender.Event{
			{Kind: defender.Retrying, TenantID: tenant, Check: defender.CheckSensorHealth, Attempt: 1, Wait: time.Second, Status: 429, Asked: true},
			{Kind: defender.CheckFinished, TenantID: tenant, Check: defender.CheckSensorHealth, Result: pass},
		}, "1/8 checks done, 0 failed", "asked"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := newProgress(&buf, true, 1)
			for _, ev := range c.evs {
				p.event(ev)
			}
			out := buf.String()
			last := out[strings.LastIndex(out, "\r\033[K")+4:]
			if !strings.Contains(last, c.want) || (c.lacks != "" && strings.Contains(last, c.lacks)) {
				t.Errorf("line %q: want %q, not %q", last, c.want, c.lacks)
			}
			if strings.Contains(last, "\n") || len([]rune(last)) > 79 {
				t.Errorf("line %q is not one line of at most 79 columns", last)
			}
		})
	}
}
