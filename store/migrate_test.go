package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMigrateFromLegacyArray(t *testing.T) {
	dir := t.TempDir()
	legacy := `[
  {"name": "old", "type": "microsoft-defender-endpoint", "mapping_mode": "one-to-many", "client_id": "c1",
   "cloud": "global",
   "mappings": [{"tenant_id": "t1", "customer_name": "One", "added_at": "2024-01-02T03:04:05Z"}],
   "created_at": "2024-01-02T03:04:05Z", "updated_at": "2024-01-02T03:04:05Z"}
]`
	if err := os.WriteFile(filepath.Join(dir, "connectors.json"), []byte(legacy), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openTest(t, Options{Dir: dir})
	c, err := s.Get("old")
	if err != nil {
		t.Fatalf("Get from a version 0 file: %v", err)
	}
	if c.Mode != OneToMany || len(c.Mappings) != 1 || c.Mappings[0].CustomerName != "One" || c.SecretStore != BackendKeyring {
		t.Errorf("migrated connector = %+v", c)
	}
	mustAdd(t, s, sample("new", "t2"), "s")
	raw, _ := os.ReadFile(s.Path())
	if !strings.HasPrefix(string(raw), "{\n  \"version\": 2,") {
		t.Errorf("saved file is not version 2: %.40s", raw)
	}
	if bak, _ := os.ReadFile(s.Path() + ".bak"); string(bak) != legacy {
		t.Errorf("the legacy file was not kept as the backup")
	}
	for _, raw := range []string{`[]`, `null`} {
		if _, err := decode([]byte(raw)); (err == nil) != (raw == "[]") {
			t.Errorf("decode(%s) = %v", raw, err)
		}
	}
}
