package wizard

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/paratira/mdeconnect/connector"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// summaryState is step 7: review, Finish, and where it was saved.
type summaryState struct {
	saving bool
	saved  bool
	err    error
}

type savedMsg struct {
	c     store.Connector
	where string
	err   error
}

// summaryKeyMap is step 7's keys.
type summaryKeyMap struct{ Save, Exit, Back key.Binding }

var summaryKeys = summaryKeyMap{
	Save: bind("enter", "finish and save", "enter", "f"),
	Exit: bind("enter/q", "exit", "enter", "f", "q"),
	Back: bind("esc", "back", "esc"),
}

func (m *Model) summaryActions() []keyAction {
	k, s := summaryKeys, &m.summary
	switch {
	case s.saved:
		return []keyAction{act(k.Exit, func() tea.Cmd { m.quitting = true; return tea.Quit })}
	case s.saving:
		return nil
	}
	return []keyAction{act(k.Save, m.save), act(k.Back, func() tea.Cmd { return m.setStep(StepTest) })}
}

func (m *Model) updateSummary(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		cmd, _ := press(k, m.summaryActions())
		return cmd
	}
	return nil
}

// connector is the draft as the store keeps it, with the test's findings:
// domains become the GUIDs discovery found, as `mdeconnect add` does.
func (m *Model) connector() (store.Connector, store.Validation, error) {
	now := m.opts.Now().UTC()
	c := store.Connector{Name: m.draft.Name, Type: m.draft.Technology, Mode: m.draft.Mode, ClientID: m.draft.ClientID,
		Cloud: m.opts.CloudName}
	res := defender.Result{OK: true}
	for i, dm := range m.draft.Mappings {
		tr := defender.TenantResult{TenantID: dm.TenantID, Customer: dm.CustomerName}
		if i < len(m.test.tenants) && m.test.tenants[i].target.TenantID == dm.TenantID && m.test.tenants[i].result != nil {
			tr = *m.test.tenants[i].result
		}
		res.OK = res.OK && tr.OK
		res.Tenants = append(res.Tenants, tr)
		c.Mappings = append(c.Mappings, store.Mapping{TenantID: dm.TenantID, CustomerName: dm.CustomerName, AddedAt: now})
	}
	if err := connector.ResolveMappings(c.Mappings, &res); err != nil {
		return c, store.Validation{}, err
	}
	return c, connector.ValidationRecord(res, now), nil
}

func (m *Model) save() tea.Cmd {
	st := m.opts.Store
	if st == nil {
		m.summary.err = errors.New("no connector store is open")
		return nil
	}
	c, v, err := m.connector()
	if err != nil {
		m.summary.err = err
		return nil
	}
	m.summary.saving, m.summary.err = true, nil
	secret := m.draft.Secret
	var old *store.Connector
	oldSecret := m.editSecret
	if m.editing != nil {
		e := *m.editing
		old = &e
	}
	return func() tea.Msg {
		if old != nil {
			if err := saveEdit(st, *old, c, secret, oldSecret); err != nil {
				return savedMsg{err: err}
			}
		} else if err := st.Add(c, secret); err != nil {
			return savedMsg{err: err}
		}
		if err := st.RecordValidation(c.Name, v); err != nil {
			return savedMsg{err: fmt.Errorf("the connector was saved, but not its test result: %w", err)}
		}
		saved, err := st.Get(c.Name)
		if err != nil {
			return savedMsg{err: err}
		}
		return savedMsg{c: saved, where: st.Where(saved)}
	}
}

func (m *Model) onSaved(msg savedMsg) tea.Cmd {
	s := &m.summary
	s.saving = false
	if msg.err != nil {
		s.err = msg.err
		return nil
	}
	s.saved = true
	m.result = Result{Saved: true, Updated: m.editing != nil, Connector: msg.c, StorePath: m.opts.Store.Path(), SecretWhere: msg.where,
		Failures: m.result.Failures, ReportPath: m.result.ReportPath}
	return nil
}

