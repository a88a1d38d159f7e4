package wizard

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/doctor"
	"github.com/paratira/mdeconnect/defender/problem"
)

// adminSide plays the tenant's admin side: a sign-in that shows the page or
// the code, then succeeds, fails, or waits until it is cancelled; and a
// report to read.
type adminSide struct {
	mu       sync.Mutex
	signIns  []doctor.SignInOptions
	reads    []doctor.Options
	wait     bool  // wait for the sign-in's end after showing the page or code
	err      error // the sign-in's failure
	rep      *doctor.Report
	ended    chan error    // the waiting sign-in's end
	waiting  chan struct{} // told when a sign-in starts to wait, if set
	sessions []*doctor.Session
}

func newAdminSide(rep *doctor.Report) *adminSide {
	return &adminSide{rep: rep, ended: make(chan error, 1)}
}

func (a *adminSide) signIn(ctx context.Context, so doctor.SignInOptions) (*doctor.Session, error) {
	a.mu.Lock()
	a.signIns = append(a.signIns, so)
	a.mu.Unlock()
	if so.DeviceCode {
		so.ShowCode(doctor.DeviceCode{UserCode: "F7KQ2ZP9X", VerificationURL: "https://microsoft.com/devicelogin", ExpiresOn: fixedNow.Add(15 * time.Minute)})
	} else if err := so.OpenURL(signInURL(so.Tenant)); err != nil {
		return nil, err
	}
	if a.wait {
		if a.waiting != nil {
			a.waiting <- struct{}{}
		}
		<-ctx.Done()
		a.ended <- ctx.Err()
		return nil, ctx.Err()
	}
	if a.err != nil {
		return nil, a.err
	}
	s := &doctor.Session{TenantID: so.Tenant, Account: doctor.Account{UPN: "admin@contoso.com"}}
	a.mu.Lock()
	a.sessions = append(a.sessions, s)
	a.mu.Unlock()
	return s, nil
}

// signInURL is an authorization request as MSAL Go makes it.
func signInURL(tenant string) string {
	return "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/authorize?client_id=" + doctor.GraphCLIClientID +
		"&code_challenge=9Kf3yQ0vX1mZ8rT2pL5wN7bC4dA6eH0jG3iU1oS9kYq&code_challenge_method=S256&prompt=select_account" +
		"&redirect_uri=http%3A%2F%2Flocalhost%3A41873&response_mode=form_post&response_type=code" +
		"&scope=https%3A%2F%2Fgraph.microsoft.com%2FApplication.Read.All+https%3A%2F%2Fgraph.microsoft.com%2FAuditLog.Read.All" +
		"+https%3A%2F%2Fgraph.microsoft.com%2FDirectory.Read.All+https%3A%2F%2Fgraph.microsoft.com%2FPolicy.Read.All+openid+offline_access+profile" +
		"&state=Yf2b5c1d-8e7a-4b3c-9d0e-1f2a3b4c5d6e"
}

func (a *adminSide) read(_ context.Context, _ *doctor.Session, o doctor.Options) (*doctor.Report, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reads = append(a.reads, o)
	rep := *a.rep
	rep.Findings = append([]doctor.Finding(nil), a.rep.Findings...)
	return &rep, nil
}

// removedApp is a tenant whose enterprise application was removed, as
// doctor reads it: its sign-in logs unlicensed.
func removedApp(tenant string) *doctor.Report {
	removed := doctor.Event{At: fixedNow.Add(-72 * time.Hour), Activity: "Remove service principal", By: "admin@contoso.com", Result: "success"}
	return &doctor.Report{TenantID: tenant, ReadAt: fixedNow, SignedInAs: "admin@contoso.com",
		App:     doctor.App{Section: doctor.Section{Status: doctor.StatusRead}, Removed: &removed},
		Roles:   doctor.Roles{Section: doctor.Section{Status: doctor.StatusSkipped, Reason: "no enterprise application, so no roles"}},
		Consent: doctor.Consent{Section: doctor.Section{Status: doctor.StatusRead}},
		SignIns: doctor.SignIns{Section: doctor.Section{Status: doctor.StatusNotAvailable,
			Reason: "the sign-in logs need Microsoft Entra ID P1 or P2 in this tenant, which it does not have"}},
		ConditionalAccess: doctor.ConditionalAccess{Section: doctor.Section{Status: doctor.StatusSkipped}},
		Findings: []doctor.Finding{{ID: "app_removed", Severity: defender.Fail, Problem: problem.ConsentMissing,
			Summary: "Paratira's enterprise application was removed from this tenant on 2026-11-24 09:30 UTC by admin@contoso.com.",
			Remedy:  problem.ConsentMissing.Remedy()}}}
}

