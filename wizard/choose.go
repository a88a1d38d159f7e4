package wizard

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/store"
)

// technology is one tile of the "By technology" tab. Adding a connector type
// means adding a row here.
type technology struct {
	ID, Name, Summary string
}

var technologies = []technology{
	{ID: store.TypeDefender, Name: "Microsoft Defender for Endpoint",
		Summary: "Service health and status, endpoint update compliance, risk scores and security recommendations"},
}

// modeChoice is one mapping mode with the line that says when to pick it.
type modeChoice struct {
	mode       store.Mode
	name, when string
}

var modeChoices = []modeChoice{
	{store.OneToOne, "One to One", "One Microsoft tenant for one Paratira customer: pick this for a single organisation."},
	{store.OneToMany, "One to Many", "One app registration for many tenants, each mapped to its own customer: pick this as an MSP."},
}

// chooseState is step 2. Rows are the technologies, then the modes.
// dropping is set while One to One waits for a yes: it would keep only the
// first of the draft's mappings.
type chooseState struct {
	cursor   int
	dropping bool
}

// chooseKeyMap is step 2's keys, and the question a mode switch that would
// drop mappings asks.
type chooseKeyMap struct{ Up, Down, Pick, Next, Back, Drop, Keep key.Binding }

var chooseKeys = chooseKeyMap{
	Up:   bind("↑/↓", "choose", "up", "k", "shift+tab"),
	Down: quiet("down", "j", "tab"),
	Pick: quiet("space"),
	Next: bind("enter", "next", "enter"),
	Back: bind("esc", "back", "esc"),
	Drop: bind("y", "switch and drop them", "y"),
	Keep: bind("n", "keep One to Many", "n", "esc"),
}

func (m *Model) chooseActions() []keyAction {
	k, c := chooseKeys, &m.choose
	rows := len(technologies) + len(modeChoices)
	if c.dropping {
		return []keyAction{act(k.Drop, m.dropToOne), act(k.Keep, func() tea.Cmd { c.dropping = false; return nil })}
	}
	return []keyAction{
		act(k.Up, func() tea.Cmd { c.cursor = (c.cursor + rows - 1) % rows; return nil }),
		act(k.Down, func() tea.Cmd { c.cursor = (c.cursor + 1) % rows; return nil }),
		act(k.Pick, func() tea.Cmd { m.pick(); return nil }),
		act(k.Next, func() tea.Cmd {
			if !m.pick() {
				return nil // the question is asked first
			}
			if c.cursor < len(technologies) {
				c.cursor = len(technologies) + m.modeIndex()
				return nil
			}
			return m.setStep(StepConsent)
		}),
		act(k.Back, func() tea.Cmd { return m.setStep(StepConnectors) }),
	}
}

func (m *Model) updateChoose(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		cmd, _ := press(k, m.chooseActions())
		return cmd
	}
	return nil
}

// pick selects the row under the cursor. One to One would keep only the
// first mapping: with more, it asks first and picks nothing (false).
func (m *Model) pick() bool {
	i := m.choose.cursor
	if i < len(technologies) {
		m.draft.Technology = technologies[i].ID
		return true
	}
	mode := modeChoices[i-len(technologies)].mode
	if mode == store.OneToOne && m.draft.Mode != store.OneToOne && len(m.draft.Mappings) > 1 {
		m.choose.dropping = true
		return false
	}
	m.draft.Mode = mode
	return true
}

// dropToOne switches to One to One, keeping the first mapping.
func (m *Model) dropToOne() tea.Cmd {
	m.choose.dropping = false
	ms := m.draft.Mappings
	m.draft.Mode = store.OneToOne
	m.draft.Mappings = slices.Clone(ms[:1])
	m.details.row, m.details.offset = 0, 0
	m.notice = fmt.Sprintf("Switched to One to One: kept %s → %s, dropped %d other mapping(s).", ms[0].TenantID, ms[0].CustomerName, len(ms)-1)
	return nil
}

// dropQuestion asks before One to One drops mappings, naming them.
func (m *Model) dropQuestion(w int) string {
	ms := m.draft.Mappings
	var drop []string
	for i, mp := range ms[1:] {
		if i == 3 {
			drop = append(drop, fmt.Sprintf("and %d more", len(ms)-4))
			break
		}
		drop = append(drop, mp.TenantID+" → "+mp.CustomerName)
	}
	q := fmt.Sprintf("One to One maps one tenant: it keeps %s → %s and drops the other %d mapping(s): %s. Switch to One to One?",
		ms[0].TenantID, ms[0].CustomerName, len(ms)-1, strings.Join(drop, ", "))
	return hangAfter(m.st.warn.Render("?")+" ", q, 2, w)
}

func (m *Model) modeIndex() int {
	for i, mc := range modeChoices {
		if mc.mode == m.draft.Mode {
			return i
		}
	}
	return 0
}

func (m *Model) viewChoose(w int) string {
	var b strings.Builder
	b.WriteString(m.st.title.Render("Choose connector") + "\n")
	b.WriteString(m.st.sel.Render("[By technology]") + "\n\n")
	for i, t := range technologies {
		radio := radio(m.draft.Technology == t.ID)
		b.WriteString(m.st.cursor(m.choose.cursor == i) + radio + " " + m.st.bold.Render(t.Name) + "\n")
		b.WriteString(lines(m.st.dim, hang(t.Summary, 6, w)) + "\n")
	}
	b.WriteString("\n" + m.st.title.Render("Mapping") + "\n")
	for i, mc := range modeChoices {
		row := len(technologies) + i
		b.WriteString(m.st.cursor(m.choose.cursor == row) + radio(m.draft.Mode == mc.mode) + " " + m.st.bold.Render(mc.name) + "\n")
		b.WriteString(lines(m.st.dim, hang(mc.when, 6, w)) + "\n")
	}
	if m.choose.dropping {
		b.WriteString("\n" + m.dropQuestion(w))
	}
	return strings.TrimRight(b.String(), "\n")
}

func radio(on bool) string {
	if on {
		return "(•)"
	}
	return "( )"
}
