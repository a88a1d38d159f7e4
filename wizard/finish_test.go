package wizard

import (
	"slices"
	"testing"

	"github.com/paratira/mdeconnect/defender"
)

// TestFinishRecordsEveryRole: a connector the wizard saves records the roles
// of all its tokens, as `mdeconnect add` does, so its first re-test shows no
// role change.
func TestFinishRecordsEveryRole(t *testing.T) {
	st := &memStore{}
	m := newTestModel(t, st)
	toTest(m)
	tr := defender.TenantResult{TenantID: tenantA, Customer: "Contoso", OK: true,
		Info:   &defender.TenantInfo{TenantID: tenantA, RegionScope: "NA"},
		Claims: map[string]defender.Claims{"defender": {Roles: []string{"Machine.Read.All"}}, "graph": {Roles: []string{"Directory.Read.All"}}}}
	for _, id := range defender.CheckIDs() {
		tr.Checks = append(tr.Checks, defender.CheckResult{ID: id, Status: defender.Pass})
	}
	m.Update(runDoneMsg{run: m.test.run, res: defender.Result{OK: true, Tenants: []defender.TenantResult{tr}}})
	send(m, "enter")
	cmd := m.save()
	if cmd == nil {
		t.Fatalf("not saved: %v", m.summary.err)
	}
	m.Update(cmd())
	if len(st.list) != 1 || st.list[0].LastValidation == nil {
		t.Fatalf("not saved: %+v", st.list)
	}
	tv := st.list[0].LastValidation.Tenants[0]
	if want := []string{"Machine.Read.All", "Directory.Read.All"}; !slices.Equal(tv.GrantedRoles, want) {
		t.Errorf("roles %v, want %v", tv.GrantedRoles, want)
	}
	if tv.RegionScope != "NA" || len(tv.Checks) != len(defender.CheckIDs()) {
		t.Errorf("validation %+v", tv)
	}
}
