package wizard

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/paratira/mdeconnect/defender/doctor"
)

// lookCloserLabel is the action as the accessible prompts offer it.
const lookCloserLabel = "Sign in as this tenant's admin to look closer (read-only)"

// doctorKeyMap is the keys of the screen from the tenant's side.
type doctorKeyMap struct {
	Up, Down, PageUp, PageDown, Copy, Again, Back, Cancel key.Binding
}

var doctorKeys = doctorKeyMap{
	Up:       bind("↑/↓", "scroll", "up", "k"),
	Down:     quiet("down", "j"),
	PageUp:   quiet("pgup"),
	PageDown: quiet("pgdown", "space"),
	Copy:     bind("c", "copy code", "c", "y"),
	Again:    bind("d", "sign in again", "d"),
	Back:     bind("esc", "back to the test", "esc"),
	Cancel:   bind("esc", "cancel the sign-in", "esc"),
}

// doctorActions are the keys of the tenant's side as it stands.
func (m *Model) doctorActions() []keyAction {
	k, d := doctorKeys, &m.doctor
	back := act(k.Back, func() tea.Cmd { d.close(); m.notice = ""; return nil })
	switch d.phase {
	case doctorSigningIn, doctorReading:
		cancel := act(k.Cancel, func() tea.Cmd {
			d.close()
			m.notice = "The admin sign-in was cancelled: nothing was read from the tenant."
			return nil
		})
		if c := m.copyAction(); c != nil {
			return []keyAction{*c, cancel}
		}
		return []keyAction{cancel}
	case doctorFailed:
		return append(m.fixActions(), act(k.Again, m.startDoctor), back)
	}
	var as []keyAction
	if m.doctorOverflows() {
		page := max(m.doctorRoom()-1, 1)
		as = append(as, act(k.Up, func() tea.Cmd { m.scrollDoctor(-1); return nil }),
			act(k.Down, func() tea.Cmd { m.scrollDoctor(1); return nil }),
			act(k.PageUp, func() tea.Cmd { m.scrollDoctor(-page); return nil }),
			act(k.PageDown, func() tea.Cmd { m.scrollDoctor(page); return nil }))
	}
	return append(append(as, m.fixActions()...), back)
}

// copyAction copies the device code, or the sign-in page's address.
func (m *Model) copyAction() *keyAction {
	d := &m.doctor
	b := doctorKeys.Copy
	switch {
	case d.code != nil:
		code := d.code.UserCode
		a := act(b, func() tea.Cmd {
			m.notice = "Copied the code " + code + " (if your terminal lets programs set the clipboard, OSC 52)."
			return tea.SetClipboard(code)
		})
		return &a
	case d.url != "":
		b.SetHelp("c", "copy link")
		u := d.url
		a := act(b, func() tea.Cmd {
			m.notice = "Copied the sign-in address (if your terminal lets programs set the clipboard, OSC 52)."
			return tea.SetClipboard(u)
		})
		return &a
	}
	return nil
}

// fixActions are the failed test's fixes by number, as on the test screen:
// the findings' remedies name them.
func (m *Model) fixActions() []keyAction {
	var as []keyAction
	for i, f := range m.fixes() {
		n := itoa(i + 1)
		as = append(as, act(bind(n, f.label, n), func() tea.Cmd { return m.applyFix(f) }))
	}
	return as
}

func (m *Model) updateDoctor(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		cmd, _ := press(k, m.doctorActions())
		return cmd
	}
	return nil
}

// viewDoctor is the tenant's side in w columns and h lines: the sign-in,
// the read, or the findings, whose lines scroll above the fixes.
func (m *Model) viewDoctor(w, h int) string {
	d := &m.doctor
	head := m.doctorHead(w)
	switch d.phase {
	case doctorSigningIn:
		return head + m.signInView(w)
	case doctorReading:
		return head + m.st.pass.Render("✓ ") + "Signed in as " + d.who + ".\n\n" +
			m.spin.View() + " Reading the tenant from Microsoft Graph (the enterprise application, its roles, consent, sign-ins) · esc cancels"
	case doctorFailed:
		return head + hangAfter(m.st.fail.Render("✗")+" ", m.doctorErrorText(d.err, d.tenant), 2, w) + "\n\n" +
			"Press d to sign in again, or esc to go back to the test's results."
	}
	body := m.doctorBody(w)
	foot := m.doctorFoot(w)
	room := m.doctorRoomIn(h, head, foot)
	ls := strings.Split(body, "\n")
	if len(ls) > room {
		d.offset = min(max(d.offset, 0), len(ls)-room+1)
		end := min(d.offset+room-1, len(ls))
		ls = append(ls[d.offset:end], m.st.dim.Render(fmt.Sprintf("lines %d-%d of %d (↑/↓ scroll)", d.offset+1, end, len(ls))))
	}
	return head + strings.Join(ls, "\n") + "\n\n" + foot
}

// doctorHead is the screen's title, wrapped to w, and a blank line.
func (m *Model) doctorHead(w int) string {
	return wrap(m.st.title.Render("Tenant "+m.doctor.tenant)+m.st.dim.Render(" · from its admin's side, read-only"), w) + "\n\n"
}

