package wizard

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/connector"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/store"
)

// granted is the redirect Entra ID sends after Accept.
const granted = "/consent?admin_consent=True&tenant=" + tenantA + "&state=0123456789abcdef"

// toDetails drives a fresh model to step 5 with tenant A resolved.
func toDetails(m *Model) {
	send(m, "enter", "enter", "enter", consentMsg{granted}, "enter")
	m.tenant.checking, m.tenant.seq = true, 1
	m.Update(resolvedMsg{seq: 1, info: defender.TenantInfo{Input: tenantA, TenantID: tenantA, RegionScope: "NA"}})
}

// toTest drives a fresh model to step 6 with one mapping.
func toTest(m *Model) {
	toDetails(m)
	send(m, "tab", "tab", secret, "tab", "tab", "Contoso", "enter", "enter")
}

// finish feeds the results of the current run.
func finish(m *Model, ok bool) {
	tr := defender.TenantResult{TenantID: tenantA, Customer: "Contoso", OK: ok}
	for _, id := range defender.CheckIDs() {
		c := defender.CheckResult{ID: id, Status: defender.Pass, Message: "fine"}
		if !ok && id == defender.CheckToken {
			c = defender.CheckResult{ID: id, Status: defender.Fail, Problem: problem.InvalidClientSecret,
				Message: "AADSTS7000215: Invalid client secret provided.", Remedy: problem.InvalidClientSecret.Remedy()}
		}
		if !ok && id != defender.CheckTenant && id != defender.CheckToken {
			c = defender.CheckResult{ID: id, Status: defender.Skip, Message: "skipped: no token"}
		}
		tr.Checks = append(tr.Checks, c)
		m.Update(checkMsg{run: m.test.run, ev: defender.Event{Kind: defender.CheckFinished, TenantID: tenantA, Check: id, Result: &c}})
	}
	m.Update(runDoneMsg{run: m.test.run, res: defender.Result{OK: ok, Tenants: []defender.TenantResult{tr}}})
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*Model)
		msgs  []any
		want  Step
		check func(*testing.T, *Model)
	}{
		{"add a connector", nil, []any{"enter"}, StepChoose, nil},
		{"a adds too", nil, []any{"a"}, StepChoose, nil},
		{"esc on connectors quits", nil, []any{"esc"}, StepConnectors, func(t *testing.T, m *Model) {
			if !m.cancelled {
				t.Error("not cancelled")
			}
		}},
		{"enter on technology moves to the mode", nil, []any{"enter", "enter"}, StepChoose, nil},
		{"choose one to many", nil, []any{"enter", "down", "down", "enter"}, StepConsent, func(t *testing.T, m *Model) {
			if m.draft.Mode != store.OneToMany {
				t.Errorf("mode %s", m.draft.Mode)
			}
		}},
		{"back from choose", nil, []any{"enter", "esc"}, StepConnectors, nil},
		{"skip consent", nil, []any{"enter", "enter", "enter", "s"}, StepTenant, nil},
		{"back from consent keeps the mode", nil, []any{"enter", "down", "down", "enter", "esc"}, StepChoose, func(t *testing.T, m *Model) {
			if m.draft.Mode != store.OneToMany {
				t.Errorf("mode lost: %s", m.draft.Mode)
			}
		}},
		{"consent enter opens the browser", nil, []any{"enter", "enter", "enter", "enter"}, StepConsent, nil},
		{"granted consent fills the tenant", nil, []any{"enter", "enter", "enter", consentMsg{granted}, "enter"}, StepTenant, func(t *testing.T, m *Model) {
			if v := m.tenant.input.Value(); v != tenantA {
				t.Errorf("tenant input %q", v)
			}
		}},
		{"rejected consent shows the guide's advice", nil, []any{"enter", "enter", "enter",
			consentMsg{"/consent?error=access_denied&error_description=AADSTS65004:+User+declined+to+consent&admin_consent=True&state=0123456789abcdef"}, "enter"},
			StepConsent, func(t *testing.T, m *Model) {
				if s := m.render(); !strings.Contains(s, "Consent rejected") || !strings.Contains(s, "Review the permissions again") {
					t.Errorf("no remedy in\n%s", s)
				}
			}},
		{"a foreign state is refused", nil, []any{"enter", "enter", "enter", consentMsg{"/consent?admin_consent=True&tenant=" + tenantA + "&state=other"}, "enter"},
			StepConsent, func(t *testing.T, m *Model) {
				if m.draft.ConsentTenant != "" {
					t.Error("tenant taken from a foreign reply")
				}
			}},
		{"pasted redirect", nil, []any{"enter", "enter", "enter", "p", "http://localhost:53682" + granted, "enter", "enter"}, StepTenant, nil},
		{"bad tenant stays", nil, []any{"enter", "enter", "enter", "s", "not a tenant", "enter"}, StepTenant, func(t *testing.T, m *Model) {
			if m.tenant.parseErr == nil || m.tenant.checking {
				t.Error("no validation error, or a lookup started")
			}
		}},
		{"valid tenant starts a lookup", nil, []any{"enter", "enter", "enter", "s", "contoso.com", "enter"}, StepTenant, func(t *testing.T, m *Model) {
			if !m.tenant.checking {
				t.Error("no lookup")
			}
		}},
		{"a failed lookup stays", nil, []any{"enter", "enter", "enter", "s", "contoso.com", "enter",
			resolvedMsg{seq: 1, err: &defender.Error{Problem: problem.TenantNotFound, Msg: "AADSTS90002: Tenant 'contoso.com' not found."}}},
			StepTenant, func(t *testing.T, m *Model) {
				if !strings.Contains(m.render(), "Tenant not found") {
					t.Error("no problem title")
				}
			}},
		{"resolved tenant goes to details", toDetails, nil, StepDetails, func(t *testing.T, m *Model) {
			if m.details.tenant.Value() != tenantA {
				t.Errorf("tenant not seeded: %q", m.details.tenant.Value())
			}
		}},
		{"details refuse no mapping", toDetails, []any{"ctrl+t"}, StepDetails, func(t *testing.T, m *Model) {
			if m.details.err == nil {
				t.Error("no error")
			}
		}},
		{"details refuse a taken name", func(m *Model) {
			m.connectors.list = []store.Connector{{Name: connector.DefaultName}}
			toDetails(m)
		}, []any{"tab", "tab", "tab", "tab", "Contoso", "ctrl+t"}, StepDetails, func(t *testing.T, m *Model) {
			if m.details.nameErr == nil || m.details.focus != fName {
				t.Errorf("err %v focus %d", m.details.nameErr, m.details.focus)
			}
		}},
		{"details to test", toTest, nil, StepTest, func(t *testing.T, m *Model) {
			if len(m.draft.Mappings) != 1 || m.draft.Mappings[0].CustomerName != "Contoso" {
				t.Errorf("mappings %+v", m.draft.Mappings)
			}
		}},
		{"back from details keeps the secret", toDetails, []any{"tab", "tab", "s3cr3t", "esc", "enter",
			resolvedMsg{seq: 2, info: defender.TenantInfo{TenantID: tenantA}}}, StepDetails, func(t *testing.T, m *Model) {
			if m.draft.Secret != "s3cr3t" || m.details.secret.Value() != "s3cr3t" {
				t.Errorf("secret lost")
			}
		}},
		{"no next while checks fail", func(m *Model) { toTest(m); finish(m, false) }, []any{"enter"}, StepTest, nil},
		{"retry failed", func(m *Model) { toTest(m); finish(m, false) }, []any{"r"}, StepTest, func(t *testing.T, m *Model) {
			if m.test.run != 2 || !m.test.running() {
				t.Errorf("run %d running %v", m.test.run, m.test.running())
			}
		}},
		{"save anyway", func(m *Model) { toTest(m); finish(m, false) }, []any{"s"}, StepSummary, func(t *testing.T, m *Model) {
			if !strings.Contains(m.testSummaryLine(), "1 tenant(s) failed") {
				t.Errorf("the summary does not say the failures are recorded: %q", m.testSummaryLine())
			}
		}},
		{"back to fix details", func(m *Model) { toTest(m); finish(m, false) }, []any{"esc"}, StepDetails, nil},
		{"passing test to summary", func(m *Model) { toTest(m); finish(m, true) }, []any{"enter"}, StepSummary, nil},
		{"summary back keeps results", func(m *Model) { toTest(m); finish(m, true) }, []any{"enter", "esc"}, StepTest, func(t *testing.T, m *Model) {
			if m.test.run != 1 {
				t.Errorf("re-tested: run %d", m.test.run)
			}
		}},
		{"ctrl+c cancels anywhere", toTest, []any{"ctrl+c"}, StepTest, func(t *testing.T, m *Model) {
			if !m.cancelled || m.test.running() {
				t.Error("not cancelled")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, &memStore{})
			if tt.setup != nil {
				tt.setup(m)
			}
			send(m, tt.msgs...)
			if m.Step() != tt.want {
				t.Fatalf("step %s, want %s\n%s", m.Step(), tt.want, m.render())
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func TestNameCheckedAsTyped(t *testing.T) {
	backspaces := make([]any, len(connector.DefaultName))
	for i := range backspaces {
		backspaces[i] = tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	tests := []struct {
		name  string
		saved string
		typed []any
		want  string // under the field; "" for none
	}{
		{"a taken default shows on entry", connector.DefaultName, nil, `a connector called "Defender for Endpoint Connector" already exists`},
		{"a free default shows nothing", "Northwind", nil, ""},
		{"typing a taken name, any case", "Northwind", append(backspaces, "NORTHWIND"), `a connector called "NORTHWIND" already exists`},
		{"typing past a taken name clears it", "Northwind", append(backspaces, "Northwind 2"), ""},
		{"an emptied name", "Northwind", backspaces, "the name is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, &memStore{list: []store.Connector{{Name: tt.saved}}})
			toDetails(m)
			send(m, tt.typed...)
			if m.Step() != StepDetails || m.details.focus != fName {
				t.Fatalf("step %s focus %d", m.Step(), m.details.focus)
			}
			got := ""
			if m.details.nameErr != nil {
				got = m.details.nameErr.Error()
			}
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("name error %q, want %q", got, tt.want)
			}
			lines := strings.Split(screen(t, m), "\n")
			for i, l := range lines {
				if strings.Contains(l, "Name:") {
					if under := lines[i+1]; (tt.want != "") != strings.Contains(under, "✗") {
						t.Errorf("under the name field: %q", under)
					}
				}
			}
		})
	}
}

func TestFinishSaves(t *testing.T) {
	st := &memStore{}
	m := newTestModel(t, st)
	toTest(m)
	finish(m, true)
	send(m, "enter", "enter")
	cmd := m.save() // the step already started one; run it here
	if cmd == nil {
		t.Fatal("no save command")
	}
	m.Update(cmd())
	if !m.Result().Saved || len(st.list) != 1 || st.secrets[connector.DefaultName] == "" {
		t.Fatalf("not saved: %+v", st.list)
	}
	c := st.list[0]
	if c.Mode != store.OneToOne || c.Mappings[0].TenantID != tenantA || c.LastValidation == nil || !c.LastValidation.OK {
		t.Errorf("connector %+v", c)
	}
	if _, cmd := m.Update(keyPress("enter")); cmd == nil {
		t.Error("enter after saving does not quit")
	}
}

func TestSecretNeverShown(t *testing.T) {
	m := newTestModel(t, &memStore{})
	toDetails(m)
	send(m, "tab", "tab", secret)
	if s := m.render(); strings.Contains(s, secret[:8]) {
		t.Fatal("secret on screen")
	}
	send(m, "tab", "tab", "Contoso", "enter", "enter")
	finish(m, true)
	send(m, "enter")
	if s := m.render(); strings.Contains(s, secret[:8]) {
		t.Fatal("secret on the summary")
	}
}

func TestSecretIDWarning(t *testing.T) {
	m := newTestModel(t, &memStore{})
	toDetails(m)
	send(m, "tab", "tab", "5f2c3b9e-1111-4d6c-9f00-0123456789ab")
	if !strings.Contains(m.render(), "looks like the secret's ID") {
		t.Error("no warning")
	}
}

func TestOneToManyTable(t *testing.T) {
	m := newTestModel(t, &memStore{})
	send(m, "enter", "down", "down", "enter", "s")
	m.tenant.checking, m.tenant.seq = true, 1
	m.Update(resolvedMsg{seq: 1, info: defender.TenantInfo{TenantID: tenantA}})
	send(m, "tab", "tab", secret, "tab", "tab", "Contoso", "enter", tenantB, "tab", "Fabrikam", "enter")
	if len(m.draft.Mappings) != 2 {
		t.Fatalf("mappings %+v", m.draft.Mappings)
	}
	send(m, "tab", "tab", "tab") // customer -> csv -> table
	if m.details.focus != fTable {
		t.Fatalf("focus %d", m.details.focus)
	}
	send(m, "down", "d")
	if len(m.draft.Mappings) != 1 || m.draft.Mappings[0].CustomerName != "Contoso" {
		t.Fatalf("remove: %+v", m.draft.Mappings)
	}
	send(m, "d", "ctrl+z") // undo puts it back in place
	if len(m.draft.Mappings) != 1 || m.draft.Mappings[0].CustomerName != "Contoso" {
		t.Fatalf("undo: %+v", m.draft.Mappings)
	}
	send(m, tenantB, "tab", "Fabrikam", "enter", "tab", "tab", "tab", "up")
	if len(m.draft.Mappings) != 2 || m.details.row != 0 {
		t.Fatalf("re-add: %+v row %d", m.draft.Mappings, m.details.row)
	}
	send(m, "e")
	if len(m.draft.Mappings) != 2 || m.details.cust.Value() != "Contoso" || m.details.focus != fCustomer {
		t.Fatalf("edit: %+v %q", m.draft.Mappings, m.details.cust.Value())
	}
	for range len("Contoso") {
		m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	send(m, "Northwind", "enter")
	if got := m.draft.Mappings; len(got) != 2 || got[0].CustomerName != "Northwind" || got[1].CustomerName != "Fabrikam" {
		t.Fatalf("edit keeps the row in place: %+v", got)
	}
}

// goldenSteps puts a model in each step's typical state.
var goldenSteps = []struct {
	name  string
	setup func(*Model)
}{
	{"1-connectors", func(m *Model) {}},
	{"2-choose", func(m *Model) { send(m, "enter") }},
	{"3-consent", func(m *Model) {
		send(m, "enter", "enter", "enter", listenerMsg{l: &listener{replies: make(chan reply), done: make(chan struct{})}})
	}},
	{"3-consent-rejected", func(m *Model) {
		send(m, "enter", "enter", "enter", consentMsg{"/consent?error=access_denied&error_description=AADSTS65004:+User+declined+to+consent+to+access+the+app.&admin_consent=True&state=0123456789abcdef"})
	}},
	{"3-consent-headless", func(m *Model) {
		m.opts.Browser = &fakeBrowser{headless: "This is an SSH session, so no browser opens here."}
		send(m, "enter", "enter", "enter", "enter")
	}},
	{"4-tenant", func(m *Model) { send(m, "enter", "enter", "enter", consentMsg{granted}, "enter") }},
	{"5-details", func(m *Model) { toDetails(m); send(m, "tab", "tab", secret) }},
	{"5-details-many", func(m *Model) {
		send(m, "enter", "down", "down", "enter", "s")
		m.tenant.checking, m.tenant.seq = true, 1
		m.Update(resolvedMsg{seq: 1, info: defender.TenantInfo{TenantID: tenantA}})
		send(m, "tab", "tab", secret, "tab", "tab", "Contoso", "enter", tenantB, "tab", "Fabrikam", "enter")
	}},
	{"6-test-running", func(m *Model) { toTest(m) }},
	{"6-test-failed", func(m *Model) { toTest(m); finish(m, false) }},
	{"6-test-passed", func(m *Model) { toTest(m); finish(m, true) }},
	{"6-test-failed-report", func(m *Model) {
		toTest(m)
		finish(m, false)
		m.Update(reportMsg{run: m.test.run, path: "/home/ada/.cache/mdeconnect/reports/r.json"})
	}},
	{"5-details-stale", func(m *Model) {
		toTest(m)
		finish(m, false)
		send(m, "1")
		m.details.secret.SetValue("another-secret-value")
		m.syncDraft()
	}},
	{"5-details-edit", func(m *Model) {
		m.Update(editLoadedMsg{c: store.Connector{Name: "Northwind", Mode: store.OneToMany, ClientID: defender.ParatiraClientID,
			Mappings: []store.Mapping{{TenantID: tenantA, CustomerName: "Contoso"}, {TenantID: tenantB, CustomerName: "Fabrikam", Domain: "fabrikam.com"}}}, secret: secret})
	}},
	{"6-test-waiting", func(m *Model) {
		toTest(m)
		m.Update(runDoneMsg{run: m.test.run, res: defender.Result{Tenants: []defender.TenantResult{rolesLag(tenantA)}}})
	}},
	{"6-test-missing-role", func(m *Model) {
		toTest(m)
		m.Update(runDoneMsg{run: m.test.run, res: defender.Result{Tenants: []defender.TenantResult{rolesLag(tenantA)}}})
		send(m, "w")
	}},
	{"6-test-many", func(m *Model) {
		send(m, "enter", "down", "down", "enter", consentMsg{granted}, "enter")
		m.tenant.checking, m.tenant.seq = true, 1
		m.Update(resolvedMsg{seq: 1, info: defender.TenantInfo{TenantID: tenantA}})
		send(m, "tab", "tab", secret, "tab", "tab", "Contoso", "enter", tenantB, "tab", "Fabrikam", "enter", "ctrl+t")
		a, b := rolesLag(tenantA), passed(tenantB)
		b.Customer = "Fabrikam"
		m.Update(runDoneMsg{run: m.test.run, res: defender.Result{Tenants: []defender.TenantResult{a, b}}})
		send(m, "w")
	}},
	{"6-test-failed-look", func(m *Model) {
		m.opts.AdminSignIn = newAdminSide(removedApp(tenantA)).signIn
		toTest(m)
		finish(m, false)
		m.Update(reportMsg{run: m.test.run, path: "/home/ada/.cache/mdeconnect/reports/r.json"})
	}},
	{"6-doctor-findings", func(m *Model) { lookAt(m, newAdminSide(removedApp(tenantA))) }},
	{"6-doctor-signin", func(m *Model) {
		a := newAdminSide(removedApp(tenantA))
		a.wait = true
		lookAt(m, a)
	}},
	{"6-doctor-code", func(m *Model) {
		a := newAdminSide(removedApp(tenantA))
		a.wait = true
		m.opts.Browser = &fakeBrowser{headless: "This is an SSH session, so no browser opens here."}
		lookAt(m, a)
	}},
	{"7-summary", func(m *Model) { toTest(m); finish(m, true); send(m, "tab", "tab", "enter") }},
	{"7-saved-sandbox", func(m *Model) {
		m.opts.Sandbox = &Sandbox{Scenario: "healthy", Dir: "/tmp/mdeconnect-sandbox-1234", Temporary: true}
		toTest(m)
		finish(m, true)
		send(m, "enter")
		m.Update(m.save()())
	}},
	{"7-saved-sandbox-kept", func(m *Model) {
		m.opts.Sandbox = &Sandbox{Scenario: "healthy", Dir: "/home/ada/sandbox"}
		toTest(m)
		finish(m, true)
		send(m, "enter")
		m.Update(m.save()())
	}},
	{"7-saved", func(m *Model) {
		toTest(m)
		finish(m, true)
		send(m, "enter")
		m.Update(m.save()())
	}},
}

func TestGolden(t *testing.T) {
	for _, size := range []tea.WindowSizeMsg{{Width: 80, Height: 24}, {Width: 60, Height: 20}} {
		for _, g := range goldenSteps {
			name := g.name
			if size.Width != 80 {
				name = fmt.Sprintf("%dx%d/%s", size.Width, size.Height, g.name)
			}
			t.Run(name, func(t *testing.T) {
				st := &memStore{list: []store.Connector{{Name: "Northwind", Mappings: make([]store.Mapping, 3),
					LastValidation: &store.Validation{At: fixedNow, OK: true}}}}
				m := newTestModel(t, st)
				m.Update(size)
				g.setup(m)
				out := screen(t, m)
				for i, l := range strings.Split(out, "\n") {
					if w := ansi.StringWidth(l); w > size.Width {
						t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, w, size.Width, l)
					}
				}
				golden.RequireEqual(t, out)
			})
		}
	}
}

func TestSmallTerminal(t *testing.T) {
	for _, size := range []tea.WindowSizeMsg{{Width: 40, Height: 12}, {Width: 80, Height: 24}, {Width: 20, Height: 5}} {
		m := newTestModel(t, &memStore{})
		toTest(m)
		finish(m, false)
		m.Update(size)
		out := m.render()
		if h := strings.Count(out, "\n") + 1; h > max(size.Height, 6) {
			t.Errorf("%dx%d: %d lines", size.Width, size.Height, h)
		}
	}
}
