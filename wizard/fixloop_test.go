package wizard

import (
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/store"
)

// failWith feeds a finished run of tenant A whose check id failed with p.
func failWith(m *Model, id defender.CheckID, p problem.Code) {
	tr := defender.TenantResult{TenantID: m.test.tenants[0].target.TenantID, Customer: "Contoso"}
	for _, cid := range defender.CheckIDs() {
		c := defender.CheckResult{ID: cid, Status: defender.Pass, Message: "fine"}
		if cid == id {
			c = defender.CheckResult{ID: cid, Status: defender.Fail, Problem: p, Message: p.Title(), Remedy: p.Remedy()}
		}
		tr.Checks = append(tr.Checks, c)
	}
	m.Update(runDoneMsg{run: m.test.run, res: defender.Result{Tenants: []defender.TenantResult{tr}}})
}

func TestFixLoop(t *testing.T) {
	tests := []struct {
		name    string
		check   defender.CheckID
		problem problem.Code
		fix     []any // after "1"
		want    Step  // where "1" goes
		focus   field
		retest  bool // the fix ends in a fresh run
	}{
		{"secret", defender.CheckToken, problem.InvalidClientSecret, []any{"x", "enter"}, StepDetails, fSecret, true},
		{"expired secret", defender.CheckToken, problem.ClientSecretExpired, []any{"x", "enter"}, StepDetails, fSecret, true},
		{"tenant", defender.CheckTenant, problem.TenantNotFound, []any{"enter", resolved(tenantB)}, StepTenant, 0, true},
		{"consent", defender.CheckToken, problem.ConsentMissing, []any{consentMsg{granted}, "enter"}, StepConsent, 0, true},
		{"permissions", defender.CheckPermissions, problem.InsufficientPermissions, []any{consentMsg{granted}, "enter"}, StepConsent, 0, true},
		{"no fix for conditional access", defender.CheckToken, problem.ConditionalAccessBlocked, nil, StepTest, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, &memStore{})
			toTest(m)
			failWith(m, tt.check, tt.problem)
			run := m.test.run
			send(m, "w", "1") // w stops a consent wait, if one started
			if m.Step() != tt.want {
				t.Fatalf("1 went to %s, want %s", m.Step(), tt.want)
			}
			if tt.want == StepDetails && m.details.focus != tt.focus {
				t.Errorf("focus %d, want %d", m.details.focus, tt.focus)
			}
			for _, msg := range tt.fix {
				if r, ok := msg.(resolvedMsg); ok {
					r.seq = m.tenant.seq // the lookup enter started
					msg = r
				}
				send(m, msg)
			}
			if !tt.retest {
				return
			}
			if m.Step() != StepTest || !m.test.running() || m.test.run == run {
				t.Fatalf("after the fix: step %s, running %v", m.Step(), m.test.running())
			}
			if len(m.stale()) != 0 {
				t.Errorf("the fresh run is stale: %v", m.stale())
			}
			if tt.name == "tenant" && m.draft.Mappings[0].TenantID != tenantB {
				t.Errorf("One to One mapping kept the old tenant: %+v", m.draft.Mappings)
			}
		})
	}
}

func TestStale(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Model)
		want   string
	}{
		{"secret", func(m *Model) { m.details.secret.SetValue("other"); m.syncDraft() }, "the client secret"},
		{"client ID", func(m *Model) { m.details.clientID.SetValue(tenantB); m.syncDraft() }, "the client ID"},
		{"mode", func(m *Model) { m.draft.Mode = store.OneToMany }, "the mapping mode"},
		{"mappings", func(m *Model) { m.draft.Mappings[0].CustomerName = "Other" }, "the mappings"},
		{"consent", func(m *Model) { m.consent.result = nil }, "the consent"},
		{"tenant", func(m *Model) { m.draft.Tenant.TenantID = tenantB }, "the tenant"},
		{"a domain resolved later is the same tenant", func(m *Model) {
			m.draft.Mappings[0].Domain = "contoso.com"
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, &memStore{})
			toTest(m)
			finish(m, false)
			send(m, "esc")
			tt.change(m)
			got := strings.Join(m.stale(), ",")
			if got != tt.want {
				t.Fatalf("stale %q, want %q", got, tt.want)
			}
			if tt.want != "" && !strings.Contains(screen(t, m), "out of date") {
				t.Error("stale results not shown")
			}
			run := m.test.run
			send(m, "ctrl+t")
			if rerun := m.test.run != run; rerun != (tt.want != "") {
				t.Errorf("entering the test re-ran %v, want %v", rerun, tt.want != "")
			}
		})
	}
}

