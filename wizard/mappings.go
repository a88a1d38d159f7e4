package wizard

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/paratira/mdeconnect/connector"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/store"
)

// tableRows is how many mappings the one-to-many table shows at once.
const tableRows = 5

// addMapping adds the typed tenant and customer. One to One keeps one
// mapping. A tenant already mapped is refused here, by its GUID when its
// domain is known; a domain not yet known is looked up (the command).
func (m *Model) addMapping() (tea.Cmd, error) {
	d := &m.details
	mp, err := m.parseMapping(d.tenant.Value(), d.cust.Value())
	if err != nil {
		return nil, err
	}
	switch {
	case m.draft.Mode == store.OneToOne:
		m.draft.Mappings = []store.Mapping{mp}
	case d.editingRow > 0 && d.editingRow <= len(m.draft.Mappings):
		i := d.editingRow - 1
		next := slices.Clone(m.draft.Mappings)
		next[i] = mp
		if err := connector.CheckDuplicates(next); err != nil {
			return nil, err
		}
		m.draft.Mappings, d.row, d.editingRow = next, i, 0
		m.scrollToRow()
	default:
		if m.draft.Mappings, err = connector.Add(m.draft.Mappings, mp); err != nil {
			return nil, err
		}
		d.row = len(m.draft.Mappings) - 1
		m.scrollToRow()
	}
	d.tenant.SetValue("")
	d.cust.SetValue("")
	return m.resolveMapping(mp), nil
}

func (m *Model) importCSV(path string) error {
	path = strings.TrimSpace(path)
	if path == "" {
		return fmt.Errorf("type the path of a CSV file with tenant,customer lines")
	}
	if rest, ok := strings.CutPrefix(path, "~"); ok && (rest == "" || rest[0] == '/') {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, rest)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	list, err := connector.ParseMappingsCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w; nothing was imported", path, err)
	}
	all := append(m.draft.Mappings[:len(m.draft.Mappings):len(m.draft.Mappings)], list...)
	if err := connector.CheckDuplicates(all); err != nil {
		return fmt.Errorf("%s: %w; nothing was imported", path, err)
	}
	m.draft.Mappings = all
	m.details.csv.SetValue("")
	m.notice = m.st.pass.Render("✓ ") + fmt.Sprintf("Imported %d mappings from %s.", len(list), path)
	return nil
}

func (m *Model) moveRow(delta int) {
	d := &m.details
	d.row = min(max(d.row+delta, 0), max(len(m.draft.Mappings)-1, 0))
	m.scrollToRow()
}

func (m *Model) scrollToRow() {
	d := &m.details
	if d.row < d.offset {
		d.offset = d.row
	}
	if d.row >= d.offset+tableRows {
		d.offset = d.row - tableRows + 1
	}
}

