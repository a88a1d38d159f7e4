package wizard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/doctor"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/internal/sanitize"
)

// The look from the tenant's side: after a failed test, the tenant's admin
// signs in (read-only, delegated) and Microsoft Graph tells what the
// app-only checks could only guess, each finding beside the checks it
// explains (issue 17; defender/doctor does the protocol). It is a screen of
// step 6: esc comes back to the test's results as they were. Nothing is
// written to the tenant; the admin's token lives in the work's goroutine
// and is forgotten when the read ends.

// AdminSignIn signs a tenant's admin in (doctor.SignIn, given the caller's
// HTTP client and log redaction); ReadTenant reads the tenant (doctor.Read).
type (
	AdminSignIn func(ctx context.Context, o doctor.SignInOptions) (*doctor.Session, error)
	ReadTenant  func(ctx context.Context, s *doctor.Session, o doctor.Options) (*doctor.Report, error)
)

// adminSignInWait bounds the wait for the admin, as Entra ID bounds a device
// code ("OAuth 2.0 device authorization grant": "the user has 15 minutes to
// sign in"), so a page never finished does not hold the screen forever.
const adminSignInWait = 15 * time.Minute

// doctorPhase is where the look from the tenant's side stands.
type doctorPhase int

const (
	doctorOff       doctorPhase = iota // the test's results are shown
	doctorSigningIn                    // waiting for the admin
	doctorReading                      // signed in, reading Graph
	doctorDone                         // the findings are shown
	doctorFailed                       // the sign-in or the read failed
)

func (p doctorPhase) String() string {
	return [...]string{"off", "signing in", "reading", "done", "failed"}[p]
}

// doctorState is the look from the tenant's side of one failed tenant.
type doctorState struct {
	phase doctorPhase
	// run numbers the looks: what an abandoned one still sends is dropped.
	run  int
	stop context.CancelFunc
	ch   chan tea.Msg
	// tenant and customer are the tenant looked at.
	tenant, customer string
	// device says the sign-in uses a device code, and why (no browser).
	device bool
	why    string
	url    string // the sign-in page the browser was asked to open
	code   *doctor.DeviceCode
	who    string // the admin who signed in
	report *doctor.Report
	err    error
	offset int // the findings' first line shown
}

type (
	doctorURLMsg struct {
		run     int
		url     string
		openErr error
	}
	doctorCodeMsg struct {
		run  int
		code doctor.DeviceCode
	}
	doctorSignedInMsg struct {
		run int
		who string
	}
	doctorDoneMsg struct {
		run int
		rep *doctor.Report
		err error
	}
)

// shown says the tenant's side is on screen instead of the test's results.
func (d *doctorState) shown() bool { return d.phase != doctorOff }

// close stops the work in flight and goes back to the test's results.
func (d *doctorState) close() {
	if d.stop != nil {
		d.stop()
		d.stop = nil
	}
	d.run++
	d.phase, d.report, d.err, d.code = doctorOff, nil, nil, nil
}

// canLookCloser says the action is offered: the caller wired it, and a
// finished test failed.
func (m *Model) canLookCloser() bool {
	return m.opts.AdminSignIn != nil && !m.test.running() && len(m.test.failedRows()) > 0
}

// doctorRow is the failed tenant to look at: the selected one, or the first.
func (m *Model) doctorRow() int {
	failed := m.test.failedRows()
	for _, i := range failed {
		if i == m.test.row {
			return i
		}
	}
	return failed[0]
}

// doctorJob is the work of one look, with everything it needs copied, so it
// runs aside while the draft changes.
type doctorJob struct {
	signIn  AdminSignIn
	read    ReadTenant
	browser Browser
	so      doctor.SignInOptions
	ro      doctor.Options
	checks  []doctor.Check
	at      time.Time
}

// newDoctorJob prepares the look at the tenant of test row i.
func (m *Model) newDoctorJob(i int) (doctorJob, bool, string) {
	r := m.test.tenants[i]
	device, why := true, "No browser is set up for the wizard."
	if b := m.opts.Browser; b != nil {
		ok, w := b.CanOpen()
		device, why = !ok, w
	}
	checks := doctor.ChecksOf(*r.result)
	blocked := false
	for _, c := range checks {
		blocked = blocked || c.Problem == problem.ConditionalAccessBlocked
	}
	at := m.test.started
	if at.IsZero() {
		at = m.opts.Now()
	}
	read := m.opts.ReadTenant
	if read == nil {
		read = doctor.Read
	}
	return doctorJob{signIn: m.opts.AdminSignIn, read: read, browser: m.opts.Browser, checks: checks, at: at,
		so: doctor.SignInOptions{Cloud: m.opts.Cloud, Tenant: r.target.TenantID, HTTPClient: m.opts.HTTPClient, DeviceCode: device},
		ro: doctor.Options{AppID: m.draft.ClientID, ConditionalAccess: blocked, Now: m.opts.Now}}, device, why
}

