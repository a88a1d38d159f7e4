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
		p.say("The client secret is prefilled with the sandbox's own; press enter to keep it.")
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
	if err := p.askSecret(); err != nil {
		return err
	}
	return p.mappings()
}

// askSecret reads the client secret without echo. It does not use huh's
// password prompt: that reads the terminal's descriptor directly, which no
// cancel can interrupt, and leaves echo off if the process ends meanwhile.
func (p *plain) askSecret() error {
	d := &p.m.draft
	if d.Secret != "" {
		return nil // the sandbox's, kept
	}
	if p.tty == nil {
		return errors.New("the client secret can only be typed on a terminal")
	}
	for {
		s, err := p.readSecret("Client secret (hidden): ")
		if err != nil {
			return err
		}
		if d.Secret = strings.TrimSpace(s); d.Secret != "" {
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
