package wizard

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// tenantState is step 4: a tenant ID or domain, checked as typed and
// confirmed to exist through OpenID discovery before moving on.
type tenantState struct {
	input    textinput.Model
	ready    bool
	parseErr error
	// seq numbers lookups so a late answer to an old one is ignored.
	seq      int
	checking bool
	// checked is the value parseErr is about.
	checked string
	stop    context.CancelFunc
	err     error
	// since is when the lookup in flight began.
	since time.Time
}

type resolvedMsg struct {
	seq  int
	info defender.TenantInfo
	err  error
}

func (t *tenantState) cancel() {
	if t.stop != nil {
		t.stop()
		t.stop = nil
	}
	t.checking = false
}

func (m *Model) enterTenant() tea.Cmd {
	t := &m.tenant
	if !t.ready {
		t.input = textinput.New()
		t.input.Prompt = "Tenant ID or domain: "
		t.input.Placeholder = "e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47 or contoso.com"
		t.input.SetWidth(max(m.width-6, 10))
		t.ready = true
	}
	if t.input.Value() == "" {
		switch {
		case m.draft.Tenant.Input != "":
			t.input.SetValue(m.draft.Tenant.Input)
		case m.draft.ConsentTenant != "":
			t.input.SetValue(m.draft.ConsentTenant)
		}
	}
	t.err = nil
	m.checkTenantInput()
	return t.input.Focus()
}

// checkTenantInput checks the value as typed; a message that did not change
// it (a cursor blink) keeps the error enter showed.
func (m *Model) checkTenantInput() {
	t := &m.tenant
	if v := t.input.Value(); v != t.checked {
		t.checked = v
		_, t.parseErr = defender.ParseTenant(v)
		if strings.TrimSpace(v) == "" {
			t.parseErr = nil
		}
	}
}

func (m *Model) updateTenant(msg tea.Msg) tea.Cmd {
	t := &m.tenant
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if cmd, done := press(k, m.tenantActions()); done {
			return cmd
		}
		if t.checking {
			return nil // the value is being checked; typing waits
		}
	}
	var cmd tea.Cmd
	t.input, cmd = t.input.Update(msg)
	m.checkTenantInput()
	return cmd
}

func (m *Model) openOverview() tea.Cmd {
	b := m.opts.Browser
	url := m.opts.Cloud.TenantOverviewURL()
	if b == nil {
		return nil
	}
	if ok, why := b.CanOpen(); !ok {
		m.notice = m.st.warn.Render("! ") + why
		return nil
	}
	m.notice = "Opening the Entra ID overview; the Tenant ID is under Basic information."
	return func() tea.Msg { return browserMsg{b.Open(context.Background(), url)} }
}

// resolveTenant confirms the tenant exists; the step moves on when it does.
func (m *Model) resolveTenant() tea.Cmd {
	t := &m.tenant
	if t.checking {
		return nil
	}
	input, err := defender.ParseTenant(t.input.Value())
	if err != nil {
		t.parseErr = err
		return nil
	}
	eng, err := m.engineFor("", nil)()
	if err != nil {
		t.err = err
		return nil
	}
	t.cancel()
	ctx, cancel := context.WithCancel(context.Background())
	t.stop, t.checking, t.err, t.since = cancel, true, nil, m.opts.Now()
	t.seq++
	seq := t.seq
	return func() tea.Msg {
		info, err := eng.ResolveTenant(ctx, input)
		return resolvedMsg{seq, info, err}
	}
}

func (m *Model) onResolved(msg resolvedMsg) tea.Cmd {
	t := &m.tenant
	if msg.seq != t.seq || !t.checking {
		return nil
	}
	t.cancel()
	if msg.err != nil {
		t.err = msg.err
		return nil
	}
	if msg.info.Input == "" {
		msg.info.Input = t.input.Value()
	}
	prev := m.draft.Tenant
	m.draft.Tenant = msg.info
	m.learn(msg.info)
	m.retarget(prev, msg.info)
	if m.fixing != nil && len(m.draft.Mappings) > 0 {
		return m.fixDone()
	}
	return m.setStep(StepDetails)
}