// failedLook is a model whose test of tenant A failed on the token with
// ConsentMissing, with the admin side wired in.
func failedLook(t *testing.T, a *adminSide) *Model {
	t.Helper()
	m := newTestModel(t, &memStore{})
	m.opts.AdminSignIn, m.opts.ReadTenant = a.signIn, a.read
	toTest(m)
	failWith(m, defender.CheckToken, problem.ConsentMissing)
	send(m, "w") // w stops a consent wait, if one started
	if !m.canLookCloser() {
		t.Fatalf("no look closer after a failed test:\n%s", screen(t, m))
	}
	return m
}

// lookAt fails the test of tenant A on its token and presses d: the
// findings, or the sign-in as it waits.
func lookAt(m *Model, a *adminSide) {
	m.opts.AdminSignIn, m.opts.ReadTenant = a.signIn, a.read
	toTest(m)
	failWith(m, defender.CheckToken, problem.ConsentMissing)
	send(m, "w")
	cmd := pressKey(m, "d")
	if a.wait {
		m.Update(cmd())
		return
	}
	pump(m, cmd)
}

// pump runs cmd and feeds its messages back until the work has no more.
func pump(m *Model, cmd tea.Cmd) {
	for cmd != nil {
		msg := cmd()
		if msg == nil {
			return
		}
		_, cmd = m.Update(msg)
	}
}

// pressKey presses name and returns the command it started.
func pressKey(m *Model, name string) tea.Cmd {
	_, cmd := m.Update(keyPress(name))
	return cmd
}

func TestLookCloserOffered(t *testing.T) {
	tests := []struct {
		name  string
		wired bool
		pass  bool
		want  bool
	}{
		{"failed test, wired", true, false, true},
		{"failed test, not wired", false, false, false},
		{"passed test", true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModel(t, &memStore{})
			a := newAdminSide(removedApp(tenantA))
			if tt.wired {
				m.opts.AdminSignIn = a.signIn
			}
			toTest(m)
			finish(m, tt.pass)
			if got := strings.Contains(m.helpLine(), "d look closer"); got != tt.want {
				t.Errorf("help offers d: %v, want %v (%s)", got, tt.want, m.helpLine())
			}
			pressKey(m, "d")
			if m.doctor.shown() != tt.want {
				t.Errorf("d shows the tenant's side: %v, want %v", m.doctor.shown(), tt.want)
			}
		})
	}
}

// TestLookCloser: d signs the admin in through the browser, reads the
// tenant and shows its findings beside the failed checks; esc comes back
// to the test's results as they were, with no new run.
func TestLookCloser(t *testing.T) {
	a := newAdminSide(removedApp(tenantA))
	m := failedLook(t, a)
	before, run := screen(t, m), m.test.run
	pump(m, pressKey(m, "d"))
	if m.doctor.phase != doctorDone {
		t.Fatalf("phase %s, err %v", m.doctor.phase, m.doctor.err)
	}
	so := a.signIns[0]
	if so.Tenant != tenantA || so.DeviceCode || so.Cloud.Name != m.opts.Cloud.Name || so.HTTPClient != m.opts.HTTPClient {
		t.Errorf("sign-in options %+v", so)
	}
	if b := m.opts.Browser.(*fakeBrowser); len(b.opened) != 1 || !strings.Contains(b.opened[0], "/oauth2/v2.0/authorize") {
		t.Errorf("browser opened %v", b.opened)
	}
	if r := a.reads[0]; r.AppID != m.draft.ClientID || r.ConditionalAccess {
		t.Errorf("read options %+v", r)
	}
	f := m.doctor.report.Findings[0]
	if len(f.Explains) != 1 || f.Explains[0].ID != defender.CheckToken || m.doctor.report.AppOnly == nil {
		t.Fatalf("the finding explains %+v", f.Explains)
	}
	s := squash(ansi.Strip(screen(t, m)))
	for _, want := range []string{"was removed from this tenant on 2026-11-24 09:30 UTC by admin@contoso.com",
		"explains ✗ App-only token: " + problem.ConsentMissing.Title(), `choose "grant admin consent again" below`,
		"The sign-ins could not be read: the sign-in logs need Microsoft Entra ID P1", "1 grant admin consent again", "esc back to the test"} {
		if !strings.Contains(s, squash(want)) {
			t.Errorf("the findings do not say %q:\n%s", want, screen(t, m))
		}
	}
	if a.sessions[0].Account.UPN != "admin@contoso.com" || m.doctor.report.SignedInAs != "admin@contoso.com" {
		t.Errorf("signed in as %q", m.doctor.report.SignedInAs)
	}
	pressKey(m, "esc")
	if m.doctor.shown() || m.Step() != StepTest || m.test.run != run || m.test.running() {
		t.Fatalf("esc: shown %v, step %s, run %d (was %d)", m.doctor.shown(), m.Step(), m.test.run, run)
	}
	if after := screen(t, m); after != before {
		t.Errorf("the test's results changed:\n%s\nwas:\n%s", after, before)
	}
}

