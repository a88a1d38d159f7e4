package wizard

import (
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// rolesLag is tenant A's result while a fresh consent lacks a role.
func rolesLag(tenant string) defender.TenantResult {
	tr := defender.TenantResult{TenantID: tenant, Customer: "Contoso", Claims: map[string]defender.Claims{
		defender.ResourceDefender: {Roles: []string{"Machine.Read.All", "SecurityRecommendation.Read.All"}},
		defender.ResourceGraph:    {Roles: []string{"ServiceHealth.Read.All"}},
	}}
	for _, id := range defender.CheckIDs() {
		c := defender.CheckResult{ID: id, Status: defender.Pass, Message: "fine"}
		switch id {
		case defender.CheckPermissions:
			c = defender.CheckResult{ID: id, Status: defender.Fail, Problem: problem.InsufficientPermissions,
				Message: "missing Score.Read.All (granted: Machine.Read.All, SecurityRecommendation.Read.All, ServiceHealth.Read.All)",
				Remedy:  problem.InsufficientPermissions.Remedy()}
		case defender.CheckExposureScore:
			c = defender.CheckResult{ID: id, Status: defender.Fail, Problem: problem.InsufficientPermissions,
				Message: "/api/exposureScore was refused: the app lacks Score.Read.All", Remedy: problem.InsufficientPermissions.Remedy()}
		}
		tr.Checks = append(tr.Checks, c)
	}
	return tr
}

func passed(tenant string) defender.TenantResult {
	tr := defender.TenantResult{TenantID: tenant, Customer: "Contoso", OK: true}
	for _, id := range defender.CheckIDs() {
		tr.Checks = append(tr.Checks, defender.CheckResult{ID: id, Status: defender.Pass, Message: "fine"})
	}
	return tr
}

// done ends the current run with tr.
func done(tr defender.TenantResult) runDoneMsg {
	return runDoneMsg{res: defender.Result{OK: tr.OK, Tenants: []defender.TenantResult{tr}}}
}

func TestConsentPropagation(t *testing.T) {
	skipConsent := func(m *Model) {
		send(m, "enter", "enter", "enter", "s")
		m.tenant.checking, m.tenant.seq = true, 1
		m.Update(resolvedMsg{seq: 1, info: defender.TenantInfo{Input: tenantA, TenantID: tenantA}})
		send(m, "tab", "tab", secret, "tab", "tab", "Contoso", "enter", "enter")
	}
	otherTenant := func(m *Model) {
		send(m, "enter", "enter", "enter", consentMsg{"/consent?admin_consent=True&tenant=" + tenantB + "&state=0123456789abcdef"}, "enter")
		m.tenant.checking, m.tenant.seq = true, 1
		m.Update(resolvedMsg{seq: 1, info: defender.TenantInfo{Input: tenantA, TenantID: tenantA}})
		send(m, "tab", "tab", secret, "tab", "tab", "Contoso", "enter", "enter")
	}
	tests := []struct {
		name    string
		setup   func(*Model)
		msgs    []any // runDoneMsg and waitingMsg get the current run
		waiting bool
		failed  int
		screen  []string
	}{
		{"fresh consent lacking a role waits", toTest, []any{done(rolesLag(tenantA))}, true, 1,
			[]string{"Waiting for consent to propagate: still missing Score.Read.All · next try in 10s · 10m00s left", "w stop waiting"}},
		{"the status follows each try", toTest, []any{done(rolesLag(tenantA)),
			waitingMsg{w: defender.Waiting{Missing: map[string]string{tenantA: "still missing Score.Read.All"}, Next: 20 * time.Second, Left: 9*time.Minute + 40*time.Second, Try: 2}}},
			true, 1, []string{"still missing Score.Read.All · next try in 20s · 9m40s left"}},
		{"the app not there yet waits", toTest, []any{done(func() defender.TenantResult {
			tr := rolesLag(tenantA)
			tr.Checks[1] = defender.CheckResult{ID: defender.CheckToken, Status: defender.Fail, Problem: problem.ConsentMissing, Message: "AADSTS700016"}
			return tr
		}())}, true, 1, []string{"the app is not in the tenant yet"}},
		{"the roles arrive", toTest, []any{done(rolesLag(tenantA)), done(passed(tenantA))}, false, 0,
			[]string{"checks: 8 passed, 0 failed", "Press enter to review the summary"}},
		{"the wait runs out", toTest, []any{done(rolesLag(tenantA)), done(rolesLag(tenantA))}, false, 1,
			[]string{"missing Score.Read.All", "(granted: Machine.Read.All", "r retry failed"}},
		{"w stops waiting, results as they are", toTest, []any{done(rolesLag(tenantA)), "w"}, false, 1,
			[]string{"Insufficient permissions: missing Score.Read.All", "→ The enterprise application consent is missing", "1 grant admin consent again", "s save anyway"}},
		{"a retry after stopping does not wait", toTest, []any{done(rolesLag(tenantA)), "w", "r", done(rolesLag(tenantA))}, false, 1, nil},
		{"no consent in this session: no wait", skipConsent, []any{done(rolesLag(tenantA))}, false, 1, []string{"r retry failed"}},
		{"consent for another tenant: no wait", otherTenant, []any{done(rolesLag(tenantA))}, false, 1, nil},
		{"a wrong secret is not propagation", toTest, []any{done(func() defender.TenantResult {
			tr := rolesLag(tenantA)
			tr.Checks[1] = defender.CheckResult{ID: defender.CheckToken, Status: defender.Fail, Problem: problem.InvalidClientSecret, Message: "AADSTS7000215"}
			tr.Checks[2] = defender.CheckResult{ID: defender.CheckPermissions, Status: defender.Skip}
			tr.Checks[5] = defender.CheckResult{ID: defender.CheckExposureScore, Status: defender.Skip}
			return tr
		}())}, false, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, &memStore{})
			tt.setup(m)
			for _, msg := range tt.msgs {
				switch v := msg.(type) {
				case runDoneMsg:
					v.run = m.test.run
					m.Update(v)
				case waitingMsg:
					v.run = m.test.run
					m.Update(v)
				default:
					send(m, v)
				}
			}
			if got := m.test.wait != nil; got != tt.waiting || m.test.running() != tt.waiting {
				t.Errorf("waiting %v running %v, want %v", got, m.test.running(), tt.waiting)
			}
			if got := len(m.test.failedRows()); got != tt.failed {
				t.Errorf("%d failed tenants, want %d", got, tt.failed)
			}
			out := screen(t, m)
			for _, want := range tt.screen {
				if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
					t.Errorf("screen lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestConsentWaitCancels(t *testing.T) {
	for _, k := range []string{"ctrl+c", "esc"} {
		t.Run(k, func(t *testing.T) {
			m := newTestModel(t, &memStore{})
			toTest(m)
			m.Update(runDoneMsg{run: m.test.run, res: defender.Result{Tenants: []defender.TenantResult{rolesLag(tenantA)}}})
			ch := m.test.ch
			if m.test.wait == nil {
				t.Fatal("not waiting")
			}
			send(m, k)
			if m.test.running() || m.test.wait != nil {
				t.Fatal("still waiting")
			}
			// The wait's goroutine ends: its channel closes.
			deadline := time.After(5 * time.Second)
			for {
				select {
				case _, open := <-ch:
					if !open {
						return
					}
				case <-deadline:
					t.Fatal("the wait's goroutine did not end")
				}
			}
		})
	}
}
