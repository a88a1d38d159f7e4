package wizard

import (
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/doctor"
	"github.com/paratira/mdeconnect/internal/sanitize"
)

// doctorItem is one line of what the tenant's side says: a finding with
// the failed checks it explains and what to do, a section Graph would not
// give, or a failed check nothing explains. The screen marks and indents
// it; the accessible prompts say it.
type doctorItem struct {
	status   defender.Status
	text     string
	explains []doctorItem
	remedy   string
}

// doctorTextMax bounds one text of the report on screen: a finding that
// names several roles and a consent runs to a few hundred characters.
const doctorTextMax = 2000

// doctorClean is a report's text as a terminal may show it. doctor has
// sanitised what Graph wrote already; the screen does not rely on it.
func doctorClean(s string) string { return sanitize.Line(s, doctorTextMax) }

// doctorItems are the report's findings joined with the test's failed
// checks, in the wizard's words; a remedy shared by findings is said once.
func (m *Model) doctorItems(r *doctor.Report, tenant string) []doctorItem {
	var out []doctorItem
	said := map[string]bool{}
	for _, f := range r.Findings {
		it := doctorItem{status: f.Severity, text: doctorClean(f.Summary)}
		for _, c := range f.Explains {
			it.explains = append(it.explains, checkItem(c, ""))
		}
		rem := m.remedy(defender.CheckResult{Problem: f.Problem, Remedy: doctorClean(f.Remedy)}, tenant)
		if rem != "" && !said[rem] {
			said[rem], it.remedy = true, rem
		}
		out = append(out, it)
	}
	if len(r.Findings) == 0 {
		out = append(out, doctorItem{status: defender.Pass, text: "Nothing wrong found from the tenant's side."})
	}
	for _, s := range []struct {
		what string
		sec  doctor.Section
	}{{"The enterprise application", r.App.Section}, {"The app roles", r.Roles.Section}, {"The consent", r.Consent.Section},
		{"The sign-ins", r.SignIns.Section}, {"Conditional Access", r.ConditionalAccess.Section}} {
		switch s.sec.Status {
		case doctor.StatusNotAvailable:
			out = append(out, doctorItem{status: defender.Warn, text: s.what + " could not be read: " + doctorClean(s.sec.Reason)})
		case doctor.StatusFailed:
			out = append(out, doctorItem{status: defender.Fail, text: s.what + " could not be read: " + doctorClean(s.sec.Reason)})
		}
	}
	for _, c := range r.Unexplained {
		out = append(out, checkItem(c, " (app-only; nothing on the tenant's side explains it)"))
	}
	return out
}

// checkItem is an app-only check as a finding names it.
func checkItem(c doctor.Check, tail string) doctorItem {
	text := doctorClean(c.Title)
	if t := c.Problem.Title(); t != "" {
		text += ": " + t
	}
	return doctorItem{status: c.Status, text: text + tail}
}
