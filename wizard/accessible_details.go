package wizard

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/internal/lineedit"

	"charm.land/huh/v2"
	"github.com/charmbracelet/x/term"
	"github.com/paratira/mdeconnect/store"
)

func (p *plain) details() error {
	m := p.m
	d := &m.draft
	p.heading(StepDetails)
	if m.opts.Sandbox != nil {
		p.say("The client secret is prefilled with the sandbox's own; press enter at its prompt to keep it.")
	}
	var err error
	d.Name, err = p.input("Name", d.Name, m.nameError)
	if err != nil {
		return err
	}
	d.ClientID, err = p.input("Client ID", d.ClientID, connector.CheckClientID)
	if err != nil {
		return err
	}
	if m.editing != nil {
		return p.editSecretAndMappings()
	}
	if err := p.askSecret(); err != nil {
		return err
	}
	return p.mappings()
}

// editSecretAndMappings asks whether to rotate the secret and to enter the
// mappings again; enter keeps both.
func (p *plain) editSecretAndMappings() error {
	m := p.m
	rotate := false
	if err := p.ask(huh.NewConfirm().Title("Rotate the client secret (type a new one)?").Value(&rotate)); err != nil {
		return err
	}
	if rotate {
		m.draft.Secret = ""
		if err := p.askSecret(); err != nil {
			return err
		}
	}
	for _, mp := range m.draft.Mappings {
		p.say("Tenant %s maps to customer %s.", mp.TenantID, mp.CustomerName)
	}
	change := false
	if err := p.ask(huh.NewConfirm().Title("Enter the mappings again?").Value(&change)); err != nil || !change {
		return err
	}
	m.draft.Mappings = nil
	return p.mappings()
}

// askSecret reads the client secret without echo. It does not use huh's
// password prompt: that reads the terminal's descriptor directly, which no
// cancel can interrupt, and leaves echo off if the process ends meanwhile.
func (p *plain) askSecret() error {
	d := &p.m.draft
	prompt, keep := "Client secret (hidden): ", ""
	if sb := p.m.opts.Sandbox; sb != nil && d.Secret != "" && d.Secret == sb.ClientSecret {
		prompt, keep = "Client secret (hidden; enter keeps the sandbox's own): ", d.Secret
	}
	if d.Secret != "" && keep == "" {
		return nil
	}
	if p.tty == nil {
		if keep != "" {
			return nil // nowhere to type another: the sandbox's is kept
		}
		return errors.New("the client secret can only be typed on a terminal")
	}
	for {
		s, err := p.readSecret(prompt)
		if err != nil {
			return err
		}
		if d.Secret = cmpOr(strings.TrimSpace(s), keep); d.Secret != "" {
			break
		}
		p.say("Paste the secret value a Paratira admin gave you.")
	}
	if connector.SecretLooksLikeID(d.Secret) {
		p.say("Warning: this looks like the secret's ID (a GUID), not its value.")
	}
	return nil
}

// readSecret reads one line from the terminal in raw mode through the one
// line editor (internal/lineedit), so nothing is echoed, Ctrl+C arrives as a
// byte and escape sequences are skipped; reads go through p.in, which a
// cancel interrupts. The terminal is restored however it ends.
func (p *plain) readSecret(prompt string) (string, error) {
	fd := p.tty.Fd()
	st, err := term.MakeRaw(fd)
	if err != nil {
		return "", fmt.Errorf("cannot hide the typed secret: %w", err)
	}
	defer term.Restore(fd, st) //nolint:errcheck // nothing better to do
	fmt.Fprint(p.out, prompt)
	defer fmt.Fprint(p.out, "\r\n")
	s, err := lineedit.Read(p.in, nil)
	if errors.Is(err, lineedit.ErrInterrupted) || errors.Is(err, io.EOF) {
		return "", huh.ErrUserAborted
	}
	return s, err
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
		if err := p.addMapping(); err != nil {
			p.say("%v", err)
			continue
		}
		if !more {
			return nil
		}
		tenant = ""
	}
}

// addMapping adds the typed mapping as the screen does: a domain is looked up
// at once, and a tenant already mapped is refused.
func (p *plain) addMapping() error {
	m := p.m
	resolve, err := m.addMapping()
	if err != nil || resolve == nil {
		return err
	}
	p.say("Looking the domain up…")
	if msg, ok := resolve().(mappingResolvedMsg); ok {
		if msg.err != nil {
			p.say("%s: %s The test will say more.", msg.domain, plainProblem(msg.err))
			return nil
		}
		m.details.err = nil
		m.onMappingResolved(msg)
		if err := m.details.err; err != nil {
			m.details.err = nil
			return err
		}
		p.say("%s is tenant %s.", msg.domain, msg.info.TenantID)
	}
	return nil
}
