package wizard

import (
	"strings"

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
type chooseState struct {
	cursor int
}

func (m *Model) updateChoose(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	c := &m.choose
	rows := len(technologies) + len(modeChoices)
	switch k.String() {
	case "up", "k", "shift+tab":
		c.cursor = (c.cursor + rows - 1) % rows
	case "down", "j", "tab":
		c.cursor = (c.cursor + 1) % rows
	case "space":
		m.pick()
	case "enter":
		m.pick()
		if c.cursor < len(technologies) {
			c.cursor = len(technologies) + m.modeIndex()
			return nil
		}
		return m.setStep(StepConsent)
	case "esc":
		return m.setStep(StepConnectors)
	}
	return nil
}

// pick selects the row under the cursor.
func (m *Model) pick() {
	if i := m.choose.cursor; i < len(technologies) {
		m.draft.Technology = technologies[i].ID
	} else {
		m.draft.Mode = modeChoices[i-len(technologies)].mode
	}
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
	return strings.TrimRight(b.String(), "\n")
}

func radio(on bool) string {
	if on {
		return "(•)"
	}
	return "( )"
}
