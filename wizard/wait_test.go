package wizard

import (
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
)

// TestWaitsSayWhat: every wait that lasts says what it waits for, for how
// long, and how to stop or skip it.
func TestWaitsSayWhat(t *testing.T) {
	later := func(m *Model, d time.Duration) { m.opts.Now = func() time.Time { return fixedNow.Add(d) } }
	cases := []struct {
		name  string
		setup func(m *Model)
		want  []string
	}{
		{"consent", func(m *Model) {
			send(m, "enter", "enter", "enter", listenerMsg{l: &listener{replies: make(chan reply), done: make(chan struct{})}})
			later(m, 75*time.Second)
		}, []string{"Waiting for the admin to click Accept", "brings the result back to http://localhost:53682/consent", "waiting 1m15s", "s goes on without consent"}},
		{"tenant lookup", func(m *Model) {
			send(m, "enter", "enter", "enter", "s", tenantA, "enter")
			later(m, 4*time.Second)
		}, []string{"Checking with Microsoft that the tenant exists", "· 4s", "esc stops", "esc stop checking and go back"}},
		{"checks", func(m *Model) {
			toTest(m)
			m.Update(checkMsg{run: m.test.run, ev: defender.Event{Kind: defender.CheckStarted, TenantID: tenantA, Check: defender.CheckToken}})
			later(m, 23*time.Second)
		}, []string{"Testing: waiting for Microsoft to answer App-only token", "· 23s", "esc stops the test"}},
		{"consent propagation", func(m *Model) {
			toTest(m)
			m.Update(runDoneMsg{run: m.test.run, res: defender.Result{Tenants: []defender.TenantResult{rolesLag(tenantA)}}})
			later(m, 65*time.Second)
		}, []string{"Waiting for consent to propagate: still missing Score.Read.All", "waited 1m05s", "8m55s left", "Press w to stop waiting"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, &memStore{})
			c.setup(m)
			s := words(t, m)
			for _, w := range c.want {
				if !strings.Contains(s, w) {
					t.Errorf("screen lacks %q:\n%s", w, screen(t, m))
				}
			}
		})
	}
}
