package wizard

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/connector"

	"charm.land/bubbles/v2/key"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/defender"
)

// testTableRows is how many tenants the multi-tenant table shows at once.
const testTableRows = 6

// testKeyMap is step 6's keys.
type testKeyMap struct{ Up, Down, StopWait, Retry, Next, SaveAnyway, LookCloser, Back key.Binding }

var testKeys = testKeyMap{
	Up:         quiet("up", "k"),
	Down:       quiet("down", "j"),
	StopWait:   bind("w", "stop waiting", "w"),
	Retry:      bind("r", "retry", "r"),
	Next:       bind("enter", "next", "enter"),
	SaveAnyway: bind("s", "save anyway", "s"),
	LookCloser: bind("d", "look closer", "d"),
	Back:       bind("esc", "back to details", "esc", "b"),
}

// testActions are the keys of the test as it stands: waiting, running,
// failed (its fixes by number) or passed.
func (m *Model) testActions() []keyAction {
	k, t := testKeys, &m.test
	as := []keyAction{
		act(k.Up, func() tea.Cmd { t.row = max(t.row-1, 0); return nil }),
		act(k.Down, func() tea.Cmd { t.row = min(t.row+1, max(len(t.tenants)-1, 0)); return nil }),
	}
	back := act(k.Back, func() tea.Cmd { return m.setStep(StepDetails) })
	switch {
	case t.wait != nil:
		return append(as, act(k.StopWait, func() tea.Cmd { m.stopWaiting(); return nil }), back)
	case t.running():
		back.SetHelp("esc", "stop and go back to details")
		return append(as, back)
	case t.err != nil || t.hasUnfinished():
		return append(as, back)
	case len(t.failedRows()) > 0:
		for i, f := range m.fixes() {
			n := itoa(i + 1)
			as = append(as, act(bind(n, f.label, n), func() tea.Cmd { return m.applyFix(f) }))
		}
		retry := k.Retry
		retry.SetHelp("r", "retry failed")
		as = append(as, act(retry, func() tea.Cmd { return m.startRun(t.failedRows()) }),
			act(k.SaveAnyway, func() tea.Cmd { return m.setStep(StepSummary) }))
		if m.canLookCloser() {
			as = append(as, act(k.LookCloser, m.startDoctor))
		}
		return append(as, back)
	}
	all := make([]int, len(t.tenants))
	for i := range all {
		all[i] = i
	}
	return append(as, act(k.Next, func() tea.Cmd { return m.setStep(StepSummary) }),
		act(k.Retry, func() tea.Cmd { return m.startRun(all) }), back)
}

func (m *Model) updateTest(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	t := &m.test
	cmd, _ := press(k, m.testActions())
	if t.row < t.offset {
		t.offset = t.row
	}
	if t.row >= t.offset+testTableRows {
		t.offset = t.row - testTableRows + 1
	}
	return cmd
}

// viewTest fits in h lines: the checks are clipped, never the verdict.
func (m *Model) viewTest(w, h int) string {
	t := m.test
	head := m.st.title.Render("Test connection") + m.st.dim.Render(" · validating the APIs and data permissions") + "\n\n"
	if t.err != nil {
		return head + m.st.fail.Render("✗ ") + t.err.Error()
	}
	var body string
	if len(t.tenants) == 1 {
		body = m.tenantChecks(t.tenants[0], w, true)
	} else {
		body = m.tenantTable(w)
		if t.row < len(t.tenants) {
			body += "\n" + m.tenantChecks(t.tenants[t.row], w, false)
		}
	}
	verdict := wrap(m.testVerdict(w), w)
	room := h - strings.Count(head, "\n") - strings.Count(verdict, "\n") - 2
	return head + clipLines(wrap(strings.TrimRight(body, "\n"), w), max(room, 1)) + "\n\n" + verdict
}

