package connector

import (
	"testing"

	"github.com/paratira/mdeconnect/defender"
)

// "1 tenant(s): 1 passed, 0 warnings, 2 failed" read as if the failed tenant
// had passed: tenants and checks are counted apart.
func TestTotals(t *testing.T) {
	check := func(s defender.Status) defender.CheckResult { return defender.CheckResult{Status: s} }
	failed := defender.TenantResult{OK: false, Checks: []defender.CheckResult{check(defender.Pass), check(defender.Fail), check(defender.Skip)}}
	warned := defender.TenantResult{OK: true, Checks: []defender.CheckResult{check(defender.Pass), check(defender.Warn)}}
	passed := defender.TenantResult{OK: true, Checks: []defender.CheckResult{check(defender.Pass), check(defender.Pass)}}
	tests := []struct {
		in   []defender.TenantResult
		want string
	}{
		{[]defender.TenantResult{failed}, "1 tenant: 0 passing, 1 failing · checks: 1 passed, 1 failed, 1 skipped"},
		{[]defender.TenantResult{passed, warned, failed}, "3 tenants: 1 passing, 1 warning, 1 failing · checks: 4 passed, 1 warning, 1 failed, 1 skipped"},
		{[]defender.TenantResult{passed}, "1 tenant: 1 passing, 0 failing · checks: 2 passed, 0 failed"},
		{nil, "0 tenants: 0 passing, 0 failing · checks: 0 passed, 0 failed"},
	}
	for _, tt := range tests {
		if got := Totals(tt.in); got != tt.want {
			t.Errorf("Totals = %q, want %q", got, tt.want)
		}
	}
}
