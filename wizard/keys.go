package wizard

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Every step declares its keys as key.Binding data (its *KeyMap in its own
// file): the keys that press a binding and its help sit together, so the help
// line, built from the bindings a step has active, cannot drift from what the
// step does with a key.

// bind is a binding pressed by keys, shown in the help line as help and does
// ("enter", "next"). Aliases (k for ↑, y for c) are its other keys.
func bind(help, does string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, does))
}

// quiet is a binding the help line does not show: the other half of a pair
// whose first binding's help names both ("↑/↓ move").
func quiet(keys ...string) key.Binding { return key.NewBinding(key.WithKeys(keys...)) }

// keyQuit ends the wizard from any step, at once.
var keyQuit = bind("ctrl+c", "quit", "ctrl+c")

// helpEntries is one "key does" entry per enabled binding that has help.
func helpEntries(bs []key.Binding) []string {
	var out []string
	for _, b := range bs {
		if h := b.Help(); b.Enabled() && h.Key != "" {
			out = append(out, h.Key+" "+h.Desc)
		}
	}
	return out
}

// keyAction is a binding and what pressing it does. A step lists the actions
// it has now: its help line and its key handling are both read from them.
type keyAction struct {
	key.Binding
	do func() tea.Cmd
}

// act pairs a binding with its action.
func act(b key.Binding, do func() tea.Cmd) keyAction { return keyAction{b, do} }

// press runs the first action k presses; handled is false when none does.
func press(k tea.KeyPressMsg, as []keyAction) (cmd tea.Cmd, handled bool) {
	for _, a := range as {
		if key.Matches(k, a.Binding) {
			if a.do == nil {
				return nil, true
			}
			return a.do(), true
		}
	}
	return nil, false
}

// bindings are the actions' bindings, for the help line.
func bindings(as []keyAction) []key.Binding {
	out := make([]key.Binding, len(as))
	for i, a := range as {
		out[i] = a.Binding
	}
	return out
}