// tenantChecks lists a tenant's checks; all shows passing ones too. A failed
// or warned check's message is wrapped, never cut: it is what the user needs.
func (m *Model) tenantChecks(r tenantRow, w int, all bool) string {
	var b strings.Builder
	b.WriteString(m.st.bold.Render("Tenant "+r.target.TenantID) + m.st.dim.Render(" ("+r.target.Customer+")") + "\n")
	_, waiting := m.waitingFor(r)
	shown := map[string]bool{}
	for _, id := range defender.CheckIDs() {
		c, done := r.checks[id]
		if !all && (!done || c.Status == defender.Pass || c.Status == defender.Skip) {
			continue
		}
		mark := m.st.dim.Render("·")
		switch {
		case r.active[id]:
			mark = m.spin.View()
		case done:
			mark = m.st.mark(c.Status)
		}
		line := fmt.Sprintf("%s %-29s ", mark, id.Title())
		if rw, ok := r.retry[id]; ok && r.active[id] {
			b.WriteString(hangAfter(line, retryText(rw, m.opts.Now()), 4, w) + "\n")
			continue
		}
		// While the consent wait runs, its status line says what is missing.
		if waiting || !done || (c.Status != defender.Fail && c.Status != defender.Warn) {
			b.WriteString(truncate(strings.TrimRight(line+m.checkText(c), " "), w) + "\n")
			continue
		}
		b.WriteString(hangAfter(line, m.checkText(c), 4, w) + "\n")
		// The wait says what the remedy would; a remedy shared by checks is said once.
		if rem := m.remedy(c, r.target.TenantID); rem != "" && !waiting && !shown[rem] {
			shown[rem] = true
			b.WriteString(lines(m.st.dim, hang("→ "+rem, 4, w)) + "\n")
		}
	}
	return b.String()
}

// waitingFor says what the consent wait still misses for row r.
func (m *Model) waitingFor(r tenantRow) (string, bool) {
	if m.test.wait == nil {
		return "", false
	}
	why, ok := m.test.wait.missing[r.target.TenantID]
	return why, ok
}

func (m *Model) checkText(c defender.CheckResult) string { return problemText(c.Problem, c.Message) }

func (m *Model) tenantTable(w int) string {
	t := m.test
	var b strings.Builder
	// Below 78 columns a tenant shows by its GUID's first characters, so the
	// result, which says what failed, keeps its room.
	tw := 36
	if w < 78 {
		tw = 13
	}
	b.WriteString(m.st.dim.Render(truncate(fmt.Sprintf("    %-*s %-16s %s", tw, "TENANT", "CUSTOMER", "RESULT"), w)) + "\n")
	end := min(t.offset+testTableRows, len(t.tenants))
	for i := t.offset; i < end; i++ {
		r := t.tenants[i]
		mark, verdict := m.rowVerdict(r)
		line := fmt.Sprintf("%s %-*s %-16s %s", mark, tw, truncate(r.target.TenantID, tw), truncate(r.target.Customer, 16), verdict)
		b.WriteString(m.st.cursor(i == t.row) + truncate(line, w-2) + "\n")
	}
	if len(t.tenants) > testTableRows {
		b.WriteString(m.st.dim.Render(fmt.Sprintf("  tenants %d-%d of %d (↑/↓ scroll)", t.offset+1, end, len(t.tenants))) + "\n")
	}
	return b.String()
}

func (m *Model) rowVerdict(r tenantRow) (string, string) {
	if r.result == nil {
		return m.spin.View(), fmt.Sprintf("%d/%d checks", len(r.checks), len(defender.CheckIDs()))
	}
	var fail, warn []string
	for _, id := range defender.CheckIDs() {
		c := r.checks[id]
		switch c.Status {
		case defender.Fail:
			fail = append(fail, c.Problem.Title())
		case defender.Warn:
			warn = append(warn, c.Problem.Title())
		}
	}
	switch {
	case len(fail) > 0:
		return m.st.mark(defender.Fail), strings.Join(compact(fail), ", ")
	case len(warn) > 0:
		return m.st.mark(defender.Warn), strings.Join(compact(warn), ", ")
	}
	return m.st.mark(defender.Pass), "ok"
}