// editRow puts a row in the tenant and customer fields; enter on the
// customer puts it back in its place (d.editRow).
func (m *Model) editRow() tea.Cmd {
	d := &m.details
	if d.row >= len(m.draft.Mappings) {
		return nil
	}
	mp := m.draft.Mappings[d.row]
	d.editingRow = d.row + 1
	d.tenant.SetValue(cmpOr(mp.Domain, mp.TenantID))
	d.cust.SetValue(mp.CustomerName)
	return m.focusField(fCustomer)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// removeRow removes the selected row; u puts it back.
func (m *Model) removeRow() {
	d := &m.details
	if d.row >= len(m.draft.Mappings) {
		return
	}
	mp := m.draft.Mappings[d.row]
	d.removed = &removedRow{mp: mp, at: d.row}
	m.draft.Mappings = append(m.draft.Mappings[:d.row:d.row], m.draft.Mappings[d.row+1:]...)
	m.notice = "Removed " + mp.TenantID + " → " + mp.CustomerName + ": press u (or ctrl+z) to undo."
	m.moveRow(0)
	if len(m.draft.Mappings) == 0 && d.focus == fTable {
		d.focus = fTenant
		m.focusField(fTenant)
	}
}

// undoRemove puts the last removed row back where it was.
func (m *Model) undoRemove() {
	d := &m.details
	r := d.removed
	if r == nil {
		return
	}
	d.removed = nil
	at := min(r.at, len(m.draft.Mappings))
	next := slices.Insert(slices.Clone(m.draft.Mappings), at, r.mp)
	if err := connector.CheckDuplicates(next); err != nil {
		d.err = err
		return
	}
	m.draft.Mappings, d.row = next, at
	m.notice = "Restored " + r.mp.TenantID + " → " + r.mp.CustomerName + "."
	m.scrollToRow()
}

// detailsKeyMap is step 5's keys; the rest go to the focused field.
type detailsKeyMap struct {
	Enter, Next, Prev, Test, Undo, Back   key.Binding
	RowUp, RowDown, Edit, Remove, Restore key.Binding
}

var detailsKeys = detailsKeyMap{
	Enter:   bind("tab/enter", "next", "enter"),
	Next:    bind("tab", "next", "tab", "down"),
	Prev:    bind("shift+tab", "previous", "shift+tab", "up"),
	Test:    bind("ctrl+t", "test", "ctrl+t"),
	Undo:    quiet("ctrl+z"),
	Back:    bind("esc", "back", "esc"),
	RowUp:   bind("↑/↓", "row", "up"),
	RowDown: quiet("down"),
	Edit:    bind("e", "edit", "e"),
	Remove:  bind("d", "remove", "d", "delete", "backspace", "x"),
	Restore: quiet("u"),
}

// detailsActions are the keys of the focused field, in the help line's order.
func (m *Model) detailsActions() []keyAction {
	k, d := detailsKeys, &m.details
	enter := func(help, does string) keyAction {
		b := k.Enter
		b.SetHelp(help, does)
		return act(b, m.detailsEnter)
	}
	next := act(k.Next, func() tea.Cmd { return m.moveFocus(1) })
	quietNext := act(quiet("tab", "down"), next.do)
	prev := act(k.Prev, func() tea.Cmd { return m.moveFocus(-1) })
	quietPrev := act(quiet("shift+tab", "up"), prev.do)
	test, undo := act(k.Test, m.toTest), act(k.Undo, func() tea.Cmd { m.undoRemove(); return nil })
	quietTest := act(quiet("ctrl+t"), m.toTest)
	back := act(k.Back, func() tea.Cmd { m.syncDraft(); return m.setStep(StepTenant) })
	if f := m.fixing; f != nil && f.kind == fixSecret && d.focus == fSecret {
		return []keyAction{enter("enter", "test again"), next, quietPrev, quietTest, undo, back}
	}
	switch d.focus {
	case fCustomer:
		return []keyAction{enter("enter", "add mapping"), next, quietPrev, test, undo, back}
	case fTable:
		return []keyAction{
			act(k.RowUp, func() tea.Cmd { m.moveRow(-1); return nil }),
			act(k.RowDown, func() tea.Cmd { m.moveRow(1); return nil }),
			act(k.Edit, m.editRow), act(k.Remove, func() tea.Cmd { m.removeRow(); return nil }),
			next, quietPrev, enter("", ""), act(k.Restore, undo.do), undo, quietTest, back}
	case fTest:
		p := prev
		p.SetHelp("shift+tab", "back to fields")
		return []keyAction{enter("enter", "test connection"), p, quietNext, quietTest, undo, back}
	case fCSV:
		return []keyAction{enter("enter", "import"), next, quietPrev, quietTest, undo, back}
	}
	return []keyAction{enter("tab/enter", "next"), prev, quietNext, test, undo, back}
}

func (m *Model) viewDetails(w int) string {
	d := m.details
	var b strings.Builder
	b.WriteString(m.st.title.Render("Enter the details") + "\n")
	for _, f := range []field{fName, fClientID, fSecret} {
		b.WriteString(m.st.cursor(d.focus == f) + d.input(f).View() + "\n")
		if f == fName && d.nameErr != nil {
			b.WriteString(hangAfter("    "+m.st.fail.Render("✗")+" ", d.nameErr.Error(), 6, w) + "\n")
		}
	}
	switch {
	case connector.SecretLooksLikeID(m.draft.Secret):
		b.WriteString(lines(m.st.warn, hangAfter("  ! ", "This looks like the secret's ID (a GUID), not its value: paste the value.", 4, w)) + "\n")
	case m.opts.Sandbox != nil && m.draft.Secret == m.opts.Sandbox.ClientSecret:
		b.WriteString(lines(m.st.dim, hang("Prefilled with the sandbox's own client secret.", 4, w)) + "\n")
	}
	b.WriteString("\n" + m.st.title.Render("Mapping") + m.st.dim.Render(" · "+m.modeName()) + "\n")
	b.WriteString(m.st.cursor(d.focus == fTenant) + d.tenant.View() + "\n" + m.st.cursor(d.focus == fCustomer) + d.cust.View() + "\n")
	if m.draft.Mode == store.OneToMany {
		b.WriteString(m.st.cursor(d.focus == fCSV) + d.csv.View() + "\n")
	}
	b.WriteString(m.mappingsView(w))
	button := "[ Test connection ]"
	if d.focus == fTest {
		button = m.st.sel.Render("› " + button)
	} else {
		button = "  " + button
	}
	b.WriteString("\n" + button)
	if d.err != nil {
		b.WriteString("\n" + hangAfter(m.st.fail.Render("✗ "), d.err.Error(), 2, w))
	}
	return b.String()
}

func (m *Model) modeName() string {
	for _, mc := range modeChoices {
		if mc.mode == m.draft.Mode {
			return mc.name
		}
	}
	return string(m.draft.Mode)
}

func (m *Model) mappingsView(w int) string {
	d := m.details
	maps := m.draft.Mappings
	if len(maps) == 0 {
		return lines(m.st.dim, hang("No mapping yet: type the tenant and customer, then enter to add.", 4, w)) + "\n"
	}
	var b strings.Builder
	end := min(d.offset+tableRows, len(maps))
	b.WriteString(m.st.dim.Render(truncate(fmt.Sprintf("    %-38s %s  (%d-%d of %d)", "TENANT", "CUSTOMER", d.offset+1, end, len(maps)), w)) + "\n")
	for i := d.offset; i < end; i++ {
		line := truncate(fmt.Sprintf("%-38s %s", maps[i].TenantID, maps[i].CustomerName), w-2)
		b.WriteString("  " + m.st.cursor(d.focus == fTable && i == d.row) + line + "\n")
	}
	return b.String()
}

// removedRow is the last mapping removed, for undo.
type removedRow struct {
	mp store.Mapping
	at int
}
