package wizard

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// fleetList is n saved connectors named "Customer 00000" on, each of one
// tenant and a passed test.
func fleetList(n int) []store.Connector {
	out := make([]store.Connector, n)
	for i := range out {
		out[i] = store.Connector{Name: fmt.Sprintf("Customer %05d", i), Mode: store.OneToOne,
			Mappings:       []store.Mapping{{TenantID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), CustomerName: "C"}},
			LastValidation: &store.Validation{At: fixedNow, OK: true}}
	}
	return out
}

// fleetModel is a wizard at step 1 over n saved connectors, at w x h.
func fleetModel(t *testing.T, n, w, h int) (*Model, *memStore) {
	t.Helper()
	st := &memStore{list: fleetList(n), secrets: map[string]string{}}
	for _, c := range st.list {
		st.secrets[c.Name] = "s3cr3t"
	}
	m := newTestModel(t, st)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, st
}

// screenLines is the screen without styles, one string a line.
func screenLines(m *Model) []string { return strings.Split(ansi.Strip(m.render()), "\n") }

// selected is the name on the line the cursor marks; "" when none is.
func selected(m *Model) string {
	for _, l := range screenLines(m) {
		if rest, ok := strings.CutPrefix(l, "› "); ok {
			return strings.TrimSpace(strings.SplitN(rest, "  ", 2)[0])
		}
	}
	return ""
}

// rowsDrawn counts the lines that draw a connector.
func rowsDrawn(m *Model) int {
	n := 0
	for _, l := range screenLines(m) {
		if strings.HasPrefix(l, "  Customer ") || strings.HasPrefix(l, "› Customer ") {
			n++
		}
	}
	return n
}

func TestConnectorsDrawOnlyTheWindow(t *testing.T) {
	// rows is how many fit with step 1's help line; the filter's differs,
	// and so may the rows it leaves.
	for _, size := range []struct{ w, h, rows int }{
		{80, 24, 13}, {60, 20, 8}, {120, 50, 39}, {40, 12, 4}, {30, 8, 2},
	} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			m, _ := fleetModel(t, 10000, size.w, size.h)
			for _, keys := range [][]any{nil, {keyOf(tea.KeyEnd)}, {"/", "Customer 0"}} {
				send(m, keys...)
				lines := screenLines(m)
				s := strings.Join(lines, "\n")
				// render leaves the last line free; a fuller body is clipped.
				if len(lines) != size.h-1 || strings.Contains(s, "more lines") {
					t.Errorf("after %v: %d lines in a window of %d:\n%s", keys, len(lines), size.h, s)
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w > size.w {
						t.Errorf("line %d is %d cells wide: %q", i+1, w, l)
					}
				}
				if got := rowsDrawn(m); (len(keys) < 2 && got != size.rows) || got < 1 {
					t.Errorf("after %v: %d rows drawn, want %d:\n%s", keys, got, size.rows, s)
				}
				if selected(m) == "" {
					t.Errorf("after %v: the cursor's row is not drawn:\n%s", keys, s)
				}
			}
		})
	}
}

func TestConnectorsScroll(t *testing.T) {
	downs := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = "down"
		}
		return out
	}
	tests := []struct {
		name   string
		keys   []any
		want   string // the selected row
		hidden string // a row not drawn; "" for none
		status string
	}{
		{"down past row 19", downs(30), "Customer 00029", "Customer 00000", "18–30 of 10,000"},
		{"j moves too", []any{"j", "j", "j"}, "Customer 00002", "", "1–13 of 10,000"},
		{"a page down", []any{"down", keyOf(tea.KeyPgDown)}, "Customer 00013", "Customer 00000", "2–14 of 10,000"},
		{"end", []any{keyOf(tea.KeyEnd)}, "Customer 09999", "Customer 09986", "9,988–10,000 of 10,000"},
		{"up from the end", []any{keyOf(tea.KeyEnd), "up", "k"}, "Customer 09997", "", "9,988–10,000 of 10,000"},
		{"page up from the end", []any{keyOf(tea.KeyEnd), keyOf(tea.KeyPgUp)}, "Customer 09986", "Customer 09999", "9,987–9,999 of 10,000"},
		{"home is Add", append(downs(40), keyOf(tea.KeyHome)), "+ Add a new connector", "Customer 00013", "1–13 of 10,000"},
		{"down stops at the end", []any{keyOf(tea.KeyEnd), "down", "down"}, "Customer 09999", "", "9,988–10,000 of 10,000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := fleetModel(t, 10000, 80, 24)
			send(m, tt.keys...)
			if got := selected(m); got != tt.want {
				t.Errorf("selected %q, want %q\n%s", got, tt.want, ansi.Strip(m.render()))
			}
			s := ansi.Strip(m.render())
			if tt.hidden != "" && strings.Contains(s, tt.hidden) {
				t.Errorf("%s is drawn:\n%s", tt.hidden, s)
			}
			if !strings.Contains(s, "  "+tt.status+"\n") {
				t.Errorf("no status %q:\n%s", tt.status, s)
			}
		})
	}
}

