package cli

import (
	"bufio"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// writeTable prints rows under headers, each column as wide as its widest
// cell on screen (a CJK character or an emoji takes two columns, an escape
// sequence none). With width > 0, the table is fitted to it, the widest
// columns clipped with "…"; with 0 (stdout is not a terminal) nothing is
// clipped, so a script reads every value whole. Cells must already be safe
// for a terminal. rightAlign names the columns of numbers.
//
// It lays the table out itself: lipgloss's table styled every cell of
// every row, and `list` of 10,000 connectors took 400 ms to print.
func writeTable(w io.Writer, width int, headers []string, rows [][]string, rightAlign ...int) {
	const gap = 2
	all := append([][]string{headers}, rows...)
	widths := make([]int, len(headers))
	cells := make([][]int, len(all)) // each cell's width on screen
	for r, row := range all {
		cells[r] = make([]int, len(headers))
		for c := range min(len(row), len(headers)) {
			cells[r][c] = ansi.StringWidth(row[c])
			widths[c] = max(widths[c], cells[r][c])
		}
	}
	if width > 0 {
		// Clip the widest column a column at a time until the table fits.
		total := gap * (len(widths) - 1)
		for _, cw := range widths {
			total += cw
		}
		for ; total > width; total-- {
			widest := 0
			for c, cw := range widths {
				if cw > widths[widest] {
					widest = c
				}
			}
			if widths[widest] <= 1 {
				break
			}
			widths[widest]--
		}
	}
	right := make([]bool, len(headers))
	for _, c := range rightAlign {
		if c >= 0 && c < len(right) {
			right[c] = true
		}
	}
	bw := bufio.NewWriter(w)
	var line strings.Builder
	for r, row := range all {
		line.Reset()
		for c, cw := range widths {
			cell, n := "", 0
			if c < len(row) {
				cell, n = row[c], cells[r][c]
			}
			if n > cw {
				cell, n = ansi.Truncate(cell, cw, "…"), cw
			}
			pad := strings.Repeat(" ", cw-n)
			if right[c] {
				line.WriteString(pad + cell)
			} else {
				line.WriteString(cell + pad)
			}
			if c < len(widths)-1 {
				line.WriteString("  ")
			}
		}
		bw.WriteString(strings.TrimRight(line.String(), " "))
		bw.WriteByte('\n')
	}
	_ = bw.Flush()
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
