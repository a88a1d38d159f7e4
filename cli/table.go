package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"charm.land/lipgloss/v2"
	"charm.land/lipgloss/v2/table"
	"github.com/charmbracelet/x/term"
)

// writeTable prints rows under headers, each column as wide as its widest
// cell on screen (a CJK character or an emoji takes two columns, an escape
// sequence none). With width > 0, the table is fitted to it, the widest
// columns clipped with "…"; with 0 (stdout is not a terminal) nothing is
// clipped, so a script reads every value whole. Cells must already be safe
// for a terminal. rightAlign names the columns of numbers.
func writeTable(w io.Writer, width int, headers []string, rows [][]string, rightAlign ...int) {
	t := table.New().Border(lipgloss.HiddenBorder()).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderHeader(false).BorderColumn(false).Wrap(false).
		Headers(headers...).Rows(rows...).
		StyleFunc(func(_, col int) lipgloss.Style {
			s := lipgloss.NewStyle()
			if col < len(headers)-1 {
				s = s.PaddingRight(2)
			}
			for _, c := range rightAlign {
				if c == col {
					s = s.Align(lipgloss.Right)
				}
			}
			return s
		})
	if width > 0 {
		t = t.Width(width).FitContent()
	}
	for line := range strings.SplitSeq(t.Render(), "\n") {
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

// screenWidth is the width tables fit: the terminal's when stdout is one,
// else 0 (no clipping).
func (a *app) screenWidth() int {
	if a.width != nil {
		return a.width()
	}
	f, ok := a.out.(*os.File)
	if !ok || !a.outTTY {
		return 0
	}
	w, _, err := term.GetSize(f.Fd())
	if err != nil || w <= 0 {
		return 0
	}
	return w
}
