package wizard

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/internal/sanitize"
	"github.com/paratira/mdeconnect/store"
)

// WriteReport writes a failed test's support report (the `mdeconnect report`
// format, redacted, readable only by the user) and returns its path. The
// secret is given only so the report can be redacted of it.
type WriteReport func(c store.Connector, secret string, res defender.Result) (path string, err error)

// reportState is the support report of the last failed run.
type reportState struct {
	path string
	err  error
}

type reportMsg struct {
	run  int
	path string
	err  error
}

// writeReport writes the report of the run that just ended, as soon as it
// ends; nil when it passed or no writer is set.
func (m *Model) writeReport(res defender.Result) tea.Cmd {
	write := m.opts.WriteReport
	if write == nil || res.OK || len(res.Tenants) == 0 {
		return nil
	}
	c := store.Connector{Name: m.draft.Name, Type: m.draft.Technology, Mode: m.draft.Mode, ClientID: m.draft.ClientID,
		Cloud: m.opts.CloudName, Mappings: append([]store.Mapping(nil), m.draft.Mappings...)}
	secret, run := m.draft.Secret, m.test.run
	return func() tea.Msg {
		path, err := write(c, secret, res)
		return reportMsg{run: run, path: path, err: err}
	}
}

func (m *Model) onReport(msg reportMsg) {
	if msg.run != m.test.run {
		return
	}
	m.test.report = reportState{path: msg.path, err: msg.err}
	m.keepFailures()
}

// keepFailures puts the failed checks and the report's path in the result,
// which the caller prints once the screen is gone, however the wizard ends.
func (m *Model) keepFailures() {
	t := &m.test
	m.result.Failures, m.result.ReportPath = nil, ""
	for _, i := range t.failedRows() {
		r := t.tenants[i]
		for _, id := range defender.CheckIDs() {
			if c, ok := r.checks[id]; ok && c.Status == defender.Fail {
				m.result.Failures = append(m.result.Failures, fmt.Sprintf("tenant %s (%s), %s: %s", r.target.TenantID,
					sanitize.Line(r.target.Customer, sanitize.Screen), id.Title(), sanitize.Line(m.checkText(c), sanitize.Screen)))
			}
		}
	}
	if len(m.result.Failures) > 0 {
		m.result.ReportPath = t.report.path
		if t.report.err != nil {
			m.result.Failures = append(m.result.Failures, "the support report could not be written: "+t.report.err.Error())
		}
	}
}

// reportLine says where the failed run's report is.
func (m *Model) reportLine() string {
	r := m.test.report
	switch {
	case r.path != "":
		return m.st.dim.Render("Support report (for Paratira support, redacted): ") + r.path
	case r.err != nil:
		return m.st.warn.Render("! ") + "The support report could not be written: " + r.err.Error()
	}
	return ""
}
