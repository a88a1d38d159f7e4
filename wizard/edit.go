package wizard

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/internal/sanitize"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// editLoadedMsg is a saved connector and its secret, read to be edited.
type editLoadedMsg struct {
	c      store.Connector
	secret string
	err    error
}

// loadForEdit reads the connector under the cursor and its secret.
func (m *Model) loadForEdit(c store.Connector) tea.Cmd {
	st := m.opts.Store
	if st == nil {
		return nil
	}
	m.notice = "Opening " + sanitize.Line(c.Name, sanitize.Screen) + "…"
	return func() tea.Msg {
		secret, err := st.Secret(c.Name)
		return editLoadedMsg{c: c, secret: secret, err: err}
	}
}

func (m *Model) onEditLoaded(msg editLoadedMsg) tea.Cmd {
	if msg.err != nil {
		m.notice = m.st.fail.Render("✗ ") + fmt.Sprintf("Cannot read the secret of %s: %s", sanitize.Quote(msg.c.Name), sanitize.Line(msg.err.Error(), sanitize.Screen))
		return nil
	}
	return m.startEdit(msg.c, msg.secret)
}

// startEdit fills the draft with a saved connector and opens its details:
// from there every step can be visited (consent, tenant, mode), and the
// test and the summary save the changes in place.
func (m *Model) startEdit(c store.Connector, secret string) tea.Cmd {
	cc := c
	m.editing, m.editSecret = &cc, secret
	m.draft = Draft{Technology: cmpOr(c.Type, technologies[0].ID), Mode: c.Mode, Name: c.Name, ClientID: c.ClientID,
		Secret: secret, Mappings: slices.Clone(c.Mappings)}
	if len(c.Mappings) > 0 {
		mp := c.Mappings[0]
		m.draft.Tenant = defender.TenantInfo{TenantID: mp.TenantID, Input: cmpOr(mp.Domain, mp.TenantID)}
	}
	m.details = detailsState{}
	m.test = testState{}
	m.notice = ""
	return m.setStep(StepDetails)
}

// title is what the wizard is doing, for the header.
func (m *Model) title() string {
	if m.editing != nil {
		return "Edit connector " + m.editing.Name
	}
	return "Add a Microsoft Defender for Endpoint connector"
}

// saveEdit writes the draft over the connector being edited: renamed,
// mappings and mode changed, the secret rotated if it changed.
func saveEdit(st Store, old store.Connector, c store.Connector, secret, oldSecret string) error {
	err := st.Update(old.Name, func(s *store.Connector) error {
		s.Name, s.Mode, s.ClientID, s.Type = c.Name, c.Mode, c.ClientID, c.Type
		added := make([]store.Mapping, len(c.Mappings))
		for i, mp := range c.Mappings {
			added[i] = mp
			if j := slices.IndexFunc(old.Mappings, func(o store.Mapping) bool { return strings.EqualFold(o.TenantID, mp.TenantID) }); j >= 0 {
				added[i].AddedAt = old.Mappings[j].AddedAt
			}
		}
		s.Mappings = added
		return nil
	})
	if err != nil {
		return err
	}
	if secret != oldSecret {
		if err := st.SetSecret(c.Name, secret); err != nil {
			return fmt.Errorf("the connector was saved, but not its new secret: %w", err)
		}
	}
	return nil
}

// editNote says what saving an edit changes.
func (m *Model) editNote() string {
	e := m.editing
	var ch []string
	if e.Name != m.draft.Name {
		ch = append(ch, "renamed from "+connector.ShellQuote(e.Name))
	}
	if m.secretRotated() {
		ch = append(ch, "new client secret")
	}
	if e.Mode != m.draft.Mode {
		ch = append(ch, "mode "+string(e.Mode)+" → "+string(m.draft.Mode))
	}
	if !slices.EqualFunc(e.Mappings, m.draft.Mappings, sameMapping) {
		ch = append(ch, "mappings changed")
	}
	if len(ch) == 0 {
		return "no change but the test result"
	}
	return strings.Join(ch, ", ")
}

// secretRotated says the secret differs from the one loaded for the edit.
func (m *Model) secretRotated() bool { return m.editSecret != "" && m.draft.Secret != m.editSecret }