// retarget makes the mappings follow a tenant changed at step 4: One to One
// has one tenant, so its mapping becomes the new one (its customer kept);
// One to Many gets the new tenant in the field of the mapping being entered,
// and a mapping of the old tenant, as typed, becomes the new one.
func (m *Model) retarget(prev, now defender.TenantInfo) {
	ms := m.draft.Mappings
	switch {
	case m.draft.Mode == store.OneToOne && len(ms) > 0:
		ms[0] = m.mappingFor(now, ms[0].CustomerName)
	case prev.TenantID != "":
		for i := range ms {
			if strings.EqualFold(ms[i].TenantID, prev.TenantID) || strings.EqualFold(ms[i].TenantID, prev.Input) {
				ms[i] = m.mappingFor(now, ms[i].CustomerName)
			}
		}
	}
	if d := &m.details; d.ready && (d.tenant.Value() == "" || strings.EqualFold(d.tenant.Value(), prev.TenantID) || strings.EqualFold(d.tenant.Value(), prev.Input)) {
		d.tenant.SetValue("")
	}
	m.details.seedTenant(now, m.draft.Mode)
}

// mappingFor is a mapping of a resolved tenant: its GUID, and the domain it
// was typed as beside it.
func (m *Model) mappingFor(info defender.TenantInfo, customer string) store.Mapping {
	mp := store.Mapping{TenantID: info.TenantID, CustomerName: customer}
	if in := strings.TrimSpace(info.Input); in != "" && !strings.EqualFold(in, info.TenantID) {
		mp.Domain = in
	}
	m.learn(info)
	return mp
}

// tenantKeyMap is step 4's keys; the rest go to the tenant field.
type tenantKeyMap struct{ Check, Overview, Back key.Binding }

var tenantKeys = tenantKeyMap{
	Check:    bind("enter", "check and continue", "enter"),
	Overview: bind("ctrl+o", "open Entra overview", "ctrl+o"),
	Back:     bind("esc", "back", "esc"),
}

func (m *Model) tenantActions() []keyAction {
	k := tenantKeys
	back := k.Back
	if m.tenant.checking {
		back.SetHelp("esc", "stop checking and go back")
	}
	return []keyAction{act(k.Check, m.resolveTenant), act(k.Overview, m.openOverview),
		act(back, func() tea.Cmd { return m.setStep(StepConsent) })}
}

func (m *Model) viewTenant(int) string {
	t := m.tenant
	var b strings.Builder
	b.WriteString(m.st.title.Render("Find the Tenant ID") + "\n")
	b.WriteString("In the Entra admin center (ctrl+o opens it), the Tenant ID is under Basic information: click the copy icon and paste it here. " +
		"A domain such as contoso.com works too: it is looked up for you.\n\n")
	b.WriteString(t.input.View() + "\n\n")
	switch {
	case t.checking:
		s := "Checking with Microsoft that the tenant exists (its sign-in discovery)"
		if d := m.opts.Now().Sub(t.since); d >= time.Second {
			s += " · " + clock(d)
		}
		b.WriteString(hangAfter(m.spin.View()+" ", s+" · esc stops", 2, m.width))
	case t.err != nil:
		b.WriteString(m.problemLine(t.err))
	case t.parseErr != nil:
		b.WriteString(m.st.warn.Render("! ") + t.parseErr.Error())
	case m.draft.ConsentTenant != "" && strings.EqualFold(t.input.Value(), m.draft.ConsentTenant):
		b.WriteString(m.st.dim.Render("Filled in from the consent result: press enter to confirm it."))
	}
	return b.String()
}

// problemLine renders an engine error with its problem's title and remedy.
func (m *Model) problemLine(err error) string {
	if p, ok := errorProblem(err); ok {
		return m.st.fail.Render("✗ ") + problemText(p, err.Error()) + "\n" + hang(guideWords(p.Remedy(), p.Action()), 2, m.width)
	}
	return m.st.fail.Render("✗ ") + err.Error()
}
