package wizard

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/internal/sanitize"
)

// consentState is step 3: the admin consent link, and its result caught on
// the localhost redirect URI or pasted. Both go through gate, which takes
// one answer per consent request.
type consentState struct {
	gate      *consentGate
	url       string
	listener  *listener
	listenErr error
	// since is when the wait for the admin's answer began.
	since  time.Time
	stop   context.CancelFunc
	result *defender.ConsentResult
	// err says why the last reply was not taken (no answer yet).
	err     error
	pasting bool
	grants  int
	paste   textinput.Model
	// headless says why no browser opens here (SSH, no display): the
	// link is opened elsewhere and its redirect pasted back.
	headless string
}

type (
	listenerMsg struct {
		l   *listener
		err error
	}
	// consentMsg is a redirect to judge (pasted, or from a test); replyMsg
	// one the listener has judged already.
	consentMsg struct{ raw string }
	replyMsg   struct{ rep reply }
	browserMsg struct{ err error }
)

// consentKeyMap is the consent step's keys. Enter opens the link while no
// consent is granted (shows it, where no browser opens), then moves on.
type consentKeyMap struct {
	Next, Open, Show, Copy, Paste, Skip, Back key.Binding
	Read, Cancel                              key.Binding
}

var consentKeys = consentKeyMap{
	Next:   bind("enter", "next", "enter"),
	Open:   bind("enter", "open in browser", "enter", "o"),
	Show:   bind("l", "link as one line", "l"),
	Copy:   bind("c", "copy link", "c", "y"),
	Paste:  bind("p", "paste redirected address", "p"),
	Skip:   bind("s", "skip", "s", "n"),
	Back:   bind("esc", "back", "esc"),
	Read:   bind("enter", "read the address", "enter"),
	Cancel: bind("esc", "cancel", "esc"),
}

// consentActions are the keys active now, in the help line's order.
func (m *Model) consentActions() []keyAction {
	k, c := consentKeys, m.consent
	show, copyLink := act(k.Show, m.showLink), act(k.Copy, m.copyLink)
	paste, skip := act(k.Paste, m.startPaste), act(k.Skip, func() tea.Cmd { return m.setStep(StepTenant) })
	back := act(k.Back, func() tea.Cmd { return m.setStep(StepChoose) })
	switch {
	case c.pasting:
		return []keyAction{act(k.Read, m.readPaste), act(k.Cancel, func() tea.Cmd { m.consent.pasting = false; return nil })}
	case c.result != nil && c.result.Granted:
		again := k.Open
		again.SetKeys("o")
		again.SetHelp("o", "open again")
		return []keyAction{act(k.Next, m.consentDone), act(again, m.openConsent), show, copyLink, back}
	case c.headless != "":
		// No browser opens here: enter shows the link to copy instead.
		show.SetKeys("enter", "l", "o")
		show.SetHelp("enter", "link as one line")
		return []keyAction{show, copyLink, paste, skip, back}
	}
	return []keyAction{act(k.Open, m.openConsent), show, copyLink, paste, skip, back}
}

// consentDone moves on from a granted consent: to the tenant, or back to
// a fresh test when the consent was the fix of a failed one.
func (m *Model) consentDone() tea.Cmd {
	if m.fixing != nil && m.test.hasResults() && len(m.draft.Mappings) > 0 {
		return m.fixDone()
	}
	return m.setStep(StepTenant)
}

func (c *consentState) close() {
	if c.stop != nil {
		c.stop()
	}
	c.listener.close()
	c.listener = nil
}

func (m *Model) enterConsent() tea.Cmd {
	c := &m.consent
	c.url = m.consentLink()
	c.pasting, c.headless = false, ""
	if b := m.opts.Browser; b != nil {
		if ok, why := b.CanOpen(); !ok {
			c.headless = why
		}
	}
	if c.listener != nil {
		return nil
	}
	c.listenErr = nil // a port taken earlier may be free now
	uri, gate := m.opts.RedirectURI, c.gate
	return func() tea.Msg {
		l, err := listen(uri, gate)
		return listenerMsg{l, err}
	}
}

