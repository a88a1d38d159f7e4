package wizard

import (
	"context"
	"crypto/sha256"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/defender"
)

// testState is step 6: live checks of every tenant, with retries of what failed.
type testState struct {
	run     int
	running bool
	stop    context.CancelFunc
	ch      chan tea.Msg
	// indices maps the run's targets to rows of tenants.
	indices []int
	tenants []tenantRow
	// key is the draft the results belong to; a changed draft re-tests.
	key         [32]byte
	err         error
	row, offset int
}

// tenantRow is one tenant's progress and result.
type tenantRow struct {
	target defender.Target
	checks map[defender.CheckID]defender.CheckResult
	active map[defender.CheckID]bool
	done   bool
	result *defender.TenantResult
}

type (
	checkMsg struct {
		run int
		ev  defender.Event
	}
	runDoneMsg struct {
		run int
		res defender.Result
		err error
	}
)

func (t *testState) cancel() {
	if t.stop != nil {
		t.stop()
		t.stop = nil
	}
	t.running = false
}

func draftKey(d Draft) [32]byte {
	return sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%v", d.ClientID, d.Secret, d.Mappings)))
}

func (m *Model) enterTest() tea.Cmd {
	t := &m.test
	if k := draftKey(m.draft); k == t.key && len(t.tenants) > 0 && !t.hasUnfinished() {
		return nil // back from the summary: the results still hold
	}
	t.key = draftKey(m.draft)
	t.tenants = make([]tenantRow, len(m.draft.Mappings))
	all := make([]int, len(m.draft.Mappings))
	for i, tg := range m.draft.targets() {
		t.tenants[i] = tenantRow{target: tg}
		all[i] = i
	}
	t.row, t.offset = 0, 0
	return m.startRun(all)
}

func (t *testState) hasUnfinished() bool {
	for _, r := range t.tenants {
		if !r.done {
			return true
		}
	}
	return false
}

// startRun validates the tenants at rows; events come back through a channel
// that waitRun reads, one message per command.
func (m *Model) startRun(rows []int) tea.Cmd {
	t := &m.test
	t.cancel()
	t.run++
	t.err = nil
	run := t.run
	targets := make([]defender.Target, len(rows))
	for i, r := range rows {
		t.tenants[r] = tenantRow{target: t.tenants[r].target, checks: map[defender.CheckID]defender.CheckResult{}, active: map[defender.CheckID]bool{}}
		targets[i] = t.tenants[r].target
	}
	t.indices = rows
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan tea.Msg, 64)
	send := func(msg tea.Msg) {
		select {
		case ch <- msg:
		case <-ctx.Done():
		}
	}
	eng, err := defender.New(defender.Config{Cloud: m.opts.Cloud, ClientID: m.draft.ClientID, ClientSecret: m.draft.Secret,
		HTTPClient: m.opts.HTTPClient, Parallel: m.opts.Parallel,
		OnEvent: func(ev defender.Event) { send(checkMsg{run, ev}) }})
	if err != nil {
		cancel()
		t.err = err
		return nil
	}
	t.stop, t.running, t.ch = cancel, true, ch
	go func() {
		res, err := eng.Validate(ctx, targets)
		send(runDoneMsg{run, res, err})
		close(ch)
	}()
	return waitRun(ch)
}

func waitRun(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

func (m *Model) updateTestAsync(msg tea.Msg) tea.Cmd {
	t := &m.test
	switch msg := msg.(type) {
	case checkMsg:
		if msg.run != t.run {
			return nil
		}
		m.takeEvent(msg.ev)
		return waitRun(t.ch)
	case runDoneMsg:
		if msg.run != t.run {
			return nil
		}
		t.running, t.stop = false, nil
		if msg.err != nil && len(msg.res.Tenants) == 0 {
			t.err = msg.err
		}
		for i, tr := range msg.res.Tenants {
			if i < len(t.indices) && tr.TenantID != "" {
				row := &t.tenants[t.indices[i]]
				row.result, row.done = &tr, true
				for _, c := range tr.Checks {
					row.checks[c.ID] = c
				}
			}
		}
	}
	return nil
}

// takeEvent applies one progress event to its tenant's row.
func (m *Model) takeEvent(ev defender.Event) {
	t := &m.test
	for _, i := range t.indices {
		row := &t.tenants[i]
		if row.target.TenantID != ev.TenantID {
			continue
		}
		switch ev.Kind {
		case defender.CheckStarted:
			row.active[ev.Check] = true
		case defender.CheckFinished:
			delete(row.active, ev.Check)
			if ev.Result != nil {
				row.checks[ev.Check] = *ev.Result
			}
		}
		return
	}
}

// failedRows are the tenants with a failed check (or no result at all).
func (t *testState) failedRows() []int {
	var out []int
	for i, r := range t.tenants {
		if r.done && (r.result == nil || !r.result.OK) {
			out = append(out, i)
		}
	}
	return out
}

// storeResult keeps a whole run's result as if it had streamed in.
func (m *Model) storeResult(res defender.Result) {
	t := &m.test
	t.tenants = make([]tenantRow, len(res.Tenants))
	for i, tr := range res.Tenants {
		row := tenantRow{target: defender.Target{TenantID: tr.TenantID, Customer: tr.Customer}, checks: map[defender.CheckID]defender.CheckResult{}, done: true, result: &tr}
		for _, c := range tr.Checks {
			row.checks[c.ID] = c
		}
		t.tenants[i] = row
	}
}
