package wizard

import (
	"context"
	"fmt"
	"net/http"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/defender"
)

// testState is step 6: live checks of every tenant, with retries of what failed.
type testState struct {
	run int
	// stop cancels the run in flight; nil when none is.
	stop context.CancelFunc
	ch   chan tea.Msg
	// indices maps the run's targets to rows of tenants.
	indices []int
	tenants []tenantRow
	// draft is what the results were made for; ran says a run started.
	draft       tested
	ran         bool
	err         error
	row, offset int
	// wait is set while re-testing a fresh consent until it propagates;
	// waitOver says this draft's wait has run, so retries do not wait again.
	wait     *waitState
	waitOver bool
	// report is the support report of the last failed run.
	report reportState
	// started is when the run in flight began.
	started time.Time
}

// tenantRow is one tenant's progress and result.
type tenantRow struct {
	target defender.Target
	checks map[defender.CheckID]defender.CheckResult
	active map[defender.CheckID]bool
	// retry is each active check's latest retry, and when it was heard.
	retry map[defender.CheckID]retryWait
	// result is the tenant's complete result; nil until its run ends.
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

// cancel stops the run in flight. What it had not finished is dropped: a
// tenant with an earlier complete result shows that one, so a stopped wait
// shows the results as they are.
func (t *testState) cancel() {
	if t.stop != nil {
		t.stop()
		t.stop = nil
		t.run++ // whatever the stopped run still sends is ignored
		for _, i := range t.indices {
			if r := &t.tenants[i]; r.result != nil {
				r.keep(*r.result)
			}
		}
	}
	t.wait = nil
}

// running says a run is in flight.
func (t *testState) running() bool { return t.stop != nil }

// keep makes tr the row's result, its checks included.
func (r *tenantRow) keep(tr defender.TenantResult) {
	r.result, r.active = &tr, map[defender.CheckID]bool{}
	r.checks = make(map[defender.CheckID]defender.CheckResult, len(tr.Checks))
	for _, c := range tr.Checks {
		r.checks[c.ID] = c
	}
}

// enterTest keeps results only when they are complete and for exactly the
// draft on screen; otherwise the test runs at once, for all tenants.
func (m *Model) enterTest() tea.Cmd {
	t := &m.test
	m.fixing = nil
	if m.current() {
		return nil // back from the summary: the results still hold
	}
	t.draft, t.ran, t.waitOver = m.testedOf(), true, false
	t.report = reportState{}
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
		if r.result == nil {
			return true
		}
	}
	return false
}

// startRun validates the tenants at rows afresh.
func (m *Model) startRun(rows []int) tea.Cmd {
	t := &m.test
	t.cancel()
	for _, r := range rows {
		t.tenants[r] = tenantRow{target: t.tenants[r].target, checks: map[defender.CheckID]defender.CheckResult{}, active: map[defender.CheckID]bool{}}
	}
	return m.launch(rows, func(ctx context.Context, targets []defender.Target, newEngine func() (*defender.Engine, error), _ func(defender.Waiting)) (defender.Result, error) {
		eng, err := newEngine()
		if err != nil {
			return defender.Result{}, err
		}
		return eng.Validate(ctx, targets)
	})
}

// runWork is what a run does with its targets; newEngine makes an engine
// whose progress events reach the model, onWait reports a consent wait.
type runWork func(ctx context.Context, targets []defender.Target, newEngine func() (*defender.Engine, error), onWait func(defender.Waiting)) (defender.Result, error)