// consentLink is the link of the consent request in force.
func (m *Model) consentLink() string {
	return defender.ConsentURL(m.opts.Cloud, m.consentTenantHint(), m.draft.ClientID, m.opts.RedirectURI, m.consent.gate.currentState())
}

// renewConsent starts a new consent request (a new state), which takes one
// answer again; the link on screen becomes its link.
func (m *Model) renewConsent() {
	m.consent.gate.renew(m.opts.NewState())
	m.consent.url = m.consentLink()
}

// freshRequest renews the request when the one in force has its answer:
// whoever opens or copies the link now is asking again.
func (m *Model) freshRequest() {
	if m.consent.gate.isAnswered() {
		m.renewConsent()
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
	if m.consent.stop != nil {
		m.consent.stop()
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.consent.stop = cancel
	return func() tea.Msg {
		rep, err := l.wait(ctx)
		if err != nil {
			return nil
		}
		return replyMsg{rep}
	}
}

func (m *Model) updateConsentAsync(msg tea.Msg) tea.Cmd {
	c := &m.consent
	switch msg := msg.(type) {
	case listenerMsg:
		if c.listener != nil {
			msg.l.close() // a second listen raced the first: keep the first
			return nil
		}
		c.listener, c.listenErr, c.since = msg.l, msg.err, m.opts.Now()
		return m.waitConsent()
	case replyMsg:
		m.takeReply(msg.rep)
		return m.waitConsent()
	case consentMsg:
		m.takeReply(c.gate.take(msg.raw))
	case browserMsg:
		if msg.err != nil {
			m.notice = m.st.warn.Render("! ") + "The browser did not open (" + sanitize.Line(msg.err.Error(), sanitize.Screen) + "): open the link above yourself (l shows it as one line)."
		} else if c.result == nil {
			m.notice = "Opened the consent page in your browser. Approve it there; the result comes back here."
		}
	}
	return nil
}

// takeReply keeps the gate's verdict on a redirect, caught or pasted. A
// granted consent fills the tenant; a rejected one renews the request, so
// the link on screen can be approved again; a refused reply changes nothing.
func (m *Model) takeReply(rep reply) {
	c := &m.consent
	if rep.kind == replyRefused {
		if c.result == nil {
			c.err = rep.err
		} else {
			m.notice = m.st.warn.Render("! ") + "A consent reply was not accepted: " + sanitize.Line(rep.err.Error(), sanitize.Screen)
		}
		return
	}
	res := rep.res
	c.result, c.err = &res, nil
	m.notice = ""
	if rep.kind == replyRejected {
		m.renewConsent()
		return
	}
	c.grants++ // a consent granted again is a change a test must see
	if res.TenantID != "" {
		m.draft.ConsentTenant = res.TenantID
	}
}

func (m *Model) updateConsent(msg tea.Msg) tea.Cmd {
	if m.consent.pasting {
		if k, ok := msg.(tea.KeyPressMsg); ok {
			if cmd, done := press(k, m.consentActions()); done {
				return cmd
			}
		}
		var cmd tea.Cmd
		m.consent.paste, cmd = m.consent.paste.Update(msg)
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		cmd, _ := press(k, m.consentActions())
		return cmd
	}
	return nil
}

func (m *Model) openConsent() tea.Cmd {
	m.freshRequest()
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

func (m *Model) copyLink() tea.Cmd {
	m.freshRequest()
	m.notice = "Copied the consent link to the clipboard (if your terminal allows OSC 52; l shows it as one line to select with the mouse)."
	return tea.SetClipboard(m.consent.url)
}

// startPaste asks for the address the browser landed on after Accept.
func (m *Model) startPaste() tea.Cmd {
	c := &m.consent
	c.pasting = true
	c.paste = textinput.New()
	c.paste.Placeholder = "http://localhost:53682/consent?admin_consent=True&tenant=…"
	c.paste.SetWidth(max(m.width-6, 10))
	return c.paste.Focus()
}

// readPaste judges the pasted address like a caught redirect.
func (m *Model) readPaste() tea.Cmd {
	c := &m.consent
	c.pasting = false
	m.takeReply(c.gate.take(c.paste.Value()))
	return nil
}