// run signs the admin in, reads the tenant and joins the test's checks;
// show hears the sign-in page, the device code and who signed in.
func (j doctorJob) run(ctx context.Context, run int, show func(tea.Msg)) (*doctor.Report, error) {
	so := j.so
	if so.DeviceCode {
		so.ShowCode = func(dc doctor.DeviceCode) { show(doctorCodeMsg{run, dc}) }
	} else {
		so.OpenURL = func(u string) error {
			// A browser that does not open is not fatal: the URL is shown.
			var err error
			if j.browser != nil {
				err = j.browser.Open(ctx, u)
			}
			show(doctorURLMsg{run, sanitize.Line(u, sanitize.JSON), err})
			return nil
		}
	}
	sess, err := j.signIn(ctx, so)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	who := sess.Account.UPN
	if who == "" {
		who = "an administrator"
	}
	show(doctorSignedInMsg{run, sanitize.Line(who, sanitize.Screen)})
	rep, err := j.read(ctx, sess, j.ro)
	if err != nil {
		return nil, err
	}
	doctor.Explain(rep, "test", j.at, j.checks)
	return rep, nil
}

// startDoctor starts the look at the failed tenant: its screen shows at once.
func (m *Model) startDoctor() tea.Cmd {
	d := &m.doctor
	d.close()
	i := m.doctorRow()
	job, device, why := m.newDoctorJob(i)
	r := m.test.tenants[i].target
	*d = doctorState{phase: doctorSigningIn, run: d.run, tenant: r.TenantID, customer: r.Customer, device: device, why: why}
	m.notice = ""
	// Esc and Ctrl+C end ctx; the wait for the admin ends by itself too,
	// and that ending is still told.
	ctx, cancel := context.WithCancel(m.ctx)
	wctx, wcancel := context.WithTimeout(ctx, adminSignInWait)
	ch := make(chan tea.Msg, 8)
	send := func(msg tea.Msg) {
		select {
		case ch <- msg:
		case <-ctx.Done():
		}
	}
	d.stop, d.ch = cancel, ch
	run := d.run
	go func() {
		defer wcancel()
		rep, err := job.run(wctx, run, send)
		send(doctorDoneMsg{run, rep, err})
		close(ch)
	}()
	return waitRun(ch)
}

func (m *Model) updateDoctorAsync(msg tea.Msg) tea.Cmd {
	d := &m.doctor
	switch msg := msg.(type) {
	case doctorURLMsg:
		if msg.run != d.run {
			return nil
		}
		d.url = msg.url
		if msg.openErr != nil {
			m.notice = m.st.warn.Render("! ") + "The browser did not open (" + sanitize.Line(msg.openErr.Error(), sanitize.Screen) + "): open the address above yourself (c copies it)."
		}
	case doctorCodeMsg:
		if msg.run != d.run {
			return nil
		}
		code := msg.code
		d.code = &code
	case doctorSignedInMsg:
		if msg.run != d.run {
			return nil
		}
		d.phase, d.who = doctorReading, msg.who
	case doctorDoneMsg:
		if msg.run != d.run {
			return nil
		}
		d.stop = nil
		d.report, d.err, d.offset = msg.rep, msg.err, 0
		m.notice = "" // what it said was about the sign-in
		d.phase = doctorDone
		if msg.err != nil {
			d.phase = doctorFailed
		}
		return nil
	}
	return waitRun(d.ch)
}

// doctorErrorText says why the look failed, and what to do, in the
// wizard's words.
func (m *Model) doctorErrorText(err error, tenant string) string {
	var se *doctor.SignInError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("The admin did not finish signing in to %s within %d minutes: sign in again to try once more.", tenant, int(adminSignInWait.Minutes()))
	case errors.As(err, &se):
		msg := sanitize.Line(se.Msg, sanitize.Screen)
		switch se.Kind {
		case doctor.KindExpired:
			msg = "the device code expired before it was used: sign in again for a new code"
		case doctor.KindWrongCloud:
			msg = "the tenant is in another Microsoft cloud than " + m.opts.CloudName + ": quit (ctrl+c) and start the wizard in that cloud, or run mdeconnect doctor --cloud"
		case doctor.KindClientUnknown:
			msg = "Microsoft Graph Command Line Tools, the app admins sign in with, is not an application in this tenant (AADSTS700016): run mdeconnect doctor --admin-client-id with one that is"
		}
		return "The admin sign-in to " + tenant + " did not succeed: " + msg + diagText(msg, se.Diag) + "."
	}
	return "Reading tenant " + tenant + " from its admin's side failed: " + sanitize.Line(err.Error(), sanitize.Screen) + "."
}

// diagText is what Entra ID said that support can look up, beyond msg.
func diagText(msg string, d defender.Diagnostics) string {
	var parts []string
	for _, c := range d.AADSTS {
		if code := fmt.Sprintf("AADSTS%d", c); !strings.Contains(msg, code) {
			parts = append(parts, code)
		}
	}
	if d.CorrelationID != "" {
		parts = append(parts, "correlation "+sanitize.Line(d.CorrelationID, 64))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