// signInView says how the admin signs in: the code and its page, or the
// browser's page, whose long address comes last so a short window cuts it
// and not the wait (c copies it whole).
func (m *Model) signInView(w int) string {
	d := &m.doctor
	var b strings.Builder
	b.WriteString(wrap("Sign in as an administrator of the tenant to read it (read-only: "+strings.Join(doctor.DelegatedScopes(), ", ")+
		"). Nothing is written to the tenant, and the token stays in memory.", w) + "\n\n")
	wait := m.spin.View() + " Waiting for the sign-in · esc cancels"
	switch {
	case d.code != nil:
		if d.why != "" {
			b.WriteString(hangAfter(m.st.warn.Render("!")+" ", d.why+" Sign in with a code on any device instead.", 2, w) + "\n")
		}
		b.WriteString("First copy your one-time code: " + m.st.bold.Render(d.code.UserCode) + " (c copies it)\n")
		b.WriteString(wrap("Then open "+d.code.VerificationURL+" and sign in as an administrator of the tenant.", w) + "\n")
		if !d.code.ExpiresOn.IsZero() {
			b.WriteString(m.st.dim.Render("The code expires at "+d.code.ExpiresOn.Local().Format("15:04")+".") + "\n")
		}
		b.WriteString("\n" + wait)
	case d.url != "":
		b.WriteString(m.spin.View() + " Waiting for the sign-in in your browser · esc cancels\n\n")
		b.WriteString(wrap("If the sign-in page did not open, visit this address (c copies it):", w) + "\n")
		b.WriteString(m.urlRows(d.url, "mdeconnect-signin", w))
	default:
		b.WriteString(m.spin.View() + " Starting the sign-in · esc cancels")
	}
	return b.String()
}

// doctorBody is the findings, each beside the failed checks it explains,
// then the sections Graph would not give and the checks nothing explains.
func (m *Model) doctorBody(w int) string {
	d := &m.doctor
	r := d.report
	var out []string
	who := "Signed in as " + doctorClean(r.SignedInAs) + "; read " + r.ReadAt.UTC().Format("2006-01-02 15:04 UTC") + ". Nothing was written to the tenant."
	out = append(out, lines(m.st.dim, wrap(who, w)), "")
	for _, it := range m.doctorItems(r, d.tenant) {
		out = append(out, hangAfter(m.st.mark(it.status)+" ", it.text, 2, w))
		for _, e := range it.explains {
			out = append(out, hangAfter("    explains "+m.st.mark(e.status)+" ", e.text, 6, w))
		}
		if it.remedy != "" {
			out = append(out, lines(m.st.dim, hang("→ "+it.remedy, 4, w)))
		}
	}
	return strings.Join(out, "\n")
}

// doctorFoot is what to do next: the fixes by number, or esc.
func (m *Model) doctorFoot(w int) string {
	var offers []string
	for i, f := range m.fixes() {
		offers = append(offers, m.st.key.Render(itoa(i+1))+" "+f.label)
	}
	if len(offers) == 0 {
		return wrap("Press esc to go back to the test's results.", w)
	}
	return wrap("Fix it: "+strings.Join(offers, " · ")+"; then it tests again. Or esc back to the test's results.", w)
}

// doctorRoomIn is how many lines of findings fit in h beside head and foot.
func (m *Model) doctorRoomIn(h int, head, foot string) int {
	return max(h-strings.Count(head, "\n")-strings.Count(foot, "\n")-2, 2)
}

// doctorSize is the room render gives the findings (as render and
// stepView work it out) with the help line of their fixes and esc: the
// scroll keys join it only when the findings overflow that room, and then
// they still do.
func (m *Model) doctorSize() (w, h int) {
	w = max(m.width, 20)
	help := m.helpOf(helpEntries(append(bindings(m.fixActions()), doctorKeys.Back, keyQuit)), w)
	if m.height < 12 {
		help = "\n"
	}
	h = m.height - lipgloss.Height(m.headerView(w)) - lipgloss.Height(help) - 2
	if m.notice != "" {
		h -= lipgloss.Height(wrap(m.notice, w)) + 1
	}
	return w, max(h, 1)
}

// doctorRoom is how many lines of findings fit now.
func (m *Model) doctorRoom() int {
	w, h := m.doctorSize()
	return m.doctorRoomIn(h, m.doctorHead(w), m.doctorFoot(w))
}

// doctorOverflows says the findings are longer than their room.
func (m *Model) doctorOverflows() bool {
	if m.doctor.phase != doctorDone || m.doctor.report == nil {
		return false
	}
	w, _ := m.doctorSize()
	return strings.Count(m.doctorBody(w), "\n")+1 > m.doctorRoom()
}

// scrollDoctor moves the findings by lines; the view keeps them in range.
func (m *Model) scrollDoctor(by int) {
	w, _ := m.doctorSize()
	n := strings.Count(m.doctorBody(w), "\n") + 1
	m.doctor.offset = min(max(m.doctor.offset+by, 0), max(n-m.doctorRoom()+1, 0))
}
