package wizard

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/defender"
)

// maxConsentDelay caps the pause between tries, as defender.WaitForConsent does.
const maxConsentDelay = 30 * time.Second

// waitState is the test step waiting for a consent granted in this session
// to reach the tokens: Entra ID can take minutes to put the roles in them.
type waitState struct {
	// missing says, by tenant, what the last try still lacked.
	missing map[string]string
	// next is when the next try starts; deadline when the wait gives up;
	// since when it began.
	next, deadline, since time.Time
}

// waitingMsg says a try found the consent still on its way.
type waitingMsg struct {
	run int
	w   defender.Waiting
}

// waitForConsent starts re-testing the tenants whose consent, granted in
// this session, has not propagated yet; nil when there are none.
func (m *Model) waitForConsent() tea.Cmd {
	t := &m.test
	rows, missing := m.propagatingRows()
	if len(rows) == 0 || t.waitOver {
		return nil
	}
	t.waitOver = true
	first, wait := m.opts.ConsentFirstDelay, m.opts.ConsentWait
	cmd := m.launch(rows, func(ctx context.Context, targets []defender.Target, newEngine func() (*defender.Engine, error), onWait func(defender.Waiting)) (defender.Result, error) {
		// The run that just ended was the first try: pause before the next.
		if err := pause(ctx, first); err != nil {
			return defender.Result{}, err
		}
		return defender.WaitForConsent(ctx, newEngine, targets, wait-first, min(2*first, maxConsentDelay), onWait)
	})
	if cmd != nil {
		now := m.opts.Now()
		t.wait = &waitState{missing: missing, next: now.Add(first), deadline: now.Add(wait), since: now}
	}
	return cmd
}

// propagatingRows are the rows the session's consent covers whose last
// result says the app or its roles are not there yet, and what is missing.
func (m *Model) propagatingRows() ([]int, map[string]string) {
	c := m.consent.result
	if c == nil || !c.Granted {
		return nil, nil
	}
	var rows []int
	missing := map[string]string{}
	for i, r := range m.test.tenants {
		if r.result == nil || !consentCovers(c.TenantID, r) {
			continue
		}
		if why, ok := defender.PropagationPending(*r.result); ok {
			rows = append(rows, i)
			missing[r.target.TenantID] = why
		}
	}
	return rows, missing
}

// consentCovers says whether a consent for tenant (empty: not named) is
// the one row needs; a mapping may name its tenant by domain.
func consentCovers(tenant string, r tenantRow) bool {
	switch {
	case tenant == "", strings.EqualFold(r.target.TenantID, tenant):
		return true
	case r.result != nil && r.result.Info != nil:
		return strings.EqualFold(r.result.Info.TenantID, tenant)
	}
	return false
}

func (m *Model) onWaiting(w defender.Waiting) {
	t := &m.test
	if t.wait == nil {
		return
	}
	now := m.opts.Now()
	t.wait.missing, t.wait.next, t.wait.deadline = w.Missing, now.Add(w.Next), now.Add(w.Left)
}

// stopWaiting ends the wait: the results show as the last try left them.
func (m *Model) stopWaiting() {
	if m.test.wait != nil {
		m.test.cancel()
	}
}

// waitView says what the wait is for and how long it may last.
func (m *Model) waitView(w int) string {
	t := m.test
	now := m.opts.Now()
	next := "testing again now"
	if d := t.wait.next.Sub(now); d > 0 {
		next = "next try in " + clock(d)
	}
	left := clock(max(t.wait.deadline.Sub(now), 0)) + " left"
	if d := now.Sub(t.wait.since); d >= time.Second {
		left = "waited " + clock(d) + " · " + left
	}
	var per []string
	for _, i := range t.indices {
		if why, ok := t.wait.missing[t.tenants[i].target.TenantID]; ok {
			per = append(per, why)
		}
	}
	var b strings.Builder
	if len(per) == 1 {
		b.WriteString(hangAfter(m.spin.View()+" ", "Waiting for consent to propagate: "+per[0]+" · "+next+" · "+left, 2, w))
	} else {
		b.WriteString(hangAfter(m.spin.View()+" ", fmt.Sprintf("Waiting for consent to propagate in %d tenants · %s · %s", len(per), next, left), 2, w))
		for i, id := range t.indices {
			if why, ok := t.wait.missing[t.tenants[id].target.TenantID]; ok && i < 3 {
				b.WriteString("\n" + hang(t.tenants[id].target.Customer+": "+why, 2, w))
			}
		}
	}
	b.WriteString("\n" + lines(m.st.dim, hang("A fresh consent can take minutes to reach the tokens; the checks re-run until it does. Press w to stop waiting.", 0, w)))
	return b.String()
}

// clock shows a duration to the second, rounded up: 9m40s, 20s.
func clock(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	if s >= 60 {
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}

// pause sleeps for d unless ctx ends first.
func pause(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
