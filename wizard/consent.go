package wizard

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/paratira/mdeconnect/defender"
)

// consentState is step 3: the admin consent link, and its result caught on
// the localhost redirect URI or pasted.
type consentState struct {
	state     string
	url       string
	listener  *listener
	listenErr error
	stop      context.CancelFunc
	result    *defender.ConsentResult
	err       error
	pasting   bool
	grants    int
	paste     textinput.Model
}

type (
	listenerMsg struct {
		l   *listener
		err error
	}
	consentMsg struct{ raw string }
	browserMsg struct{ err error }
)

func (c *consentState) close() {
	if c.stop != nil {
		c.stop()
	}
	c.listener.close()
	c.listener = nil
}

func (m *Model) enterConsent() tea.Cmd {
	c := &m.consent
	c.url = defender.ConsentURL(m.opts.Cloud, m.consentTenantHint(), m.draft.ClientID, m.opts.RedirectURI, c.state)
	c.pasting = false
	if c.listener != nil || c.listenErr != nil {
		return nil
	}
	uri := m.opts.RedirectURI
	return func() tea.Msg {
		l, err := listen(uri)
		return listenerMsg{l, err}
	}
}

// consentTenantHint names the tenant in the link when it is already known,
// so the admin signs in to the right one; otherwise "organizations".
func (m *Model) consentTenantHint() string {
	if m.draft.Tenant.TenantID != "" {
		return m.draft.Tenant.TenantID
	}
	if sb := m.opts.Sandbox; sb != nil {
		return sb.Domain
	}
	return ""
}

func (m *Model) waitConsent() tea.Cmd {
	l := m.consent.listener
	if l == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.consent.stop = cancel
	return func() tea.Msg {
		raw, err := l.wait(ctx)
		if err != nil {
			return nil
		}
		return consentMsg{raw}
	}
}

func (m *Model) updateConsentAsync(msg tea.Msg) tea.Cmd {
	c := &m.consent
	switch msg := msg.(type) {
	case listenerMsg:
		c.listener, c.listenErr = msg.l, msg.err
		return m.waitConsent()
	case consentMsg:
		m.takeConsent(msg.raw)
		return m.waitConsent()
	case browserMsg:
		if msg.err != nil {
			m.notice = m.st.warn.Render("! ") + "The browser did not open (" + msg.err.Error() + "): open the link above yourself."
		} else if c.result == nil {
			m.notice = "Opened the consent page in your browser. Approve it there; the result comes back here."
		}
	}
	return nil
}

// takeConsent reads a redirect, caught or pasted. Success fills the tenant.
func (m *Model) takeConsent(raw string) {
	c := &m.consent
	res, err := defender.ParseConsentRedirect(raw, c.state)
	c.err = err
	if err != nil {
		return
	}
	c.result = &res
	if res.Granted {
		c.grants++ // a consent granted again is a change a test must see
	}
	m.notice = ""
	if res.Granted && res.TenantID != "" {
		m.draft.ConsentTenant = res.TenantID
	}
}

func (m *Model) updateConsent(msg tea.Msg) tea.Cmd {
	c := &m.consent
	if c.pasting {
		return m.updatePaste(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch k.String() {
	case "enter":
		if c.result != nil && c.result.Granted {
			if m.fixing != nil && m.test.hasResults() && len(m.draft.Mappings) > 0 {
				return m.fixDone()
			}
			return m.setStep(StepTenant)
		}
		return m.openConsent()
	case "o":
		return m.openConsent()
	case "c", "y":
		m.notice = "Copied the consent link to the clipboard (if your terminal allows OSC 52)."
		return tea.SetClipboard(c.url)
	case "p":
		c.pasting = true
		c.paste = textinput.New()
		c.paste.Placeholder = "http://localhost:53682/consent?admin_consent=True&tenant=…"
		c.paste.SetWidth(max(m.width-6, 10))
		return c.paste.Focus()
	case "s", "n":
		return m.setStep(StepTenant)
	case "esc":
		return m.setStep(StepChoose)
	}
	return nil
}

func (m *Model) openConsent() tea.Cmd {
	b := m.opts.Browser
	if b == nil {
		return nil
	}
	if ok, why := b.CanOpen(); !ok {
		m.notice = m.st.warn.Render("! ") + why
		return nil
	}
	url := m.consent.url
	m.notice = "Opening the consent page in your browser…"
	return func() tea.Msg { return browserMsg{b.Open(context.Background(), url)} }
}

func (m *Model) updatePaste(msg tea.Msg) tea.Cmd {
	c := &m.consent
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			c.pasting = false
			return nil
		case "enter":
			c.pasting = false
			m.takeConsent(c.paste.Value())
			return nil
		}
	}
	var cmd tea.Cmd
	c.paste, cmd = c.paste.Update(msg)
	return cmd
}

func (m *Model) consentKeys() []string {
	if m.consent.pasting {
		return []string{"enter read the address", "esc cancel"}
	}
	if r := m.consent.result; r != nil && r.Granted {
		return []string{"enter next", "c copy link", "esc back"}
	}
	return []string{"enter open in browser", "c copy link", "p paste redirected address", "s skip", "esc back"}
}

// viewConsent fits in h lines. The link and the result come first: when
// the window is short the explanation gets shorter, never the link.
func (m *Model) viewConsent(w, h int) string {
	c := m.consent
	title := m.st.title.Render("Grant admin consent to Paratira")
	intro := "Sign in with a " + m.st.bold.Render("Global Administrator, Cloud Application Administrator or Application Administrator") +
		" account of the tenant and click Accept. All permissions granted are read-only."
	label := "Consent link"
	if m.opts.Hyperlinks {
		label = m.st.link.Hyperlink(c.url).Render("Open the consent page")
	}
	label += " (send it to the customer's admin if that is not you):"
	tail := m.consentStatus(w)
	if c.pasting {
		tail += "\n\nPaste the address the browser shows after Accept:\n" + c.paste.View()
	}
	parts := []string{title, intro, "", label, c.url, "", tail}
	fits := func() bool { return lipgloss.Height(wrap(strings.Join(parts, "\n"), w)) <= h }
	if !fits() {
		parts[1] = "An admin of the tenant must click Accept (read-only permissions)."
		parts[3] = "Consent link:"
	}
	if !fits() {
		parts = []string{title, parts[1], parts[3], c.url, tail}
	}
	return strings.TrimRight(strings.Join(parts, "\n"), "\n")
}

func (m *Model) consentStatus(w int) string {
	c := m.consent
	switch {
	case c.result != nil && c.result.Granted:
		s := "Consent granted"
		if c.result.TenantID != "" {
			s += " for tenant " + c.result.TenantID
		}
		return hangAfter(m.st.pass.Render("✓")+" ", s+". Press enter to continue.", 2, w)
	case c.result != nil:
		p := c.result.Problem
		if p == "" {
			return hangAfter(m.st.fail.Render("✗ Consent failed:")+" ", c.result.Error+" "+c.result.Description, 2, w)
		}
		return hangAfter(m.st.fail.Render("✗ "+p.Title()+":")+" ", c.result.Description, 2, w) + "\n" + hang(p.Remedy(), 2, w)
	case c.err != nil:
		return hangAfter(m.st.fail.Render("✗")+" ", c.err.Error(), 2, w)
	case c.listenErr != nil:
		return hangAfter(m.st.warn.Render("!")+" ", c.listenErr.Error(), 2, w)
	case c.listener != nil:
		return hangAfter(m.spin.View()+" ", "Waiting for the consent result on "+m.opts.RedirectURI+" … (or press s to go on without it)", 2, w)
	}
	return ""
}