// TestLookCloserFix: a fix the findings name is a key on their screen too.
func TestLookCloserFix(t *testing.T) {
	m := failedLook(t, newAdminSide(removedApp(tenantA)))
	pump(m, pressKey(m, "d"))
	pressKey(m, "1")
	if m.Step() != StepConsent || m.doctor.shown() || m.fixing == nil || m.fixing.kind != fixConsent {
		t.Fatalf("1: step %s, shown %v, fixing %+v", m.Step(), m.doctor.shown(), m.fixing)
	}
}

// TestLookCloserDeviceCode: where no browser opens, the admin signs in with
// a code, shown with its page; c copies it.
func TestLookCloserDeviceCode(t *testing.T) {
	a := newAdminSide(removedApp(tenantA))
	a.wait = true
	m := failedLook(t, a)
	m.opts.Browser = &fakeBrowser{headless: "This is an SSH session, so no browser opens here."}
	cmd := pressKey(m, "d")
	m.Update(cmd()) // the code
	if !a.signIns[0].DeviceCode {
		t.Fatal("no device code where no browser opens")
	}
	s := squash(ansi.Strip(screen(t, m)))
	for _, want := range []string{"This is an SSH session", "one-time code: F7KQ2ZP9X", "https://microsoft.com/devicelogin", "expires at 09:45", "c copy code"} {
		if !strings.Contains(s, squash(want)) {
			t.Errorf("no %q:\n%s", want, screen(t, m))
		}
	}
	copyCmd := pressKey(m, "c")
	if copyCmd == nil || !strings.Contains(m.notice, "Copied the code F7KQ2ZP9X") {
		t.Errorf("c: %q", m.notice)
	}
}

// TestLookCloserCancel: esc and Ctrl+C end the sign-in at once; what the
// abandoned look still sends is dropped.
func TestLookCloserCancel(t *testing.T) {
	for _, k := range []string{"esc", "ctrl+c"} {
		t.Run(k, func(t *testing.T) {
			a := newAdminSide(removedApp(tenantA))
			a.wait = true
			m := failedLook(t, a)
			cmd := pressKey(m, "d")
			m.Update(cmd()) // the page
			run := m.doctor.run
			quit := pressKey(m, k)
			select {
			case err := <-a.ended:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("the sign-in ended with %v", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("the sign-in was not cancelled")
			}
			m.Update(doctorDoneMsg{run: run, rep: removedApp(tenantA)})
			if m.doctor.shown() {
				t.Error("a late result of the cancelled look was shown")
			}
			switch k {
			case "esc":
				if m.Step() != StepTest || !strings.Contains(m.notice, "cancelled") || m.cancelled {
					t.Errorf("esc: step %s, notice %q", m.Step(), m.notice)
				}
			case "ctrl+c":
				if !m.cancelled || quit == nil {
					t.Error("ctrl+c did not quit")
				}
			}
		})
	}
}

// TestLookCloserFailed: a failed sign-in says why in the wizard's words; d
// tries again.
func TestLookCloserFailed(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&doctor.SignInError{Kind: doctor.KindDeclined, Msg: "the admin declined the sign-in",
			Diag: defender.Diagnostics{AADSTS: []int{65004}, CorrelationID: "c0ffee00-0000-4000-8000-000000000001"}},
			"did not succeed: the admin declined the sign-in (AADSTS65004, correlation c0ffee00-0000-4000-8000-000000000001)"},
		{&doctor.SignInError{Kind: doctor.KindExpired, Msg: "run doctor again"}, "the device code expired before it was used: sign in again for a new code"},
		{&doctor.SignInError{Kind: doctor.KindTenantNotFound, Msg: "Entra ID does not know this tenant (AADSTS90002): check the tenant ID or domain",
			Diag: defender.Diagnostics{AADSTS: []int{90002}}}, "(AADSTS90002): check the tenant ID or domain."},
		{context.DeadlineExceeded, "did not finish signing in to " + tenantA + " within 15 minutes"},
		{errors.New("graph \x1b]52;c;aGk=\x07down"), "failed: graph"},
	}
	for _, tt := range tests {
		a := newAdminSide(removedApp(tenantA))
		a.err = tt.err
		m := failedLook(t, a)
		pump(m, pressKey(m, "d"))
		raw := m.render()
		if m.doctor.phase != doctorFailed || !strings.Contains(squash(ansi.Strip(screen(t, m))), squash(tt.want)) || strings.Contains(raw, "\x1b]52") {
			t.Errorf("%v: phase %s:\n%s", tt.err, m.doctor.phase, screen(t, m))
		}
		a.err = nil
		pump(m, pressKey(m, "d"))
		if m.doctor.phase != doctorDone || len(a.signIns) != 2 {
			t.Errorf("d again: phase %s after %d sign-ins", m.doctor.phase, len(a.signIns))
		}
	}
}

