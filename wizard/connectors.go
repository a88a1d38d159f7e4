package wizard

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/store"
)

// connectorsState is step 1: the saved connectors and "Add a new connector".
type connectorsState struct {
	list   []store.Connector
	err    error
	loaded bool
	// cursor 0 is "Add a new connector"; i > 0 is list[i-1].
	cursor int
}

type connectorsMsg struct {
	list []store.Connector
	err  error
}

func (m *Model) enterConnectors() tea.Cmd {
	st := m.opts.Store
	if st == nil {
		m.connectors.loaded = true
		return nil
	}
	return func() tea.Msg {
		list, err := st.List()
		return connectorsMsg{list, err}
	}
}

// connectorsKeyMap is step 1's keys.
type connectorsKeyMap struct{ Up, Down, Select, Add, Quit key.Binding }

var connectorsKeys = connectorsKeyMap{
	Up:     bind("↑/↓", "move", "up", "k"),
	Down:   quiet("down", "j"),
	Select: bind("enter", "select", "enter"),
	Add:    bind("a", "add", "a", "n"),
	Quit:   bind("q", "quit", "q", "esc"),
}

func (m *Model) connectorsActions() []keyAction {
	k, c := connectorsKeys, &m.connectors
	return []keyAction{
		act(k.Up, func() tea.Cmd { c.cursor = max(c.cursor-1, 0); return nil }),
		act(k.Down, func() tea.Cmd { c.cursor = min(c.cursor+1, len(c.list)); return nil }),
		act(k.Select, func() tea.Cmd {
			if c.cursor == 0 {
				return m.setStep(StepChoose)
			}
			return m.loadForEdit(c.list[c.cursor-1])
		}),
		act(k.Add, func() tea.Cmd { return m.setStep(StepChoose) }),
		act(k.Quit, func() tea.Cmd { m.cancelled, m.quitting = true, true; return tea.Quit }),
	}
}

func (m *Model) updateConnectors(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		cmd, _ := press(k, m.connectorsActions())
		return cmd
	}
	return nil
}

func (m *Model) viewConnectors(w int) string {
	c := m.connectors
	var b strings.Builder
	b.WriteString(m.st.title.Render("Connectors") + "\n")
	b.WriteString(m.st.dim.Render("Settings > Connectors: your saved connectors, and a new one.") + "\n\n")
	b.WriteString(m.st.cursor(c.cursor == 0) + m.st.bold.Render("+ Add a new connector") + "\n\n")
	switch {
	case !c.loaded:
		b.WriteString(m.spin.View() + " Reading saved connectors…\n")
	case c.err != nil:
		b.WriteString(m.st.fail.Render("Cannot read the saved connectors: ") + c.err.Error() + "\n")
	case len(c.list) == 0:
		b.WriteString(m.st.dim.Render("No connectors saved yet.") + "\n")
	default:
		// The name gives way first: the last test's date is what tells them apart.
		nw := min(32, max(w-37, 10))
		b.WriteString(m.st.dim.Render(fmt.Sprintf("  %-*s %-8s %s", nw, "NAME", "TENANTS", "LAST TEST")) + "\n")
		for i, con := range c.list {
			line := fmt.Sprintf("%-*s %-8d %s", nw, truncate(con.Name, nw), len(con.Mappings), m.lastTest(con))
			b.WriteString(m.st.cursor(c.cursor == i+1) + truncate(line, w-2) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (m *Model) lastTest(c store.Connector) string {
	v := c.LastValidation
	if v == nil {
		return m.st.dim.Render("never")
	}
	when := v.At.Local().Format("2006-01-02 15:04")
	if v.OK {
		if w := recordedWarnings(*v); len(w) > 0 {
			return m.st.warn.Render("⚠ passed ") + when + m.st.warn.Render(" "+strings.Join(w, ", "))
		}
		return m.st.pass.Render("✓ passed ") + when
	}
	return m.st.fail.Render("✗ failed ") + when
}

// recordedWarnings names the warned checks of a recorded test.
func recordedWarnings(v store.Validation) []string {
	var out []string
	for _, t := range v.Tenants {
		for _, c := range t.Checks {
			if c.Status != string(defender.Warn) {
				continue
			}
			if w := cmpOr(problem.Code(c.Problem).Title(), defender.CheckID(c.ID).Title()); !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}