func compact(s []string) []string {
	var out []string
	for _, v := range s {
		if v != "" && (len(out) == 0 || out[len(out)-1] != v) {
			out = append(out, v)
		}
	}
	return out
}

// results are the tenants' results so far: complete ones, and the checks
// finished of those still running.
func (t testState) results() []defender.TenantResult {
	out := make([]defender.TenantResult, len(t.tenants))
	for i, r := range t.tenants {
		if r.result != nil {
			out[i] = *r.result
			continue
		}
		tr := defender.TenantResult{TenantID: r.target.TenantID, OK: true}
		for _, id := range defender.CheckIDs() {
			if c, ok := r.checks[id]; ok {
				tr.Checks = append(tr.Checks, c)
				tr.OK = tr.OK && c.Status != defender.Fail
			}
		}
		out[i] = tr
	}
	return out
}

// testVerdict is the totals line and what to do next.
func (m *Model) testVerdict(w int) string {
	t := m.test
	totals := connector.Totals(t.results())
	switch {
	case t.wait != nil:
		return m.waitView(w)
	case t.running() || t.hasUnfinished():
		return m.runningLine(w) + "\n" + m.st.dim.Render(totals)
	case len(t.failedRows()) > 0:
		out := m.st.fail.Render("✗ "+totals) + "\n" + m.fixLine()
		if m.canLookCloser() {
			out += "\nLook closer: " + m.st.key.Render("d") + " signs in as this tenant's admin, read-only."
		}
		if rl := m.reportLine(); rl != "" {
			out += "\n" + rl
		}
		return out
	}
	return m.st.pass.Render("✓ "+totals) + "\nPress enter to review the summary."
}

// fixLine offers the fixes of the failed checks by number, then the rest.
func (m *Model) fixLine() string {
	var offers []string
	for i, f := range m.fixes() {
		offers = append(offers, m.st.key.Render(itoa(i+1))+" "+f.label)
	}
	rest := "retry (r), or save anyway (s): the failures are recorded."
	if len(offers) == 0 {
		return "Fix the details (esc), " + rest
	}
	return "Fix it: " + strings.Join(offers, " · ") + "; then it tests again. Or " + rest
}

// runningLine says what a run waits for: the checks whose answer from
// Microsoft has not come yet, for how long, and how to stop.
func (m *Model) runningLine(w int) string {
	t := m.test
	var active []string
	var retry string
	busy := 0
	for _, i := range t.indices {
		r := t.tenants[i]
		if r.result == nil {
			busy++
		}
		for _, id := range defender.CheckIDs() {
			if r.active[id] && !slices.Contains(active, id.Title()) {
				active = append(active, id.Title())
			}
			// A table of tenants hides running checks: the first retry
			// waiting is named here.
			if rw, ok := r.retry[id]; ok && r.active[id] && retry == "" && m.opts.Now().Sub(rw.at) < rw.ev.Wait {
				retry = id.Title() + ": " + retryText(rw, m.opts.Now())
			}
		}
	}
	s := "Testing: starting"
	switch {
	case len(active) == 1:
		s = "Testing: waiting for Microsoft to answer " + active[0]
	case len(active) > 1:
		s = fmt.Sprintf("Testing: waiting for Microsoft to answer %d checks (%s, …)", len(active), active[0])
	}
	if len(t.tenants) > 1 {
		s += fmt.Sprintf(" in %d tenants", busy)
	}
	if d := m.opts.Now().Sub(t.started); d >= time.Second {
		s += " · " + clock(d)
	}
	if retry != "" && len(t.tenants) > 1 {
		s += " · " + retry
	}
	return hangAfter(m.spin.View()+" ", s+" · esc stops the test", 2, w)
}
