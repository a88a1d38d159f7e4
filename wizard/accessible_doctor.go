package wizard

import (
	"context"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/doctor"
	"github.com/paratira/mdeconnect/internal/sanitize"
)

// lookCloser is the look from the tenant's side as plain prompts: the
// sign-in said in words, then each finding with the checks it explains.
// The test's results are kept: the choice of what next comes back.
func (p *plain) lookCloser() error {
	m := p.m
	if err := p.pickFailedTenant(); err != nil {
		return err
	}
	i := m.doctorRow()
	job, device, why := m.newDoctorJob(i)
	tenant := m.test.tenants[i].target.TenantID
	p.say("Sign in as an administrator of tenant %s to read it (read-only: %s). Nothing is written to the tenant, and the token stays in memory.",
		tenant, strings.Join(doctor.DelegatedScopes(), ", "))
	if device && why != "" {
		p.say("%s Sign in with a code on any device instead.", why)
	}
	ctx, cancel := context.WithTimeout(p.ctx, adminSignInWait)
	defer cancel()
	rep, err := job.run(ctx, 0, func(msg tea.Msg) {
		switch msg := msg.(type) {
		case doctorURLMsg:
			p.say("Opening the sign-in page in your browser. If it does not open, visit: %s", msg.url)
			if msg.openErr != nil {
				p.say("The browser did not open (%s): open the address yourself.", sanitize.Line(msg.openErr.Error(), sanitize.Screen))
			}
		case doctorCodeMsg:
			p.say("Your one-time code is %s. Open %s on any device and sign in with it as an administrator of the tenant.", msg.code.UserCode, msg.code.VerificationURL)
			if !msg.code.ExpiresOn.IsZero() {
				p.say("The code expires at %s.", msg.code.ExpiresOn.Local().Format("15:04"))
			}
		case doctorSignedInMsg:
			p.say("Signed in as %s. Reading the tenant...", msg.who)
		}
	})
	if cerr := p.ctx.Err(); cerr != nil {
		return cerr
	}
	if err != nil {
		p.say("%s", m.doctorErrorText(err, tenant))
		return nil
	}
	p.say("Tenant %s from its admin's side, read %s. Nothing was written to the tenant.", tenant, rep.ReadAt.UTC().Format("2006-01-02 15:04 UTC"))
	for _, it := range m.doctorItems(rep, tenant) {
		p.say("%s", itemWords(it))
	}
	return nil
}

// pickFailedTenant asks which failed tenant to look at, when several did.
func (p *plain) pickFailedTenant() error {
	t := &p.m.test
	failed := t.failedRows()
	if len(failed) < 2 {
		return nil
	}
	opts := make([]huh.Option[int], 0, len(failed))
	for _, i := range failed {
		r := t.tenants[i].target
		opts = append(opts, huh.NewOption(r.TenantID+" ("+sanitize.Line(r.Customer, sanitize.Screen)+")", i))
	}
	t.row = failed[0]
	return p.ask(huh.NewSelect[int]().Title("Which tenant's admin signs in?").Options(opts...).Value(&t.row))
}

// itemWords says one finding: its status, text, the checks it explains and
// what to do.
func itemWords(it doctorItem) string {
	s := statusWord(it.status) + ": " + it.text
	if len(it.explains) > 0 {
		var ex []string
		for _, e := range it.explains {
			ex = append(ex, e.text+", "+strings.ToLower(statusWord(e.status)))
		}
		s += " It explains: " + strings.Join(ex, "; ") + "."
	}
	if it.remedy != "" {
		s += " What to do: " + strings.ReplaceAll(it.remedy, "choose ", "choose the fix ")
	}
	return s
}

func statusWord(s defender.Status) string {
	switch s {
	case defender.Fail:
		return "Failed"
	case defender.Warn:
		return "Warning"
	case defender.Pass:
		return "OK"
	}
	return string(s)
}
