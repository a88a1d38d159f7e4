package wizard

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/defender"
)

// testTableRows is how many tenants the multi-tenant table shows at once.
const testTableRows = 6

func (m *Model) updateTest(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	t := &m.test
	switch k.String() {
	case "up", "k":
		t.row = max(t.row-1, 0)
	case "down", "j":
		t.row = min(t.row+1, max(len(t.tenants)-1, 0))
	case "w":
		m.stopWaiting()
	case "r":
		if !t.running() && len(t.failedRows()) > 0 {
			return m.startRun(t.failedRows())
		}
	case "1", "2", "3", "4":
		if fs := m.fixes(); !t.running() && t.wait == nil {
			if n := int(k.String()[0] - '1'); n < len(fs) {
				return m.applyFix(fs[n])
			}
		}
	case "enter":
		if !t.running() && t.err == nil && !t.hasUnfinished() && len(t.failedRows()) == 0 {
			return m.setStep(StepSummary)
		}
	case "s":
		if !t.running() && !t.hasUnfinished() && len(t.failedRows()) > 0 {
			return m.setStep(StepSummary)
		}
	case "esc", "b":
		return m.setStep(StepDetails)
	}
	if t.row < t.offset {
		t.offset = t.row
	}
	if t.row >= t.offset+testTableRows {
		t.offset = t.row - testTableRows + 1
	}
	return nil
}

func (m *Model) testKeys() []string {
	t := m.test
	switch {
	case t.wait != nil:
		return []string{"w stop waiting", "esc back to details"}
	case t.running():
		return []string{"esc stop and go back to details"}
	case len(t.failedRows()) > 0:
		var keys []string
		for i, f := range m.fixes() {
			keys = append(keys, itoa(i+1)+" "+f.label)
		}
		return append(keys, "r retry failed", "s save anyway", "esc back to details")
	}
	return []string{"enter next", "r retry", "esc back to details"}
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

// testVerdict is the totals line and what to do next.
func (m *Model) testVerdict(w int) string {
	t := m.test
	n := map[defender.Status]int{}
	for _, r := range t.tenants {
		for _, c := range r.checks {
			n[c.Status]++
		}
	}
	totals := fmt.Sprintf("%d tenant(s): %d passed, %d warnings, %d failed, %d skipped", len(t.tenants), n[defender.Pass], n[defender.Warn], n[defender.Fail], n[defender.Skip])
	switch {
	case t.wait != nil:
		return m.waitView(w)
	case t.running() || t.hasUnfinished():
		return m.spin.View() + " Testing… " + m.st.dim.Render(totals)
	case len(t.failedRows()) > 0:
		out := m.st.fail.Render("✗ "+totals) + "\n" + m.fixLine()
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
