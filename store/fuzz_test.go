package store

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzLoad feeds any bytes to the store as connectors.json: each must give a
// *CorruptError naming the file, or a store that survives a save and reload;
// never a panic, and loading never writes (no backup, no temp file, no rewrite).
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"connectors":[]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[{"name":"a","type":"microsoft-defender-endpoint","mapping_mode":"one-to-one","secret_store":"file","mappings":[{"tenant_id":"t"}]}]`))
	f.Add([]byte(`{"version":1,"connectors":[{"name":"a","mapping_mode":"one-to-many","type":"microsoft-defender-endpoint","secret_store":"keyring","last_validation":{"tenants":[{"checks":[{"id":"x"}]}]}}]}`))
	f.Add([]byte("\x00"))
	f.Add([]byte(`{"version":2,"connectors":[{"name":"a","mapping_mode":"one-to-one","type":"microsoft-defender-endpoint","secret_store":"file","mappings":[{"tenant_id":"t","customer_name":"C\u001b]52;c;x\u0007"}]}]}`))
	f.Add([]byte(`{"version":2,"connectors":[{"name":"a","mapping_mode":"one-to-one","type":"microsoft-defender-endpoint","secret_store":"file","last_validation":{"tenants":[{"granted_roles":["R","R","","\u202e"],"other_roles":-3,"region_scope":"\u009b2J"}]}}]}`))
	// Inputs run one at a time in each fuzzing process, so they can share a store.
	s, err := Open(Options{Dir: f.TempDir(), Keyring: newMemKeyring()})
	if err != nil {
		f.Fatal(err)
	}
	path, dir := s.Path(), filepath.Dir(s.Path())
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		before := dirFiles(t, dir)
		list, err := s.List()
		_, _ = s.Get("a")
		assertUnwritten(t, before, dirFiles(t, dir), "loading")
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Path != path || ce.Reason == "" {
				t.Fatalf("List = %v, want a *CorruptError naming %s", err, path)
			}
			// A damaged file is never written over, not even by a change.
			aerr := s.Add(sample("fuzz", "tenant-fuzz"), "fuzz-secret")
			if !errors.As(aerr, &ce) {
				t.Fatalf("Add on a damaged store = %v, want a *CorruptError", aerr)
			}
			assertUnwritten(t, before, dirFiles(t, dir), "a refused change")
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

// dirFiles maps every file in dir to its content, except the lock file,
// which a change creates before it finds the store damaged.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if e.Name() == lockFile {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func assertUnwritten(t *testing.T, before, after map[string]string, what string) {
	t.Helper()
	if !reflect.DeepEqual(before, after) {
		names := func(m map[string]string) (out []string) {
			for k := range m {
				out = append(out, k)
			}
			return out
		}
		t.Fatalf("%s wrote to the store folder: files %v -> %v", what, names(before), names(after))
	}
}
