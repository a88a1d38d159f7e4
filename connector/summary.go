package connector

import (
	"fmt"

	"github.com/paratira/mdeconnect/defender"
)

// TenantStatus is a tenant's worst check: it fails if any check failed, warns
// if any warned, else passes. test --all, test and the wizard count tenants by it.
func TenantStatus(t defender.TenantResult) defender.Status {
	worst := defender.Pass
	for _, c := range t.Checks {
		switch {
		case c.Status == defender.Fail:
			return defender.Fail
		case c.Status == defender.Warn:
			worst = defender.Warn
		}
	}
	return worst
}

// Totals counts tenants and checks apart, so a failed tenant never reads as
// passed: "1 tenant: 0 passing, 1 failing · checks: 1 passed, 2 failed, 5
// skipped". The command line and the wizard both say it so.
func Totals(tenants []defender.TenantResult) string {
	var passing, warning, failing int
	n := map[defender.Status]int{}
	for _, t := range tenants {
		switch st := TenantStatus(t); {
		case !t.OK || st == defender.Fail:
			failing++
		case st == defender.Warn:
			warning++
		default:
			passing++
		}
		for _, c := range t.Checks {
			n[c.Status]++
		}
	}
	s := fmt.Sprintf("%s: %d passing", count(len(tenants), "tenant"), passing)
	if warning > 0 {
		s += fmt.Sprintf(", %d warning", warning)
	}
	s += fmt.Sprintf(", %d failing · checks: %d passed", failing, n[defender.Pass])
	if n[defender.Warn] > 0 {
		s += ", " + count(n[defender.Warn], "warning")
	}
	s += fmt.Sprintf(", %d failed", n[defender.Fail])
	if n[defender.Skip] > 0 {
		s += fmt.Sprintf(", %d skipped", n[defender.Skip])
	}
	return s
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
