package wizard

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/paratira/mdeconnect/defender"
)

// styles are the wizard's looks; colours are ANSI 16 so NO_COLOR and small
// palettes degrade cleanly (bubbletea downsamples to the terminal's profile).
type styles struct {
	title, header, dim, bold, sel, pass, warn, fail, key, badge, link lipgloss.Style
}

func newStyles() styles {
	c := lipgloss.Color
	return styles{
		title:  lipgloss.NewStyle().Bold(true),
		header: lipgloss.NewStyle().Foreground(c("6")).Bold(true),
		dim:    lipgloss.NewStyle().Foreground(c("8")),
		bold:   lipgloss.NewStyle().Bold(true),
		sel:    lipgloss.NewStyle().Foreground(c("5")).Bold(true),
		pass:   lipgloss.NewStyle().Foreground(c("2")),
		warn:   lipgloss.NewStyle().Foreground(c("3")),
		fail:   lipgloss.NewStyle().Foreground(c("1")),
		key:    lipgloss.NewStyle().Foreground(c("6")),
		badge:  lipgloss.NewStyle().Foreground(c("3")).Bold(true),
		link:   lipgloss.NewStyle().Foreground(c("4")).Underline(true),
	}
}

// mark is a check status's symbol: ✓ pass, ! warn, ✗ fail, - skip.
func (s styles) mark(st defender.Status) string {
	switch st {
	case defender.Pass:
		return s.pass.Render("✓")
	case defender.Warn:
		return s.warn.Render("!")
	case defender.Fail:
		return s.fail.Render("✗")
	}
	return s.dim.Render("-")
}

// cursor marks the selected row of a list.
func (s styles) cursor(on bool) string {
	if on {
		return s.sel.Render("› ")
	}
	return "  "
}

// wrap breaks text to width, hard-breaking words longer than a line (URLs).
func wrap(text string, width int) string {
	if width < 10 {
		width = 10
	}
	return ansi.Wrap(text, width, " /?&")
}

// clipLines keeps at most n lines, saying how many were cut.
func clipLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if n <= 0 || len(lines) <= n {
		return s
	}
	if n == 1 {
		return lines[0]
	}
	return strings.Join(lines[:n-1], "\n") + "\n… (" + strconv.Itoa(len(lines)-n+1) + " more lines: enlarge the window)"
}

// truncate shortens one line to width cells.
func truncate(s string, width int) string { return ansi.Truncate(s, max(width, 1), "…") }

// hang wraps text to width and indents every line by pad spaces.
func hang(text string, pad, width int) string {
	ind := strings.Repeat(" ", pad)
	return ind + strings.ReplaceAll(wrap(text, width-pad), "\n", "\n"+ind)
}

// hangAfter puts as many words of text as fit after first, and wraps the
// rest below it indented by pad.
func hangAfter(first, text string, pad, width int) string {
	words := strings.Fields(text)
	room := width - ansi.StringWidth(first)
	n, used := 0, 0
	for ; n < len(words); n++ {
		ww := ansi.StringWidth(words[n])
		if n > 0 {
			ww++
		}
		if used+ww > room {
			break
		}
		used += ww
	}
	if n == 0 && len(words) > 0 {
		if room >= 20 { // one long word (a URL): break it on the line
			return first + strings.TrimLeft(hang(text, pad, width), " ")
		}
		return strings.TrimRight(first, " ") + "\n" + hang(text, pad, width)
	}
	out := first + strings.Join(words[:n], " ")
	if n < len(words) {
		out += "\n" + hang(strings.Join(words[n:], " "), pad, width)
	}
	return out
}

// lines styles each line of s alone, so no line is padded to the longest.
func lines(st lipgloss.Style, s string) string {
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = st.Render(l)
	}
	return strings.Join(ls, "\n")
}
