package wizard

import (
	"context"
	"strings"

	"charm.land/huh/v2"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/internal/sanitize"
	"github.com/paratira/mdeconnect/store"
)

func (p *plain) choose() error {
	d := &p.m.draft
	p.heading(StepChoose)
	p.say("Connector: %s.", technologies[0].Name)
	var opts []huh.Option[store.Mode]
	for _, mc := range modeChoices {
		opts = append(opts, huh.NewOption(mc.name+": "+mc.when, mc.mode))
	}
	return p.ask(huh.NewSelect[store.Mode]().Title("Mapping").Options(opts...).Value(&d.Mode))
}

func (p *plain) consent() error {
	m := p.m
	p.heading(StepConsent)
	m.enterConsent()
	c := &m.consent
	l, lerr := listen(m.opts.RedirectURI, c.gate)
	defer l.close()
	p.say("An administrator of the tenant signs in and approves Paratira's app. It asks for these application permissions, all read-only:")
	for _, line := range permissionsByAPI(true) {
		p.say("  %s", line)
	}
	p.say("%s", problem.ApproverRoles)
	p.say("Consent link, also to send to the customer's admin:\n%s", c.url)
	switch {
	case c.headless != "":
		p.say("%s", c.headless)
		p.say("Open the link in a browser on any computer. After Accept, that browser lands on a localhost address that does not load there: " +
			"copy that address from its address bar and paste it below.")
	case m.opts.Browser != nil:
		if err := m.opts.Browser.Open(context.Background(), c.url); err != nil {
			p.say("The browser did not open (%s): open the link yourself.", sanitize.Line(err.Error(), sanitize.Screen))
		} else {
			p.say("Opened the consent page in your browser.")
		}
	}
	if lerr != nil {
		p.say("%v", lerr)
	}
	var pasted string
	if err := p.ask(huh.NewInput().Title("After Accept, press enter (or paste the address the browser shows; leave empty to go on without consent)").Value(&pasted)); err != nil {
		return err
	}
	if strings.TrimSpace(pasted) != "" {
		m.takeReply(c.gate.take(pasted))
	} else if l != nil {
		p.drainReplies(l)
	}
	switch r := c.result; {
	case c.err != nil:
		p.say("Consent not read: %s", sanitize.Line(c.err.Error(), sanitize.Screen))
	case r != nil && r.Granted:
		p.say("Consent granted for tenant %s.", r.TenantID)
	case r != nil:
		p.say("Consent rejected: %s.", rejectReason(reply{res: *r}))
		if r.Problem != "" {
			p.say("%s", r.Problem.Remedy())
		}
	default:
		p.say("No consent result came back: going on without it. The test says whether consent is missing.")
	}
	return nil
}

// drainReplies takes the replies the listener caught while the prompt waited.
func (p *plain) drainReplies(l *listener) {
	for {
		select {
		case rep := <-l.replies:
			p.m.takeReply(rep)
		default:
			return
		}
	}
}

func (p *plain) tenant() error {
	m := p.m
	p.heading(StepTenant)
	p.say("The Tenant ID is under Basic information in the Entra admin center: %s", m.opts.Cloud.TenantOverviewURL())
	input := m.draft.ConsentTenant
	for {
		var err error
		if input, err = p.input("Tenant ID or domain", input, validTenant); err != nil {
			return err
		}
		eng, err := m.engineFor("", nil)()
		if err != nil {
			return err
		}
		p.say("Checking that the tenant exists…")
		info, err := eng.ResolveTenant(p.ctx, input)
		if err == nil {
			p.say("Found tenant %s.", info.TenantID)
			m.draft.Tenant = info
			return nil
		}
		p.say("%s", plainProblem(err))
	}
}

func plainProblem(err error) string {
	if p, ok := errorProblem(err); ok {
		return problemText(p, err.Error()) + ". " + p.Remedy()
	}
	return err.Error()
}
