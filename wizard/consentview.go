package wizard

import (
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/internal/sanitize"
)

// approverShort is problem.ApproverRoles for a window too short for it.
const approverShort = "The Microsoft Graph permission needs a Global Administrator or Privileged Role Administrator."

// viewConsent fits in h lines. The link and the result come first: when the
// window is short the explanation gets shorter, never the link.
func (m *Model) viewConsent(w, h int) string {
	c := m.consent
	title := m.st.title.Render("Grant admin consent to Paratira")
	intro := "An administrator of the tenant signs in and clicks Accept. Paratira asks for these application permissions, all read-only:"
	var perms []string
	for _, p := range permissionsByAPI(false) {
		api, names, _ := strings.Cut(p, ": ")
		perms = append(perms, hangAfter("  "+m.st.bold.Render(api)+": ", names, 4, w))
	}
	label := "Consent link"
	if m.opts.Hyperlinks {
		label = m.st.link.Hyperlink(c.url).Render("Open the consent page")
	}
	label += " (send it to the customer's admin if that is not you):"
	tail := m.consentStatus(w)
	if c.pasting {
		tail += "\n\nPaste the address the browser shows after Accept:\n" + c.paste.View()
	}
	about := []string{intro, strings.Join(perms, "\n"), problem.ApproverRoles}
	gap := ""
	view := func() string {
		parts := append([]string{title}, about...)
		return strings.Join(append(parts, gap, label, m.linkRows(w), gap, tail), "\n")
	}
	fits := func() bool { return lipgloss.Height(wrap(view(), w)) <= h }
	if !fits() {
		about[2] = approverShort
	}
	if !fits() {
		about = []string{"An admin of the tenant must click Accept: read-only permissions to the Defender for Endpoint API and " +
			"Microsoft Graph, whose permission needs a Global Administrator or Privileged Role Administrator."}
	}
	if !fits() {
		about, label = []string{"An admin of the tenant must click Accept (read-only permissions)."}, "Consent link:"
	}
	if !fits() {
		about = nil
	}
	if !fits() {
		view = func() string { return strings.Join([]string{title, label, m.linkRows(w), tail}, "\n") }
	}
	return strings.TrimRight(view(), "\n")
}

// linkRows is the link cut into rows of w cells: a full-screen view cannot
// let the terminal wrap it. Each row is the whole link where the terminal
// renders OSC 8, and l prints it as one line to copy with the mouse.
func (m *Model) linkRows(w int) string { return m.urlRows(m.consent.url, "mdeconnect-consent", w) }

// urlRows is link cut into rows of w cells, each an OSC 8 link (named id)
// to all of it where the terminal renders them.
func (m *Model) urlRows(link, id string, w int) string {
	url := link
	var rows []string
	for len(url) > 0 {
		n := min(len(url), max(w, 10))
		row := url[:n]
		if m.opts.Hyperlinks {
			row = ansi.SetHyperlink(link, "id="+id) + row + ansi.ResetHyperlink()
		}
		rows, url = append(rows, row), url[n:]
	}
	return strings.Join(rows, "\n")
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
		head, remedy := "✗ Consent rejected:", ""
		if p := c.result.Problem; p != "" {
			head, remedy = "✗ "+p.Title()+":", p.Remedy()
		}
		out := hangAfter(m.st.fail.Render(head)+" ", rejectReason(reply{res: *c.result}), 2, w)
		if remedy != "" {
			out += "\n" + hang(remedy, 2, w)
		}
		return out + "\n" + hang("The link above is a new request: approve it again when the cause is fixed.", 2, w)
	case c.err != nil:
		return hangAfter(m.st.fail.Render("✗")+" ", sanitize.Line(c.err.Error(), sanitize.Screen), 2, w)
	case c.headless != "":
		return hangAfter(m.st.warn.Render("!")+" ", c.headless+" Open the link on any computer (l shows it as one line to copy). "+
			"After Accept, that browser lands on a localhost address that fails to load: "+
			"copy that address from its address bar, come back and press p to paste it.", 2, w)
	case c.listenErr != nil:
		return hangAfter(m.st.warn.Render("!")+" ", c.listenErr.Error(), 2, w)
	case c.listener != nil:
		s := "Waiting for the admin to click Accept: the browser then brings the result back to " + m.opts.RedirectURI
		if d := m.opts.Now().Sub(c.since); d >= time.Second {
			s += " · waiting " + clock(d)
		}
		return hangAfter(m.spin.View()+" ", s+" · s goes on without consent for now.", 2, w)
	}
	return ""
}
