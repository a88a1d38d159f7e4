package wizard

import (
	"context"
	"strings"

	"charm.land/huh/v2"
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
	l, lerr := listen(m.opts.RedirectURI)
	defer l.close()
	p.say("An administrator of the tenant (Global, Cloud Application or Application Administrator) must approve Paratira's app. All permissions are read-only.")
	p.say("Consent link, also to send to the customer's admin:\n%s", m.consent.url)
	if ok, why := m.opts.Browser.CanOpen(); !ok {
		p.say("%s", why)
	} else if err := m.opts.Browser.Open(context.Background(), m.consent.url); err != nil {
		p.say("The browser did not open (%v): open the link yourself.", err)
	} else {
		p.say("Opened the consent page in your browser.")
	}
	if lerr != nil {
		p.say("%v", lerr)
	}
	var pasted string
	if err := p.ask(huh.NewInput().Title("After Accept, press enter (or paste the address the browser shows; leave empty to go on without consent)").Value(&pasted)); err != nil {
		return err
	}
	if strings.TrimSpace(pasted) == "" && l != nil {
		select {
		case pasted = <-l.hits:
		default:
		}
	}
	if strings.TrimSpace(pasted) != "" {
		m.takeConsent(pasted)
	}
	switch r := m.consent.result; {
	case m.consent.err != nil:
		p.say("Consent not read: %v", m.consent.err)
	case r != nil && r.Granted:
		p.say("Consent granted for tenant %s.", r.TenantID)
	case r != nil:
		p.say("%s: %s. %s", r.Problem.Title(), r.Description, r.Problem.Remedy())
	}
	return nil
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