func TestConnectorsFilter(t *testing.T) {
	tests := []struct {
		name    string
		keys    []any
		want    string // the selected row
		rows    int
		status  string
		quitted bool
	}{
		{"slash then text narrows", []any{"/", "0734"}, "Customer 00734", 11, "/ 0734█  11 of 10,000 match · esc clears the filter", false},
		{"any case", []any{"/", "customer 0734"}, "Customer 07340", 10, "10 of 10,000 match", false},
		{"letters are text, not keys", []any{"/", "jkq"}, "+ Add a new connector", 0, "0 of 10,000 match", false},
		{"arrows move in the matches", []any{"/", "0734", "down", "down"}, "Customer 07341", 11, "11 of 10,000 match", false},
		{"backspace widens", []any{"/", "07349", keyOf(tea.KeyBackspace)}, "Customer 00734", 11, "11 of 10,000 match", false},
		{"a paste is typed", []any{"/", tea.PasteMsg{Content: "07\x1b\u202e34"}}, "Customer 00734", 11, "/ 0734█  11 of", false},
		{"many matches scroll", []any{"/", "Customer 0", "down"}, "Customer 00001", 13, "10,000 of 10,000 match, 1–13 shown", false},
		{"esc clears and keeps the row", []any{"/", "0734", "down", "esc"}, "Customer 07340", 13, "7,335–7,347 of 10,000", false},
		{"backspace on nothing closes the filter", []any{"/", keyOf(tea.KeyBackspace), "j"}, "Customer 00000", 13, "1–13 of 10,000", false},
		{"esc after the filter quits", []any{"/", "0734", "esc", "esc"}, "Customer 07340", 13, "of 10,000", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := fleetModel(t, 10000, 80, 24)
			send(m, tt.keys...)
			if m.cancelled != tt.quitted {
				t.Fatalf("cancelled %v, want %v", m.cancelled, tt.quitted)
			}
			if tt.quitted {
				return // the screen is gone
			}
			if got := selected(m); got != tt.want {
				t.Errorf("selected %q, want %q", got, tt.want)
			}
			s := ansi.Strip(m.render())
			if got := rowsDrawn(m); got != tt.rows {
				t.Errorf("%d rows drawn, want %d:\n%s", got, tt.rows, s)
			}
			if !strings.Contains(s, tt.status) {
				t.Errorf("no %q in:\n%s", tt.status, s)
			}
			if strings.Contains(m.render(), "\x1b[2J") {
				t.Error("a pasted escape sequence reached the screen")
			}
		})
	}
}

func TestConnectorsFilteredRowEdits(t *testing.T) {
	m, _ := fleetModel(t, 10000, 80, 24)
	send(m, "/", "07342")
	_, cmd := m.Update(keyPress("enter"))
	if cmd == nil {
		t.Fatal("enter read nothing")
	}
	_, cmd = m.Update(cmd()) // the connector, read with Get
	if cmd == nil {
		t.Fatalf("no secret read; notice %q", m.notice)
	}
	m.Update(cmd()) // its secret
	if m.Step() != StepDetails || m.editing == nil || m.draft.Name != "Customer 07342" || m.draft.Secret != "s3cr3t" {
		t.Fatalf("step %s, editing %v, draft %q", m.Step(), m.editing, m.draft.Name)
	}
}

func TestConnectorsEditReadFails(t *testing.T) {
	m, st := fleetModel(t, 3, 80, 24)
	send(m, "down", "down")
	_, cmd := m.Update(keyPress("enter"))
	st.list = st.list[:1] // removed by another process meanwhile
	m.Update(cmd())
	if m.Step() != StepConnectors || !strings.Contains(ansi.Strip(m.render()), `Cannot read connector "Customer 00001"`) {
		t.Fatalf("step %s:\n%s", m.Step(), ansi.Strip(m.render()))
	}
	if _, cmd := m.Update(keyPress("enter")); cmd == nil {
		t.Error("a failed read leaves the row unopenable")
	}
}

func TestConnectorsRowsBeforeRecords(t *testing.T) {
	list := fleetList(3)
	list[1].LastValidation = &store.Validation{At: fixedNow, OK: true, Tenants: []store.TenantValidation{{
		Checks: []store.Check{{ID: string(defender.CheckSensorHealth), Status: string(defender.Warn)}}}}}
	list[2].LastValidation = nil
	st := &memStore{list: list}
	m := New(Options{Store: st})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 24})
	sums, _ := st.Summaries()
	m.Update(summariesMsg{seq: m.connectors.seq, list: sums})
	s := ansi.Strip(m.render())
	for _, want := range []string{"Customer 00000                   1        ✓ passed 2026-11-27 09:30",
		"Customer 00001                   1        ✓ passed", "Customer 00002                   1        never", "3 connectors"} {
		if !strings.Contains(s, want) {
			t.Errorf("before the records, no %q in:\n%s", want, s)
		}
	}
	m.Update(connectorsMsg{list: list})
	if s := ansi.Strip(m.render()); !strings.Contains(s, "⚠ passed 2026-11-27 09:30 "+defender.CheckSensorHealth.Title()) {
		t.Errorf("the records did not add the warning:\n%s", s)
	}
	m.Update(connectorsMsg{err: errors.New("connectors.json: damaged\x1b[2J")})
	if s := m.render(); !strings.Contains(ansi.Strip(s), "Cannot read every connector in full: connectors.json: damaged") || strings.Contains(s, "\x1b[2J") {
		t.Errorf("the failed read is not said, or not inert:\n%s", s)
	}
}