// launch starts work on the tenants at rows in a goroutine; its events come
// back through a channel that waitRun reads, one message per command.
func (m *Model) launch(rows []int, work runWork) tea.Cmd {
	t := &m.test
	t.cancel()
	t.run++
	t.err = nil
	run := t.run
	targets := make([]defender.Target, len(rows))
	for i, r := range rows {
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
	newEngine := m.engineFor(m.draft.Secret, func(ev defender.Event) { send(checkMsg{run, ev}) })
	if _, err := newEngine(); err != nil {
		cancel()
		t.err = err
		return nil
	}
	t.stop, t.ch, t.started = cancel, ch, m.opts.Now()
	go func() {
		res, err := work(ctx, targets, newEngine, func(w defender.Waiting) { send(waitingMsg{run, w}) })
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
	case waitingMsg:
		if msg.run != t.run {
			return nil
		}
		m.onWaiting(msg.w)
		return waitRun(t.ch)
	case runDoneMsg:
		if msg.run != t.run {
			return nil
		}
		waited := t.wait != nil
		t.stop, t.wait = nil, nil
		if msg.err != nil && len(msg.res.Tenants) == 0 {
			t.err = msg.err
		}
		for i, tr := range msg.res.Tenants {
			if i < len(t.indices) && tr.TenantID != "" {
				t.tenants[t.indices[i]].keep(tr)
				if tr.Info != nil {
					info := *tr.Info
					info.Input = t.tenants[t.indices[i]].target.TenantID
					m.learn(info)
				}
			}
		}
		if !waited && t.err == nil {
			if cmd := m.waitForConsent(); cmd != nil {
				return cmd
			}
		}
		return m.runEnded()
	}
	return nil
}

// runEnded keeps the outcome of a finished run: a failure's checks and
// report for the terminal's history, written at once.
func (m *Model) runEnded() tea.Cmd {
	t := &m.test
	t.report = reportState{}
	m.keepFailures()
	if len(t.failedRows()) == 0 {
		return nil
	}
	res := defender.Result{}
	for _, r := range t.tenants {
		if r.result != nil {
			res.Tenants = append(res.Tenants, *r.result)
		}
	}
	return m.writeReport(res)
}

// takeEvent applies one progress event to its tenant's row.
func (m *Model) takeEvent(ev defender.Event) {
	t := &m.test
	for _, i := range t.indices {
		row := &t.tenants[i]
		if row.target.TenantID != ev.TenantID {
			continue
		}
		if row.active == nil {
			row.active = map[defender.CheckID]bool{}
		}
		switch ev.Kind {
		case defender.CheckStarted:
			row.active[ev.Check] = true
			delete(row.retry, ev.Check)
		case defender.Retrying:
			if row.retry == nil {
				row.retry = map[defender.CheckID]retryWait{}
			}
			row.retry[ev.Check] = retryWait{ev: ev, at: m.opts.Now()}
		case defender.CheckFinished:
			delete(row.active, ev.Check)
			delete(row.retry, ev.Check)
			if ev.Result != nil {
				row.checks[ev.Check] = *ev.Result
			}
		}
		return
	}
}

// failedRows are the finished tenants with a failed check.
func (t *testState) failedRows() []int {
	var out []int
	for i, r := range t.tenants {
		if r.result != nil && !r.result.OK {
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
		t.tenants[i] = tenantRow{target: defender.Target{TenantID: tr.TenantID, Customer: tr.Customer}}
		t.tenants[i].keep(tr)
	}
}

// retryWait is a check's request waiting to be tried again.
type retryWait struct {
	ev defender.Event
	at time.Time
}

// retryText says why a check's request waits and for how long: while the
// wait lasts, who asked for it; then that the next try is out.
func retryText(rw retryWait, now time.Time) string {
	ev := rw.ev
	next := ev.Attempt + 1
	if now.Sub(rw.at) >= ev.Wait {
		return fmt.Sprintf("trying again after a %s wait (try %d)", seconds(ev.Wait), next)
	}
	switch {
	case ev.Status == http.StatusTooManyRequests && ev.Asked:
		return fmt.Sprintf("Microsoft asked to wait %s (throttled, try %d)", seconds(ev.Wait), next)
	case ev.Status == http.StatusTooManyRequests:
		return fmt.Sprintf("Microsoft throttled it: waiting %s (try %d)", seconds(ev.Wait), next)
	case ev.Status != 0 && ev.Asked:
		return fmt.Sprintf("HTTP %d, Microsoft asked to wait %s (try %d)", ev.Status, seconds(ev.Wait), next)
	case ev.Status != 0:
		return fmt.Sprintf("HTTP %d from Microsoft, waiting %s (try %d)", ev.Status, seconds(ev.Wait), next)
	}
	return fmt.Sprintf("no answer, waiting %s (try %d)", seconds(ev.Wait), next)
}

// seconds is a wait as the user reads it: "2 s", or "250 ms" under a second.
func seconds(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%d s", (d+time.Second/2)/time.Second)
}
