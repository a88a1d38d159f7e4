package doctor

import (
	"time"

	"github.com/paratira/mdeconnect/defender"
)

// ChecksOf are a tenant's app-only checks as doctor joins them.
func ChecksOf(t defender.TenantResult) []Check {
	out := make([]Check, 0, len(t.Checks))
	for _, c := range t.Checks {
		out = append(out, Check{ID: c.ID, Title: c.ID.Title(), Status: c.Status, Problem: c.Problem})
	}
	return out
}

// Explain joins the report's findings with an app-only test of the same
// tenant: a finding explains every failed or warned check of the problem it
// names, so "App-only token: Cannot access Defender data" sits beside "the
// enterprise application was removed on ... by ...". Failed checks no
// finding explains are listed as unexplained.
func Explain(r *Report, source string, at time.Time, checks []Check) {
	r.AppOnly = &AppOnly{Source: source, At: at.UTC(), Checks: checks}
	r.Unexplained = []Check{}
	explained := make([]bool, len(checks))
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Explains = []Check{}
		for j, c := range checks {
			if failed(c) && c.Problem == f.Problem {
				f.Explains = append(f.Explains, c)
				explained[j] = true
			}
		}
	}
	for j, c := range checks {
		if failed(c) && !explained[j] {
			r.Unexplained = append(r.Unexplained, c)
		}
	}
}

func failed(c Check) bool { return c.Status == defender.Fail || c.Status == defender.Warn }
