package wizard

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// fleetStore is a real store of n connectors in a temporary folder, each
// with one tenant and a recorded test of every check, written in the
// store's own form in one write (adding 10,000 one by one takes minutes).
func fleetStore(b *testing.B, n int) *store.Store {
	b.Helper()
	st, err := store.Open(store.Options{Dir: b.TempDir(), SecretBackend: store.BackendFile})
	if err != nil {
		b.Fatal(err)
	}
	list := fleetList(n)
	for i := range list {
		c := &list[i]
		c.Type, c.ClientID, c.Cloud, c.SecretStore = store.TypeDefender, defender.ParatiraClientID, "global", store.BackendFile
		c.CreatedAt, c.UpdatedAt, c.Mappings[0].AddedAt = fixedNow, fixedNow, fixedNow
		c.Mappings[0].CustomerName = c.Name
		tv := store.TenantValidation{TenantID: c.Mappings[0].TenantID, OK: true, RegionScope: "EU", GrantedRoles: defender.RequiredRoles()}
		for _, id := range defender.CheckIDs() {
			tv.Checks = append(tv.Checks, store.Check{ID: string(id), Status: string(defender.Pass)})
		}
		c.LastValidation.Tenants = []store.TenantValidation{tv}
	}
	raw, err := json.MarshalIndent(struct {
		Version    int               `json:"version"`
		Connectors []store.Connector `json:"connectors"`
	}{2, list}, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(st.Path(), append(raw, '\n'), 0o600); err != nil {
		b.Fatal(err)
	}
	// The store must read it, both ways: a fixture it refuses measures nothing.
	if sums, err := st.Summaries(); err != nil || len(sums) != n {
		b.Fatalf("summaries: %d, %v", len(sums), err)
	}
	if all, err := st.List(); err != nil || len(all) != n {
		b.Fatalf("list: %d, %v", len(all), err)
	}
	return st
}

// BenchmarkConnectorsFirstFrame10k is the wizard's start at 10,000 saved
// connectors up to the first frame that shows them: the model made, the
// rows read from the store on disk, the frame drawn.
func BenchmarkConnectorsFirstFrame10k(b *testing.B) {
	st := fleetStore(b, 10000)
	for b.Loop() {
		m := New(Options{Store: st})
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		m.Init()
		m.Update(readSummaries(st, m.connectors.seq)())
		if v := m.View(); !strings.Contains(v.Content, "Customer 00012") {
			b.Fatalf("no rows in the first frame:\n%s", v.Content)
		}
		m.Close()
	}
}

// BenchmarkConnectorsKey10k is one key (↓, or ↑ on the way back) and the
// frame after it, at 10,000 connectors with their records read.
func BenchmarkConnectorsKey10k(b *testing.B) {
	m := loadedFleet(b)
	keys := []tea.KeyPressMsg{{Code: tea.KeyDown}, {Code: tea.KeyUp}}
	i := 0
	for b.Loop() {
		m.Update(keys[i/1000%2])
		_ = m.View()
		i++
	}
}

// BenchmarkConnectorsFilterKey10k is one key typed in the filter ("1", then
// backspace: each filters all 10,000 names again) and the frame after it.
func BenchmarkConnectorsFilterKey10k(b *testing.B) {
	m := loadedFleet(b)
	send(m, "/", "Customer")
	keys := []tea.KeyPressMsg{{Code: '1', Text: "1"}, {Code: tea.KeyBackspace}}
	i := 0
	for b.Loop() {
		m.Update(keys[i%2])
		_ = m.View()
		i++
	}
}

// BenchmarkConnectorsRecords10k is the background read of every record and
// the frame that adds their warnings to the rows: it never delays a frame
// or a key, but says when the warnings appear.
func BenchmarkConnectorsRecords10k(b *testing.B) {
	m, st := loadedFleetStore(b)
	for b.Loop() {
		list, err := st.List()
		m.Update(connectorsMsg{slim(list), err})
		_ = m.View()
	}
}

func loadedFleet(b *testing.B) *Model {
	m, _ := loadedFleetStore(b)
	return m
}

// loadedFleetStore is a wizard at step 1 over a real store of 10,000
// connectors, rows and records read.
func loadedFleetStore(b *testing.B) (*Model, *store.Store) {
	b.Helper()
	st := fleetStore(b, 10000)
	m := New(Options{Store: st})
	b.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(readSummaries(st, m.connectors.seq)())
	list, err := st.List()
	m.Update(connectorsMsg{slim(list), err})
	if v := m.View(); !strings.Contains(v.Content, "1–13 of 10,000") {
		b.Fatalf("not at step 1 with 10,000 rows:\n%s", v.Content)
	}
	return m, st
}
