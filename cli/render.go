package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/paratira/mdeconnect/connector"

	"github.com/paratira/mdeconnect/internal/sanitize"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/paratira/mdeconnect/defender"
)

var (
	passStyle = lipgloss.NewStyle().Foreground(lipgloss.Color("2"))
	warnStyle = lipgloss.NewStyle().Foreground(lipgloss.Color("3"))
	failStyle = lipgloss.NewStyle().Foreground(lipgloss.Color("1"))
	dimStyle  = lipgloss.NewStyle().Foreground(lipgloss.Color("8"))
	boldStyle = lipgloss.NewStyle().Bold(true)
)

// colorWriter downsamples colours to what w supports: none when it is not a
// terminal or NO_COLOR is set.
func (a *app) colorWriter(w io.Writer) io.Writer {
	env := os.Environ()
	if a.getenv("NO_COLOR") != "" {
		env = append(env, "NO_COLOR=1")
	}
	return colorprofile.NewWriter(w, env)
}

// safe makes one line of text from outside (a server's reply, a file, a
// report, a name from the store) fit for a terminal: no control or escape
// characters, no bidi overrides, clipped to a screen line.
func safe(s string) string { return sanitize.Line(s, sanitize.Screen) }

// safeMessage is safe for a message or remedy, which may carry a link or an
// Entra ID error description: a few lines' worth.
func safeMessage(s string) string { return sanitize.Line(s, 4*sanitize.Screen) }

// statusMark is the symbol of a check status: ✓ pass, ! warn, ✗ fail, - skip.
func statusMark(s defender.Status) string {
	switch s {
	case defender.Pass:
		return passStyle.Render("✓")
	case defender.Warn:
		return warnStyle.Render("!")
	case defender.Fail:
		return failStyle.Render("✗")
	}
	return dimStyle.Render("-")
}

// renderResult prints a validation result for people.
func renderResult(w io.Writer, res defender.Result) {
	for _, t := range res.Tenants {
		name := safe(t.TenantID)
		if t.Customer != "" {
			name += " (" + safe(t.Customer) + ")"
		}
		verdict := passStyle.Render("ok")
		if !t.OK {
			verdict = failStyle.Render("failed")
		}
		fmt.Fprintf(w, "%s %s\n", boldStyle.Render("Tenant "+name), verdict)
		said := map[string]bool{}
		for _, c := range t.Checks {
			fmt.Fprintf(w, "  %s %-30s %s\n", statusMark(c.Status), c.ID.Title(), checkLine(c))
			// A remedy shared by several checks of a tenant is said once.
			if c.Remedy != "" && !said[c.Remedy] {
				said[c.Remedy] = true
				fmt.Fprintf(w, "      %s\n", dimStyle.Render("→ "+safeMessage(c.Remedy)))
			}
		}
	}
	summary := resultSummary(res)
	if res.OK {
		fmt.Fprintln(w, passStyle.Render(summary))
	} else {
		fmt.Fprintln(w, failStyle.Render(summary))
	}
}

// resultSummary is connector.Totals and how long the run took.
func resultSummary(res defender.Result) string {
	return connector.Totals(res.Tenants) + fmt.Sprintf(" · %.1f s", float64(res.DurationMS)/1000)
}

func checkLine(c defender.CheckResult) string {
	if c.Problem == "" {
		return safeMessage(c.Message)
	}
	return c.Problem.Title() + ": " + safeMessage(c.Message)
}