func TestConnectorsHostileNames(t *testing.T) {
	st := &memStore{list: []store.Connector{{Name: "evil\x1b]0;owned\x07\x1b[2J\u202eeman\ttab"}, {Name: "ok"}}}
	m := newTestModel(t, st)
	send(m, "down")
	s := m.render()
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\u202e", "\x07", "\t"} {
		if strings.Contains(s, bad) {
			t.Errorf("the screen holds %q", bad)
		}
	}
	if !strings.Contains(ansi.Strip(s), "› evil]0;owned[2Jeman tab") {
		t.Errorf("the name is not shown inert:\n%s", ansi.Strip(s))
	}
}

func TestConnectorsResizeKeepsTheCursor(t *testing.T) {
	m, _ := fleetModel(t, 10000, 100, 40)
	send(m, keyOf(tea.KeyPgDown), keyOf(tea.KeyPgDown), "down")
	want := selected(m)
	for _, size := range []tea.WindowSizeMsg{{Width: 50, Height: 12}, {Width: 120, Height: 60}, {Width: 30, Height: 8}} {
		m.Update(size)
		if got := selected(m); got != want {
			t.Errorf("%dx%d: selected %q, want %q", size.Width, size.Height, got, want)
		}
		if n := len(screenLines(m)); n != size.Height-1 {
			t.Errorf("%dx%d: %d lines", size.Width, size.Height, n)
		}
	}
}

func TestConnectorsNoticeFits(t *testing.T) {
	m, _ := fleetModel(t, 10000, 60, 20)
	send(m, keyOf(tea.KeyEnd))
	m.notice = "! " + strings.Repeat("a long notice that wraps ", 8)
	lines := screenLines(m)
	if len(lines) != 19 || strings.Contains(strings.Join(lines, "\n"), "more lines") || selected(m) != "Customer 09999" {
		t.Errorf("%d lines, selected %q:\n%s", len(lines), selected(m), strings.Join(lines, "\n"))
	}
}

func TestConnectorsReloadKeepsTheRow(t *testing.T) {
	m, st := fleetModel(t, 100, 80, 24)
	send(m, "down", "down", "down", "a", "esc") // to step 2 and back: read again
	if m.Step() != StepConnectors {
		t.Fatalf("step %s", m.Step())
	}
	st.list = append([]store.Connector{{Name: "Aardvark"}}, st.list...)
	sums, _ := st.Summaries()
	m.Update(summariesMsg{seq: m.connectors.seq - 1, list: sums[:1]})
	if got := rowsDrawn(m); got != 13 {
		t.Errorf("an older read replaced the rows: %d drawn", got)
	}
	m.Update(summariesMsg{seq: m.connectors.seq, list: sums})
	if got := selected(m); got != "Customer 00002" {
		t.Errorf("selected %q after the new read, want Customer 00002", got)
	}
	if s := ansi.Strip(m.render()); !strings.Contains(s, "Aardvark") || !strings.Contains(s, "1–13 of 101") {
		t.Errorf("the new read is not shown:\n%s", s)
	}
}

// keyOf is a key press of a named key (pgup, end...).
func keyOf(code rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: code} }

func TestSlimKeepsWhatTheListReads(t *testing.T) {
	warn := store.Check{ID: string(defender.CheckSensorHealth), Status: string(defender.Warn), Problem: "x"}
	list := fleetList(2)
	list[0].LastValidation.Tenants = []store.TenantValidation{{TenantID: tenantA, RegionScope: "EU",
		Checks: []store.Check{{ID: string(defender.CheckToken), Status: string(defender.Pass)}, warn}}}
	list[1].LastValidation = nil
	got := slim(list)
	v := got[0].LastValidation
	if v == nil || !v.At.Equal(fixedNow) || !v.OK || len(v.Tenants) != 1 || len(v.Tenants[0].Checks) != 1 || v.Tenants[0].Checks[0] != warn {
		t.Errorf("slimmed record %+v, want its date, verdict and the warned check", v)
	}
	if got[0].Name != "Customer 00000" || len(got[0].Mappings) != 1 || got[1].LastValidation != nil {
		t.Errorf("slim changed what the later steps read: %+v", got)
	}
	if w := recordedWarnings(*v); len(w) != 1 {
		t.Errorf("warnings %v", w)
	}
}
