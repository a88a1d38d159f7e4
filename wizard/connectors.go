package wizard

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/internal/sanitize"
	"github.com/paratira/mdeconnect/store"
)

// connectorsState is step 1: the saved connectors and "Add a new connector".
// The rows come from the store's summaries (name, mode, tenants, last test:
// 15 ms at 10,000 connectors, where reading every record takes 200 and more),
// so the list shows at once; every connector in full follows in the background,
// for the warnings of a row's last test and for the later steps' checks
// (a name taken, a tenant mapped elsewhere). Only the rows in the window
// are drawn: at 10,000 connectors drawing them all took 50 ms a key.
type connectorsState struct {
	// list is every saved connector, its last test cut to the checks that
	// warned (see slim); err is what kept it from being read, loaded that
	// the read came back (connectorsMsg).
	list   []store.Connector
	err    error
	loaded bool

	// seq tells the latest read's rows from an older one's.
	seq        int
	rows       []store.Summary
	rowsErr    error
	rowsLoaded bool
	// lower are the rows' names in lower case, made by the first filter.
	lower []string
	// shown are the indexes in rows the filter keeps, in order; filtering
	// says the filter line has the keys, filter is its text.
	shown     []int
	filter    string
	filtering bool
	// cursor 0 is "Add a new connector"; i > 0 is rows[shown[i-1]]. top is
	// the index in shown of the first row drawn.
	cursor, top int
	// opening is the connector being read to be edited.
	opening string
}

// summariesMsg is the rows of the saved connectors.
type summariesMsg struct {
	seq  int
	list []store.Summary
	err  error
}

// connectorsMsg is every saved connector in full.
type connectorsMsg struct {
	list []store.Connector
	err  error
}

// connectorGotMsg is a connector chosen to be edited, read in full.
type connectorGotMsg struct {
	name string
	c    store.Connector
	err  error
}

// enterConnectors reads the rows, then every connector in full. The full
// read comes back as connectorsMsg, which is taken whatever the step.
func (m *Model) enterConnectors() tea.Cmd {
	st, c := m.opts.Store, &m.connectors
	c.opening = ""
	if st == nil {
		c.loaded, c.rowsLoaded = true, true
		return nil
	}
	c.seq++
	full := func() tea.Msg {
		list, err := st.List()
		return connectorsMsg{slim(list), err}
	}
	return tea.Sequence(readSummaries(st, c.seq), full)
}

// slim keeps of each connector what the wizard reads of the list: its
// name and mappings (names taken, tenants mapped elsewhere) and the checks
// of its last test that warned (its row); the rest of 10,000 test records
// is not held for the whole session. A connector to edit is read whole.
func slim(list []store.Connector) []store.Connector {
	for i := range list {
		v := list[i].LastValidation
		if v == nil {
			continue
		}
		kept := &store.Validation{At: v.At, OK: v.OK}
		for _, t := range v.Tenants {
			var warned []store.Check
			for _, c := range t.Checks {
				if c.Status == string(defender.Warn) {
					warned = append(warned, c)
				}
			}
			if warned != nil {
				kept.Tenants = append(kept.Tenants, store.TenantValidation{TenantID: t.TenantID, Checks: warned})
			}
		}
		list[i].LastValidation = kept
	}
	return list
}

// readSummaries reads the rows of the saved connectors.
func readSummaries(st Store, seq int) tea.Cmd {
	return func() tea.Msg {
		list, err := st.Summaries()
		return summariesMsg{seq, list, err}
	}
}

// onSummaries shows the rows read, the cursor kept on the connector it was
// on (a return from step 2 reads them again).
func (m *Model) onSummaries(msg summariesMsg) {
	c := &m.connectors
	if msg.seq != c.seq {
		return
	}
	name := c.current()
	c.rows, c.rowsErr, c.rowsLoaded, c.lower = msg.list, msg.err, true, nil
	c.refilter()
	c.cursor = 0
	for i, r := range c.shown {
		if name != "" && c.rows[r].Name == name {
			c.cursor = i + 1
			break
		}
	}
	c.top = c.scrolled(m.connectorRows())
}

// openConnector reads the chosen connector in full to edit it.
func (m *Model) openConnector(name string) tea.Cmd {
	st, c := m.opts.Store, &m.connectors
	if st == nil || c.opening == name {
		return nil
	}
	c.opening = name
	m.notice = "Opening " + sanitize.Line(name, sanitize.Screen) + "…"
	return func() tea.Msg {
		got, err := st.Get(name)
		return connectorGotMsg{name, got, err}
	}
}

