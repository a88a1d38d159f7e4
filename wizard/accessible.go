package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"charm.land/huh/v2"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// plain is the wizard as line-by-line prompts for screen readers (huh's
// accessible mode): the same steps and draft, no drawing, the secret hidden.
type plain struct {
	m   *Model // holds the draft and the step logic shared with the TUI
	in  io.Reader
	out io.Writer
}

// RunAccessible runs the wizard as plain prompts. A cancelled ctx (Ctrl+C)
// returns at once, writing nothing.
func RunAccessible(ctx context.Context, opts Options, in io.Reader, out io.Writer) (Result, error) {
	p := &plain{m: New(opts), in: in, out: out}
	defer p.m.Close()
	done := make(chan error, 1)
	go func() { done <- p.run(ctx) }()
	select {
	case err := <-done:
		return p.m.result, err
	case <-ctx.Done():
		return Result{}, fmt.Errorf("wizard: %w", context.Canceled)
	}
}

func (p *plain) run(ctx context.Context) error {
	for _, step := range []func(context.Context) error{p.choose, p.consent, p.tenant, p.details, p.test, p.summary} {
		if err := step(ctx); err != nil {
			if errors.Is(err, huh.ErrUserAborted) {
				return fmt.Errorf("wizard: %w", context.Canceled)
			}
			return err
		}
	}
	return nil
}

func (p *plain) say(format string, args ...any) { fmt.Fprintf(p.out, format+"\n", args...) }

func (p *plain) heading(s Step) { p.say("\nStep %d of %d: %s", int(s), stepCount, s) }

func (p *plain) ask(fields ...huh.Field) error {
	return huh.NewForm(huh.NewGroup(fields...)).WithAccessible(true).WithInput(p.in).WithOutput(p.out).Run()
}

// input asks for one line; an empty answer keeps def, which the title shows.
func (p *plain) input(title, def string, validate func(string) error) (string, error) {
	if def != "" {
		title += " (enter keeps " + def + ")"
	}
	var v string
	err := p.ask(huh.NewInput().Title(title).Value(&v).Validate(func(s string) error {
		if strings.TrimSpace(s) == "" && def != "" {
			return nil
		}
		return validate(s)
	}))
	if strings.TrimSpace(v) == "" {
		v = def
	}
	return strings.TrimSpace(v), err
}

func validTenant(s string) error { _, err := defender.ParseTenant(s); return err }

func (p *plain) choose(context.Context) error {
	d := &p.m.draft
	p.heading(StepChoose)
	p.say("Connector: %s.", technologies[0].Name)
	var opts []huh.Option[store.Mode]
	for _, mc := range modeChoices {
		opts = append(opts, huh.NewOption(mc.name+": "+mc.when, mc.mode))
	}
	return p.ask(huh.NewSelect[store.Mode]().Title("Mapping").Options(opts...).Value(&d.Mode))
}

