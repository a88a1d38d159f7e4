package wizard

import (
	"strings"
	"unicode/utf8"

	"github.com/paratira/mdeconnect/internal/sanitize"
)

// The list of step 1 as state alone: which rows the filter keeps, where
// the cursor is, and which rows the window shows.

// current is the name of the connector under the cursor; "" on "Add".
func (c *connectorsState) current() string {
	if c.cursor < 1 || c.cursor > len(c.shown) {
		return ""
	}
	return c.rows[c.shown[c.cursor-1]].Name
}

// refilter keeps the rows whose name holds the filter, ignoring case.
func (c *connectorsState) refilter() {
	c.shown = c.shown[:0]
	if c.filter == "" {
		for i := range c.rows {
			c.shown = append(c.shown, i)
		}
		return
	}
	if c.lower == nil {
		c.lower = make([]string, len(c.rows))
		for i, r := range c.rows {
			c.lower[i] = strings.ToLower(r.Name)
		}
	}
	f := strings.ToLower(c.filter)
	for i, l := range c.lower {
		if strings.Contains(l, f) {
			c.shown = append(c.shown, i)
		}
	}
}

// setFilter filters with text and puts the cursor on the first match.
func (c *connectorsState) setFilter(text string) {
	c.filter = text
	c.refilter()
	c.cursor, c.top = min(1, len(c.shown)), 0
}

// clearFilter shows every row again, the cursor on the connector it was on
// in the middle of a window of rows lines.
func (c *connectorsState) clearFilter(rows int) {
	at := -1
	if c.cursor > 0 {
		at = c.shown[c.cursor-1]
	}
	c.filter, c.filtering = "", false
	c.refilter()
	c.cursor = at + 1 // shown is every row: row i is at cursor i+1
	c.top = max(at-rows/2, 0)
}

// typeFilter adds typed or pasted text to the filter, as one inert line.
func (c *connectorsState) typeFilter(text string) {
	text = strings.ReplaceAll(sanitize.Line(text, sanitize.MaxName), "\t", " ")
	if utf8.RuneCountInString(c.filter+text) > sanitize.MaxName {
		return
	}
	c.setFilter(c.filter + text)
}

// eraseFilter takes back the filter's last character; on an empty filter
// it closes the filter line.
func (c *connectorsState) eraseFilter() {
	if c.filter == "" {
		c.filtering = false
		return
	}
	_, n := utf8.DecodeLastRuneInString(c.filter)
	c.setFilter(c.filter[:len(c.filter)-n])
}

// moveTo puts the cursor on i, within "Add" and the last row shown.
func (c *connectorsState) moveTo(i int) { c.cursor = max(0, min(i, len(c.shown))) }

// scrolled is the first row to draw in a window of rows lines so that the
// cursor's row is in it, moving the window as little as it can.
func (c *connectorsState) scrolled(rows int) int {
	if c.cursor == 0 {
		return 0 // on "Add", above the rows: the list from its start
	}
	rows = max(rows, 1)
	top := max(0, min(c.top, len(c.shown)-rows))
	i := c.cursor - 1
	return max(min(top, i), i-rows+1)
}
