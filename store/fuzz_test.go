package store

import (
	"errors"
	"os"
	"reflect"
	"testing"
)

// FuzzLoad feeds any bytes to the store as connectors.json: each must give a
// *CorruptError naming the file, or a store that survives a save and reload.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"connectors":[]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[{"name":"a","type":"microsoft-defender-endpoint","mapping_mode":"one-to-one","secret_store":"file","mappings":[{"tenant_id":"t"}]}]`))
	f.Add([]byte(`{"version":1,"connectors":[{"name":"a","mapping_mode":"one-to-many","type":"microsoft-defender-endpoint","secret_store":"keyring","last_validation":{"tenants":[{"checks":[{"id":"x"}]}]}}]}`))
	f.Add([]byte("\x00"))
	// Inputs run one at a time in each fuzzing process, so they can share a store.
	s, err := Open(Options{Dir: f.TempDir(), Keyring: newMemKeyring()})
	if err != nil {
		f.Fatal(err)
	}
	path := s.Path()
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		list, err := s.List()
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Path != path || ce.Reason == "" {
				t.Fatalf("List = %v, want a *CorruptError naming %s", err, path)
			}
			return
		}
		_, doc, _ := s.load()
		out, err := encode(doc)
		if err != nil {
			t.Fatalf("a loaded store does not encode: %v", err)
		}
		again, err := decode(out)
		if err != nil {
			t.Fatalf("a saved store does not load: %v\n%s", err, out)
		}
		if len(again.Connectors) != len(list) {
			t.Fatalf("round trip: %d connectors, want %d", len(again.Connectors), len(list))
		}
		if out2, _ := encode(again); !reflect.DeepEqual(out, out2) {
			t.Fatalf("encoding is not stable:\n%s\n%s", out, out2)
		}
	})
}