func (p *plain) consent(context.Context) error {
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

func (p *plain) tenant(ctx context.Context) error {
	m := p.m
	p.heading(StepTenant)
	p.say("The Tenant ID is under Basic information in the Entra admin center: %s", m.opts.Cloud.TenantOverviewURL())
	input := m.draft.ConsentTenant
	for {
		var err error
		if input, err = p.input("Tenant ID or domain", input, validTenant); err != nil {
			return err
		}
		eng, err := defender.New(defender.Config{Cloud: m.opts.Cloud, ClientID: m.draft.ClientID, HTTPClient: m.opts.HTTPClient})
		if err != nil {
			return err
		}
		p.say("Checking that the tenant exists…")
		info, err := eng.ResolveTenant(ctx, input)
		if err == nil {
			p.say("Found tenant %s.", info.TenantID)
			m.draft.Tenant = info
			return nil
		}
		p.say("%s", plainProblem(err))
	}
}

func plainProblem(err error) string {
	var de *defender.Error
	if errors.As(err, &de) && de.Problem != "" {
		return de.Problem.Title() + ": " + err.Error() + ". " + de.Problem.Remedy()
	}
	return err.Error()
}

func (p *plain) details(context.Context) error {
	m := p.m
	d := &m.draft
	p.heading(StepDetails)
	if m.opts.Sandbox != nil {
		p.say("The client secret is prefilled with the sandbox's own; press enter to keep it.")
	}
	var err error
	d.Name, err = p.input("Name", d.Name, func(s string) error {
		if strings.TrimSpace(s) == "" || m.nameTaken(strings.TrimSpace(s)) {
			return errors.New("enter a name no saved connector uses")
		}
		return nil
	})
	if err != nil {
		return err
	}
	d.ClientID, err = p.input("Client ID", d.ClientID, func(s string) error {
		if !defender.IsGUID(strings.TrimSpace(s)) {
			return fmt.Errorf("a GUID is expected; Paratira's is %s", defender.ParatiraClientID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := p.askSecret(); err != nil {
		return err
	}
	return p.mappings()
}

func (p *plain) askSecret() error {
	d := &p.m.draft
	if d.Secret != "" {
		return nil // the sandbox's, kept
	}
	f, ok := p.in.(*os.File)
	if !ok {
		return errors.New("the client secret can only be typed on a terminal")
	}
	err := huh.NewForm(huh.NewGroup(huh.NewInput().Title("Client secret (hidden)").EchoMode(huh.EchoModePassword).Value(&d.Secret).
		Validate(func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New("paste the secret value a Paratira admin gave you")
			}
			return nil
		}))).WithAccessible(true).WithInput(f).WithOutput(p.out).Run()
	d.Secret = strings.TrimSpace(d.Secret)
	if err == nil && secretLooksLikeID(d.Secret) {
		p.say("Warning: this looks like the secret's ID (a GUID), not its value.")
	}
	return err
}

func (p *plain) mappings() error {
	m := p.m
	tenant := m.draft.Tenant.TenantID
	for {
		var err error
		if tenant, err = p.input("Tenant ID", tenant, validTenant); err != nil {
			return err
		}
		customer, err := p.input("Customer", "", func(s string) error {
			if strings.TrimSpace(s) == "" {
				return errors.New("enter the Paratira customer for this tenant")
			}
			return nil
		})
		if err != nil {
			return err
		}
		more := false
		if m.draft.Mode == store.OneToMany {
			if err := p.ask(huh.NewConfirm().Title("Add another mapping?").Value(&more)); err != nil {
				return err
			}
		}
		m.details.tenant.SetValue(tenant)
		m.details.cust.SetValue(customer)
		if err := m.addMapping(); err != nil {
			p.say("%v", err)
			continue
		}
		if !more {
			return nil
		}
		tenant = ""
	}
}

func (p *plain) test(ctx context.Context) error {
	m := p.m
	d := m.draft
	p.heading(StepTest)
	for {
		var mu sync.Mutex
		eng, err := defender.New(defender.Config{Cloud: m.opts.Cloud, ClientID: d.ClientID, ClientSecret: d.Secret,
			HTTPClient: m.opts.HTTPClient, Parallel: m.opts.Parallel, OnEvent: func(ev defender.Event) {
				if ev.Kind == defender.CheckFinished && ev.Result != nil {
					mu.Lock()
					defer mu.Unlock()
					p.say("%s %s, %s: %s", ev.TenantID, ev.Check.Title(), ev.Result.Status, m.checkText(*ev.Result))
				}
			}})
		if err != nil {
			return err
		}
		res, err := eng.Validate(ctx, d.targets())
		if err != nil {
			return err
		}
		m.storeResult(res)
		if res.OK {
			p.say("Every check passed or warned.")
			return nil
		}
		p.remedies(res)
		choice := "retry"
		if err := p.ask(huh.NewSelect[string]().Title("Some checks failed").Options(
			huh.NewOption("Test again", "retry"), huh.NewOption("Save anyway (the failures are recorded)", "save")).Value(&choice)); err != nil {
			return err
		}
		if choice == "save" {
			m.summary.anyway = true
			return nil
		}
	}
}

func (p *plain) remedies(res defender.Result) {
	for _, t := range res.Tenants {
		for _, c := range t.Checks {
			if c.Status == defender.Fail && c.Remedy != "" {
				p.say("%s, %s failed. %s", t.TenantID, c.ID.Title(), c.Remedy)
			}
		}
	}
}

func (p *plain) summary(context.Context) error {
	m := p.m
	d := m.draft
	p.heading(StepSummary)
	p.say("Name: %s. Mapping: %s. Client ID: %s. Client secret: hidden, %d characters. Cloud: %s.", d.Name, m.modeName(), d.ClientID, len([]rune(d.Secret)), m.opts.CloudName)
	for _, mp := range d.Mappings {
		p.say("Tenant %s maps to customer %s.", mp.TenantID, mp.Customer)
	}
	ok := true
	if err := p.ask(huh.NewConfirm().Title("Finish and save the connector?").Value(&ok)); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("wizard: not saved: %w", context.Canceled)
	}
	msg := m.save()()
	m.onSaved(msg.(savedMsg))
	if m.summary.err != nil {
		return m.summary.err
	}
	return nil
}