func (m *Model) onConnectorGot(msg connectorGotMsg) tea.Cmd {
	m.connectors.opening = ""
	if msg.err != nil {
		m.notice = m.st.fail.Render("✗ ") + "Cannot read connector " + sanitize.Quote(msg.name) + ": " +
			sanitize.Line(msg.err.Error(), sanitize.Screen)
		return nil
	}
	return m.loadForEdit(msg.c)
}

// connectorsKeyMap is step 1's keys; filterKeyMap are those that differ
// while the filter line is open, where letters are text.
type (
	connectorsKeyMap struct{ Up, Down, PageUp, PageDown, Home, End, Filter, Select, Add, Quit key.Binding }
	filterKeyMap     struct{ Up, Down, Clear, Erase key.Binding }
)

var connectorsKeys = connectorsKeyMap{
	Up:       bind("↑/↓", "move", "up", "k"),
	Down:     quiet("down", "j"),
	PageUp:   quiet("pgup"),
	PageDown: quiet("pgdown"),
	Home:     quiet("home"),
	End:      quiet("end"),
	Filter:   bind("/", "filter", "/"),
	Select:   bind("enter", "select", "enter"),
	Add:      bind("a", "add", "a", "n"),
	Quit:     bind("q", "quit", "q", "esc"),
}

var filterKeys = filterKeyMap{
	Up:    bind("↑/↓", "move", "up"),
	Down:  quiet("down"),
	Clear: bind("esc", "clear the filter", "esc"),
	Erase: quiet("backspace"),
}

func (m *Model) connectorsActions() []keyAction {
	c, k := &m.connectors, connectorsKeys
	if c.filtering {
		k.Up, k.Down = filterKeys.Up, filterKeys.Down
	}
	// Paging and the filter are offered when the list is longer than the
	// window (their keys work whatever its length).
	if page := m.connectorPage(); len(c.shown) > page {
		k.Up.SetHelp("↑/↓/pgup/pgdn", "move")
	} else if len(c.rows) <= page {
		k.Filter.SetHelp("", "")
	}
	move := func(to func() int) func() tea.Cmd { return func() tea.Cmd { c.moveTo(to()); return nil } }
	as := []keyAction{
		act(k.Up, move(func() int { return c.cursor - 1 })),
		act(k.Down, move(func() int { return c.cursor + 1 })),
		act(k.PageUp, move(func() int { return c.cursor - m.connectorRows() })),
		act(k.PageDown, move(func() int { return c.cursor + m.connectorRows() })),
		act(k.Home, move(func() int { return 0 })),
		act(k.End, move(func() int { return len(c.shown) })),
	}
	if c.filtering {
		return append(as, act(k.Select, m.selectConnector),
			act(filterKeys.Clear, func() tea.Cmd { c.clearFilter(m.connectorRows()); return nil }),
			act(filterKeys.Erase, func() tea.Cmd { c.eraseFilter(); return nil }))
	}
	if len(c.rows) > 0 {
		as = append(as, act(k.Filter, func() tea.Cmd { c.filtering = true; return nil }))
	}
	return append(as, act(k.Select, m.selectConnector),
		act(k.Add, func() tea.Cmd { return m.setStep(StepChoose) }),
		act(k.Quit, func() tea.Cmd { m.cancelled, m.quitting = true, true; return tea.Quit }))
}

// selectConnector adds a connector on "Add", or edits the one selected.
func (m *Model) selectConnector() tea.Cmd {
	if name := m.connectors.current(); name != "" {
		return m.openConnector(name)
	}
	return m.setStep(StepChoose)
}

func (m *Model) updateConnectors(msg tea.Msg) tea.Cmd {
	c := &m.connectors
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case summariesMsg:
		m.onSummaries(msg)
		return nil
	case connectorGotMsg:
		return m.onConnectorGot(msg)
	case tea.PasteMsg:
		if c.filtering {
			c.typeFilter(msg.Content)
		}
	case tea.KeyPressMsg:
		var handled bool
		cmd, handled = press(msg, m.connectorsActions())
		if !handled && c.filtering && msg.Text != "" && msg.Mod&(tea.ModCtrl|tea.ModAlt|tea.ModSuper) == 0 {
			c.typeFilter(msg.Text)
		}
	default:
		return nil
	}
	c.top = c.scrolled(m.connectorRows())
	return cmd
}