func TestMappingsAtEntry(t *testing.T) {
	m := newTestModel(t, &memStore{})
	send(m, "enter", "down", "down", "enter", "s")
	m.tenant.checking, m.tenant.seq = true, 1
	m.Update(resolvedMsg{seq: 1, info: defender.TenantInfo{Input: "contoso.com", TenantID: tenantA}})
	send(m, "tab", "tab", secret, "tab", "tab", "Contoso", "enter")
	send(m, "contoso.com", "tab", "Again", "enter")
	if len(m.draft.Mappings) != 1 || m.details.err == nil || !strings.Contains(m.details.err.Error(), "mapped twice") {
		t.Fatalf("the same tenant by domain was not refused: %+v %v", m.draft.Mappings, m.details.err)
	}
	// A domain not known yet is refused when its lookup answers.
	m.details.err = nil
	m.details.tenant.SetValue("")
	m.details.cust.SetValue("")
	send(m, "shift+tab", "fabrikam.com", "tab", "Fabrikam", "enter")
	m.Update(mappingResolvedMsg{domain: "fabrikam.com", info: defender.TenantInfo{TenantID: tenantA}})
	if len(m.draft.Mappings) != 1 || m.details.err == nil {
		t.Fatalf("a domain of a mapped tenant kept: %+v", m.draft.Mappings)
	}
}

func TestOtherConnectorNamed(t *testing.T) {
	st := &memStore{list: []store.Connector{{Name: "Old", Mappings: []store.Mapping{{TenantID: tenantA, CustomerName: "Contoso"}}}}}
	m := newTestModel(t, st)
	toTest(m)
	finish(m, true)
	send(m, "enter")
	if s := screen(t, m); !strings.Contains(s, `connector "Old"`) {
		t.Errorf("summary does not name the other connector:\n%s", s)
	}
}

func TestFailureKeptForHistory(t *testing.T) {
	m := newTestModel(t, &memStore{})
	m.opts.WriteReport = func(store.Connector, string, defender.Result) (string, error) { return "/cache/r.json", nil }
	toTest(m)
	failWith(m, defender.CheckToken, problem.InvalidClientSecret)
	// The report is written by a command; feed what it returns.
	m.Update(reportMsg{run: m.test.run, path: "/cache/r.json"})
	send(m, "ctrl+c")
	r := m.Result()
	if r.ReportPath != "/cache/r.json" || len(r.Failures) == 0 || !strings.Contains(r.Failures[0], "Invalid client secret") {
		t.Fatalf("result %+v", r)
	}
	if strings.Contains(strings.Join(r.Failures, ""), secret) {
		t.Error("the secret is in the failures")
	}
}

func TestEditSaved(t *testing.T) {
	st := &memStore{list: []store.Connector{{Name: "Old", Mode: store.OneToOne, ClientID: defender.ParatiraClientID,
		Mappings: []store.Mapping{{TenantID: tenantA, CustomerName: "Contoso"}}}}, secrets: map[string]string{"Old": "old-secret"}}
	m := newTestModel(t, st)
	send(m, "down", "enter")
	m.Update(editLoadedMsg{c: st.list[0], secret: "old-secret"})
	if m.Step() != StepDetails || m.draft.Name != "Old" || m.nameError("Old") != nil {
		t.Fatalf("edit: step %s draft %+v", m.Step(), m.draft)
	}
	send(m, "tab", "tab")
	for range len("old-secret") {
		send(m, keyPress("backspace"))
	}
	m.details.secret.SetValue(secret)
	send(m, "ctrl+t")
	finish(m, true)
	send(m, "enter", "enter")
	if cmd := m.save(); cmd != nil {
		m.Update(cmd())
	}
	if !m.Result().Updated || st.secrets["Old"] != secret || len(st.list) != 1 {
		t.Fatalf("not updated in place: %+v %v", m.Result(), st.secrets)
	}
}

func resolved(tenant string) resolvedMsg {
	return resolvedMsg{info: defender.TenantInfo{Input: tenant, TenantID: tenant}}
}