func (m *Model) viewSummary(w int) string {
	s := m.summary
	if s.saved {
		return m.savedView(w)
	}
	var b strings.Builder
	b.WriteString(m.st.title.Render("Review the connector") + "\n\n")
	row := func(k, v string) {
		if k != "" {
			k += ":"
		}
		b.WriteString(hangAfter(fmt.Sprintf("  %-15s ", k), v, 18, w) + "\n")
	}
	row("Connector", technologies[0].Name)
	row("Mapping", m.modeName())
	row("Name", m.draft.Name)
	row("Client ID", m.draft.ClientID)
	row("Client secret", maskSecret(m.draft.Secret))
	row("Cloud", m.opts.CloudName)
	for i, mp := range m.draft.Mappings {
		if i == 4 && len(m.draft.Mappings) > 5 {
			row("", fmt.Sprintf("… and %d more", len(m.draft.Mappings)-4))
			break
		}
		label := ""
		if i == 0 {
			label = "Tenants"
		}
		row(label, mp.TenantID+" → "+mp.CustomerName)
	}
	row("Test", m.testSummaryLine())
	for _, o := range m.otherConnectors() {
		row("", m.st.warn.Render("⚠ ")+o)
	}
	if m.editing != nil {
		row("Changes", m.editNote())
	}
	b.WriteString("\n")
	switch {
	case s.saving:
		b.WriteString(m.spin.View() + " Saving…")
	case s.err != nil:
		b.WriteString(hangAfter(m.st.fail.Render("✗ Not saved:")+" ", s.err.Error(), 2, w))
	default:
		b.WriteString("Press enter to Finish: the connector is saved and appears in the connectors list.")
	}
	return b.String()
}

func (m *Model) testSummaryLine() string {
	failed := len(m.test.failedRows())
	if failed == 0 {
		if warns := m.warnings(); len(warns) > 0 {
			return m.st.warn.Render("⚠ passed with "+itoa(len(warns))+" warning(s): ") + strings.Join(warns, "; ")
		}
		return m.st.pass.Render("✓ every check passed")
	}
	return m.st.fail.Render(fmt.Sprintf("✗ %d tenant(s) failed: saving anyway records the failures", failed))
}

// warnings names each warned check: its problem and tenant.
func (m *Model) warnings() []string {
	var out []string
	for _, r := range m.test.tenants {
		for _, id := range defender.CheckIDs() {
			if c, ok := r.checks[id]; ok && c.Status == defender.Warn {
				what := cmpOr(c.Problem.Title(), id.Title())
				if len(m.test.tenants) > 1 {
					what += " (" + r.target.TenantID + ")"
				}
				if !slices.Contains(out, what) {
					out = append(out, what)
				}
			}
		}
	}
	return out
}

func (m *Model) savedView(w int) string {
	r := m.result
	var b strings.Builder
	verb := "Saved"
	if r.Updated {
		verb = "Updated" // as the lines left after the exit say
	}
	b.WriteString(m.st.pass.Render("✓ "+verb+" connector "+r.Connector.Name) + "\n\n")
	b.WriteString(labelled("  Connectors file: ", r.StorePath, w) + "\n")
	b.WriteString(labelled("  Client secret:   ", r.SecretWhere, w) + "\n\n")
	if sb := m.opts.Sandbox; sb != nil {
		b.WriteString(hangAfter(m.st.badge.Render("In the sandbox:")+" ", SandboxRetestNote(sb, r.Connector.Name), 2, w))
		return b.String()
	}
	b.WriteString("Re-test it later with:\n  " + m.st.bold.Render("mdeconnect test "+connector.ShellQuote(r.Connector.Name)) + "\n\n")
	b.WriteString("Initial data collection will begin automatically.")
	return b.String()
}

// labelled is "label value" on one line when it fits; else the value, a
// path that cannot break at spaces, goes below the label, indented.
func labelled(label, value string, w int) string {
	if lipgloss.Width(label+value) <= w {
		return label + value
	}
	return strings.TrimRight(label, " ") + "\n" + hang(value, 4, w)
}

// SandboxRetestNote says why a connector saved in the sandbox cannot be
// re-tested as it is: it is saved with cloud "global" and no endpoints of its
// own, so once the fake cloud is gone `mdeconnect test` would reach Microsoft.
func SandboxRetestNote(sb *Sandbox, name string) string {
	where := "to " + sb.Dir + " with cloud \"global\", so `mdeconnect test " + connector.ShellQuote(name) + "` would reach the real Microsoft once this sandbox is gone."
	if sb.Temporary {
		where = "to a throwaway folder, removed when you exit (set MDECONNECT_CONFIG_DIR to keep it)."
	}
	return "the connector was saved " + where + " To re-test against a sandbox, run `mdeconnect sandbox` and use its exports."
}