// TestLookCloserScrolls: findings longer than the window scroll; the
// fixes and the way back stay in view.
func TestLookCloserScrolls(t *testing.T) {
	rep := removedApp(tenantA)
	for i := range 12 {
		rep.Findings = append(rep.Findings, doctor.Finding{ID: "sign_ins_failing", Severity: defender.Fail, Problem: problem.ConditionalAccessBlocked,
			Summary: "Sign-in " + itoa(i+1) + " of Paratira's failed with AADSTS53003 (Access has been blocked by Conditional Access policies)."})
	}
	m := failedLook(t, newAdminSide(rep))
	pump(m, pressKey(m, "d"))
	first := screen(t, m)
	if !strings.Contains(first, "lines 1-") || !strings.Contains(first, "↑/↓ scroll") || !strings.Contains(first, "1 grant admin consent again") {
		t.Fatalf("no scrolling:\n%s", first)
	}
	send(m, "down", "down")
	if m.doctor.offset != 2 || !strings.Contains(screen(t, m), "lines 3-") {
		t.Errorf("down: offset %d:\n%s", m.doctor.offset, screen(t, m))
	}
	for range 20 {
		send(m, tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	last := screen(t, m)
	if !strings.Contains(last, "Sign-in 12 of") || !strings.Contains(last, "of Paratira's failed") {
		t.Errorf("the end does not show:\n%s", last)
	}
	send(m, "up")
	if m.doctor.offset == 0 {
		t.Error("up from the end went to the top")
	}
}

// TestLookCloserHostile: what Graph wrote reaches the screen without
// terminal controls or bidi overrides.
func TestLookCloserHostile(t *testing.T) {
	rep := removedApp(tenantA)
	rep.Findings[0].Summary = "removed by eve\x1b]52;c;aGk=\x07\u202e@evil\x1b[2J"
	rep.SignedInAs = "admin\x1b[31m@contoso.com"
	m := failedLook(t, newAdminSide(rep))
	pump(m, pressKey(m, "d"))
	raw := m.render()
	for _, bad := range []string{"\x1b]52", "\u202e", "\x1b[2J", "\x1b[31m@"} {
		if strings.Contains(raw, bad) {
			t.Errorf("the screen holds %q", bad)
		}
	}
	if !strings.Contains(screen(t, m), "removed by eve") {
		t.Errorf("the finding is gone:\n%s", screen(t, m))
	}
}

// squash drops white space, so wrapped text still matches.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

// TestAccessibleLookCloser: the plain prompts say the sign-in and the
// findings in words; a cancelled context (Ctrl+C) ends a sign-in at once.
func TestAccessibleLookCloser(t *testing.T) {
	a := newAdminSide(removedApp(tenantA))
	m := failedLook(t, a)
	var out strings.Builder
	p := &plain{m: m, ctx: context.Background(), out: &out}
	if err := p.lookCloser(); err != nil {
		t.Fatal(err)
	}
	said := squash(out.String())
	for _, want := range []string{"Sign in as an administrator of tenant " + tenantA, "If it does not open, visit: https://login.microsoftonline.com/",
		"Signed in as admin@contoso.com. Reading the tenant", "Failed: Paratira's enterprise application was removed",
		"It explains: App-only token: " + problem.ConsentMissing.Title() + ", failed.", `What to do: The enterprise application consent is missing`,
		`choose the fix "grant admin consent again"`, "Warning: The sign-ins could not be read"} {
		if !strings.Contains(said, squash(want)) {
			t.Errorf("not said: %q\n%s", want, out.String())
		}
	}

	a.wait, a.waiting = true, make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	p = &plain{m: m, ctx: ctx, out: &strings.Builder{}}
	done := make(chan error, 1)
	go func() { done <- p.lookCloser() }()
	<-a.waiting
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the sign-in did not end with the context")
	}
}
