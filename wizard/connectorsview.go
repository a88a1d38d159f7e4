package wizard

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/internal/num"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/internal/sanitize"
	"github.com/paratira/mdeconnect/store"
)

// Step 1's lines besides its rows, by how much room it has: the title,
// the intro and a blank line, "Add" and a blank line, the column names and
// the status line; in less room the intro and the blank lines give way to
// rows, and in the least the title and the column names too.
var connectorsChrome = [...]int{layoutTiny: 2, layoutCompact: 4, layoutFull: 7}

// connectorsMinRows is the fewest rows a layout is chosen for.
const connectorsMinRows = 3

type connectorsLayout int

const (
	layoutTiny connectorsLayout = iota
	layoutCompact
	layoutFull
)

func (m *Model) viewConnectors(w int) string {
	c := &m.connectors
	lay, rows := c.layout(m.connectorsBody(w, lipgloss.Height(m.helpView(w))))
	var b strings.Builder
	if lay > layoutTiny {
		b.WriteString(m.st.title.Render("Connectors") + "\n")
	}
	if lay == layoutFull {
		b.WriteString(m.st.dim.Render("Settings > Connectors: your saved connectors, and a new one.") + "\n\n")
	}
	b.WriteString(m.st.cursor(c.cursor == 0) + m.st.bold.Render("+ Add a new connector") + "\n")
	if lay == layoutFull {
		b.WriteString("\n")
	}
	switch {
	case !c.rowsLoaded:
		b.WriteString(m.spin.View() + " Reading saved connectors…\n")
	case c.rowsErr != nil:
		b.WriteString(m.st.fail.Render("Cannot read the saved connectors: ") + sanitize.Line(c.rowsErr.Error(), sanitize.Screen) + "\n")
	case len(c.rows) == 0:
		b.WriteString(m.st.dim.Render("No connectors saved yet.") + "\n")
	default:
		m.viewConnectorRows(&b, w, rows, lay > layoutTiny)
	}
	return strings.TrimRight(b.String(), "\n")
}

// viewConnectorRows draws the rows in the window, the status line under
// them, and why the rows lack their warnings if the full read failed.
func (m *Model) viewConnectorRows(b *strings.Builder, w, rows int, header bool) {
	c := &m.connectors
	// The name gives way first, down to 20 cells, then the last test.
	nw := min(32, max(w-37, min(w-4, 20)))
	if header {
		b.WriteString(m.st.dim.Render(truncate(fmt.Sprintf("  %-*s %-8s %s", nw, "NAME", "TENANTS", "LAST TEST"), w)) + "\n")
	}
	if len(c.shown) == 0 {
		b.WriteString("  " + m.st.dim.Render("No connector's name contains "+sanitize.Quote(c.filter)+".") + "\n")
	}
	top := c.scrolled(rows)
	end := min(top+rows, len(c.shown))
	for i := top; i < end; i++ {
		r := c.rows[c.shown[i]]
		name := truncate(strings.ReplaceAll(sanitize.Line(r.Name, sanitize.Screen), "\t", " "), nw)
		line := name + strings.Repeat(" ", max(nw-ansi.StringWidth(name), 0)) +
			fmt.Sprintf(" %-8d ", r.Tenants) + m.lastTest(r, c.record(c.shown[i], r.Name))
		b.WriteString(m.st.cursor(c.cursor == i+1) + truncate(line, w-2) + "\n")
	}
	b.WriteString(truncate("  "+m.connectorsStatus(top, end), w) + "\n")
	if c.recordsFailed() {
		b.WriteString(truncate(m.st.warn.Render("! ")+"Cannot read every connector in full: "+sanitize.Line(c.err.Error(), sanitize.Screen), w) + "\n")
	}
}

// connectorsStatus says which rows are drawn of how many, and the filter.
func (m *Model) connectorsStatus(top, end int) string {
	c := &m.connectors
	n := len(c.shown)
	where := ""
	if end-top < n {
		where = num.Thousands(top+1) + "–" + num.Thousands(end)
	}
	if !c.filtering {
		if where == "" {
			return m.st.dim.Render(plural(n, "connector"))
		}
		return m.st.dim.Render(where + " of " + num.Thousands(n))
	}
	matched := num.Thousands(n) + " of " + num.Thousands(len(c.rows)) + " match"
	if where != "" {
		matched += ", " + where + " shown"
	}
	return "/ " + m.st.bold.Render(c.filter) + "█  " + m.st.dim.Render(matched+" · esc clears the filter")
}

// layout is how step 1 fits in body lines: the most chrome that leaves
// room for a few rows, and how many rows of connectors it draws.
func (c *connectorsState) layout(body int) (connectorsLayout, int) {
	if c.recordsFailed() {
		body--
	}
	for lay := layoutFull; lay > layoutTiny; lay-- {
		if body >= connectorsChrome[lay]+connectorsMinRows {
			return lay, body - connectorsChrome[lay]
		}
	}
	return layoutTiny, max(body-connectorsChrome[layoutTiny], 1)
}

// connectorRows is how many rows of connectors the window shows.
func (m *Model) connectorRows() int {
	w := max(m.width, 20)
	_, rows := m.connectors.layout(m.connectorsBody(w, lipgloss.Height(m.helpView(w))))
	return rows
}

// connectorPage is connectorRows with a help line of one line, for the help
// line itself to say whether the list pages.
func (m *Model) connectorPage() int {
	_, rows := m.connectors.layout(m.connectorsBody(max(m.width, 20), 1))
	return rows
}

// connectorsBody is how many lines render leaves the step in w columns with
// a help line of helpLines lines, less the notice's (as stepView counts
// them).
func (m *Model) connectorsBody(w, helpLines int) int {
	if m.height < 12 {
		helpLines = 1 // render shows one line of help in a short window
	}
	h := m.bodyHeight(w, helpLines)
	if n := m.noticeView(w); n != "" {
		h -= lipgloss.Height(n) - 1
	}
	return h
}

// recordsFailed says the rows are shown but the full read failed.
func (c *connectorsState) recordsFailed() bool {
	return c.loaded && c.err != nil && c.rowsLoaded && c.rowsErr == nil && len(c.rows) > 0
}

// record is the full record of row i, named name, once read: at i when
// the two reads saw the same file, else found by name.
func (c *connectorsState) record(i int, name string) *store.Connector {
	if i < len(c.list) && c.list[i].Name == name {
		return &c.list[i]
	}
	for j := range c.list {
		if c.list[j].Name == name {
			return &c.list[j]
		}
	}
	return nil
}

// lastTest is a row's last test: its verdict and date from the summary,
// and the checks that warned once the full record is read.
func (m *Model) lastTest(r store.Summary, rec *store.Connector) string {
	t := r.LastTest
	if t == nil {
		return m.st.dim.Render("never")
	}
	when := t.At.Local().Format("2006-01-02 15:04")
	if !t.OK {
		return m.st.fail.Render("✗ failed ") + when
	}
	if rec != nil && rec.LastValidation != nil && rec.LastValidation.At.Equal(t.At) {
		if w := recordedWarnings(*rec.LastValidation); len(w) > 0 {
			return m.st.warn.Render("⚠ passed ") + when + m.st.warn.Render(" "+sanitize.Line(strings.Join(w, ", "), sanitize.Screen))
		}
	}
	return m.st.pass.Render("✓ passed ") + when
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

// plural is n things: "1 connector", "10,000 connectors".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return num.Thousands(n) + " " + thing + "s"
}
