package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/store"
)

// TestListJSONIsWriteJSONs: list --json writes, by hand, what writeJSON
// writes for the same entries, byte for byte: hostile names escaped alike
// (HTML characters, controls, line separators, invalid UTF-8), fields left
// out alike, an empty list alike.
func TestListJSONIsWriteJSONs(t *testing.T) {
	at := time.Date(2026, 11, 30, 8, 9, 10, 123456789, time.FixedZone("", 3600))
	ok, failed := true, false
	entries := []listEntry{
		{Name: "Contoso", Mode: store.OneToOne, Tenants: 1, LastTestedAt: &at, LastTestOK: &ok},
		{Name: "<b>Acme & \"Sons\"</b>\x1b[2J\u2028\xff\\", Mode: store.OneToMany, Tenants: 250, Stale: true},
		{Name: "東京", Mode: "one-to-many", Tenants: 0, LastTestedAt: &at, LastTestOK: &failed, Stale: true},
	}
	for _, list := range [][]listEntry{entries, entries[:1], {}, nil} {
		var want, got bytes.Buffer
		if err := writeJSON(&want, list); err != nil {
			t.Fatal(err)
		}
		if err := writeListJSON(&got, list); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d entries:\n%s\nwant\n%s", len(list), got.String(), want.String())
		}
	}
}
