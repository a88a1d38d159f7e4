package wizard

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

func TestMain(m *testing.M) {
	time.Local = time.UTC // goldens show times
	os.Exit(m.Run())
}

var fixedNow = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

const (
	tenantA = "53390e7c-c890-4adc-a20a-63526fc69533"
	tenantB = "64611fbe-c88a-45c5-a1e5-42f10d49fb36"
	secret  = "Pq8Q~sBx3vKfTnW7yLr2mZcA9uEoHdJ5gN1iF-Xa"
)

// memStore is an in-memory Store.
type memStore struct {
	list    []store.Connector
	secrets map[string]string
	addErr  error
}

func (s *memStore) List() ([]store.Connector, error) { return s.list, nil }
func (s *memStore) Summaries() ([]store.Summary, error) {
	out := make([]store.Summary, len(s.list))
	for i, c := range s.list {
		out[i] = store.Summary{Name: c.Name, Mode: c.Mode, Tenants: len(c.Mappings)}
		if v := c.LastValidation; v != nil {
			out[i].LastTest = &store.LastTest{At: v.At, OK: v.OK}
		}
	}
	return out, nil
}
func (s *memStore) Get(name string) (store.Connector, error) {
	for _, c := range s.list {
		if c.Name == name {
			return c, nil
		}
	}
	return store.Connector{}, store.ErrNotFound
}
func (s *memStore) Add(c store.Connector, secret string) error {
	if s.addErr != nil {
		return s.addErr
	}
	if s.secrets == nil {
		s.secrets = map[string]string{}
	}
	c.SecretStore = store.BackendFile
	s.list = append(s.list, c)
	s.secrets[c.Name] = secret
	return nil
}
func (s *memStore) RecordValidation(name string, v store.Validation) error {
	for i := range s.list {
		if s.list[i].Name == name {
			s.list[i].LastValidation = &v
			return nil
		}
	}
	return store.ErrNotFound
}
func (s *memStore) Update(name string, fn func(*store.Connector) error) error {
	for i := range s.list {
		if s.list[i].Name == name {
			c := s.list[i]
			c.Mappings = append([]store.Mapping(nil), c.Mappings...)
			if err := fn(&c); err != nil {
				return err
			}
			if c.Name != name {
				s.secrets[c.Name] = s.secrets[name]
				delete(s.secrets, name)
			}
			s.list[i] = c
			return nil
		}
	}
	return store.ErrNotFound
}
func (s *memStore) Secret(name string) (string, error) {
	if v, ok := s.secrets[name]; ok {
		return v, nil
	}
	return "", store.ErrNotFound
}
func (s *memStore) SetSecret(name, secret string) error {
	if _, ok := s.secrets[name]; !ok {
		return store.ErrNotFound
	}
	s.secrets[name] = secret
	return nil
}
func (s *memStore) Path() string { return "/home/ada/.config/mdeconnect/connectors.json" }
func (s *memStore) Where(c store.Connector) string {
	return "the file /home/ada/.config/mdeconnect/secrets.json"
}

// fakeBrowser records what it was asked to open.
type fakeBrowser struct {
	headless string
	opened   []string
}

func (b *fakeBrowser) CanOpen() (bool, string) { return b.headless == "", b.headless }
func (b *fakeBrowser) Open(_ context.Context, url string) error {
	b.opened = append(b.opened, url)
	return nil
}

// offline fails every request at once, so no test reaches a network.
type offline struct{}

func (offline) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("offline test")
}

func newTestModel(t *testing.T, st *memStore) *Model {
	t.Helper()
	cloud, err := defender.LookupCloud("global")
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Cloud: cloud, Store: st, Browser: &fakeBrowser{}, HTTPClient: &http.Client{Transport: offline{}},
		NewState: func() string { return "0123456789abcdef" }, Now: func() time.Time { return fixedNow }})
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	sums, _ := st.Summaries()
	m.Update(summariesMsg{seq: m.connectors.seq, list: sums})
	list, _ := st.List()
	m.Update(connectorsMsg{list: list})
	return m
}

// keyPress makes a key press from its name: "enter", "tab", "shift+tab", "ctrl+c", or a rune.
func keyPress(name string) tea.KeyPressMsg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+t":
		return tea.KeyPressMsg{Code: 't', Mod: tea.ModCtrl}
	case "ctrl+z":
		return tea.KeyPressMsg{Code: 'z', Mod: tea.ModCtrl}
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

// send feeds messages; a string is typed rune by rune unless it names a key.
func send(m *Model, msgs ...any) {
	for _, msg := range msgs {
		switch v := msg.(type) {
		case string:
			if k := keyPress(v); len([]rune(v)) > 1 && k.Text == "" {
				m.Update(k)
				continue
			}
			for _, r := range v {
				m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		case tea.Msg:
			m.Update(v)
		}
	}
}

// screen renders the model as a terminal with an ASCII profile would show it.
func screen(t *testing.T, m *Model) string {
	t.Helper()
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.Ascii}
	if _, err := w.WriteString(m.render()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(out, "\n")
	if len(lines) > 24 {
		t.Errorf("view is %d lines, taller than 24", len(lines))
	}
	return out
}
