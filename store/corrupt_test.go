package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCorruptStoreIsNeverOverwritten(t *testing.T) {
	tests := []struct {
		name   string
		damage func(good []byte) []byte
		reason string
		newer  bool
	}{
		{"truncated", func(g []byte) []byte { return g[:len(g)/2] }, "not valid JSON", false},
		{"empty", func([]byte) []byte { return nil }, "empty", false},
		{"garbage", func([]byte) []byte { return []byte("\x00\xffnot json") }, "not valid JSON", false},
		{"no version", func([]byte) []byte { return []byte(`{"connectors": []}`) }, "no \"version\"", false},
		{"wrong version", func([]byte) []byte { return []byte(`{"version": -3, "connectors": []}`) }, "not valid", false},
		{"newer version", func([]byte) []byte { return []byte(`{"version": 9, "connectors": [], "x": 1}`) }, "format version 9", true},
		{"duplicate names", func([]byte) []byte {
			return []byte(`{"version":1,"connectors":[{"name":"a","type":"microsoft-defender-endpoint","mapping_mode":"one-to-one","secret_store":"keyring"},{"name":"A","type":"microsoft-defender-endpoint","mapping_mode":"one-to-one","secret_store":"keyring"}]}`)
		}, "appears twice", false},
		{"unknown field", func(g []byte) []byte { return []byte(strings.Replace(string(g), `"cloud"`, `"cluod"`, 1)) }, "unknown field", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, Options{})
			mustAdd(t, s, sample("acme", "t1"), "s1")
			mustAdd(t, s, sample("contoso", "t2"), "s2")
			good, _ := os.ReadFile(s.Path())
			bad := tt.damage(good)
			if err := os.WriteFile(s.Path(), bad, 0o600); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, s.dir)
			for op, err := range everyOperation(s) {
				checkCorrupt(t, op, err, s, tt.reason, tt.newer)
			}
			assertSameFiles(t, before, snapshot(t, s.dir))

			if err := s.RestoreBackup(); err != nil {
				t.Fatalf("RestoreBackup: %v", err)
			}
			if list, err := s.List(); err != nil || len(list) != 1 || list[0].Name != "acme" {
				t.Errorf("after restore: %v, %v; want the backup's single connector", list, err)
			}
			aside, _ := filepath.Glob(s.Path() + ".corrupt-*")
			if len(aside) != 1 {
				t.Fatalf("damaged files kept aside: %v", aside)
			}
			if kept, _ := os.ReadFile(aside[0]); string(kept) != string(bad) {
				t.Errorf("the damaged file was not kept as it was")
			}
		})
	}
}

// everyOperation runs each public operation once and returns its error.
func everyOperation(s *Store) map[string]error {
	errs := map[string]error{}
	_, errs["List"] = s.List()
	_, errs["Get"] = s.Get("acme")
	_, errs["Secret"] = s.Secret("acme")
	errs["Add"] = s.Add(sample("new", "t9"), "s")
	errs["Update"] = s.Update("acme", func(c *Connector) error { c.ClientID = "x"; return nil })
	errs["SetSecret"] = s.SetSecret("acme", "s3")
	errs["Remove"] = s.Remove("acme")
	errs["RecordValidation"] = s.RecordValidation("acme", Validation{OK: true})
	return errs
}

func checkCorrupt(t *testing.T, op string, err error, s *Store, reason string, newer bool) {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Errorf("%s: error %v, want *CorruptError", op, err)
		return
	}
	msg := err.Error()
	if ce.Path != s.Path() || !strings.Contains(msg, s.Path()) || !strings.Contains(msg, reason) {
		t.Errorf("%s: %q does not name %s and %q", op, msg, s.Path(), reason)
	}
	if errors.Is(err, ErrNewerVersion) != newer || newer != strings.Contains(msg, "upgrade") {
		t.Errorf("%s: newer=%v but %q", op, newer, msg)
	}
	// Facts, not advice: the path of the backup; the front end names the command.
	if !newer && (ce.Backup != s.Path()+".bak" || !strings.Contains(msg, "backup of the last good version, which loads, is at "+ce.Backup) || strings.Contains(msg, "mdeconnect ")) {
		t.Errorf("%s: %q does not point at the backup", op, msg)
	}
}

func TestCorruptWithoutBackup(t *testing.T) {
	s := openTest(t, Options{})
	if err := os.WriteFile(s.Path(), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.List()
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Backup != "" || !strings.Contains(err.Error(), "move it aside") {
		t.Errorf("List = %v, want a CorruptError without backup", err)
	}
	if err := s.RestoreBackup(); err == nil || !strings.Contains(err.Error(), "no backup") {
		t.Errorf("RestoreBackup = %v, want a refusal naming the missing backup", err)
	}
}

func TestRestoreBackupRefuses(t *testing.T) {
	tests := []struct {
		name   string
		backup string
		want   string
	}{
		{"healthy store", "", "healthy"},
		{"damaged backup", "[{", "damaged too"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, Options{})
			mustAdd(t, s, sample("acme", "t1"), "s1")
			mustAdd(t, s, sample("contoso", "t2"), "s2")
			if tt.backup != "" {
				if err := os.WriteFile(s.Path()+".bak", []byte(tt.backup), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(s.Path(), []byte("garbage"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, s.dir)
			if err := s.RestoreBackup(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("RestoreBackup = %v, want %q", err, tt.want)
			}
			assertSameFiles(t, before, snapshot(t, s.dir))
		})
	}
}

func TestCorruptSecretsFile(t *testing.T) {
	s := openTest(t, Options{SecretBackend: BackendFile})
	mustAdd(t, s, sample("acme", "t1"), "s1")
	secrets := filepath.Join(s.dir, "secrets.json")
	if err := os.WriteFile(secrets, []byte(`{"version":1,"secrets":{"acme":`), 0o600); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s.dir)
	var ce *CorruptError
	if _, err := s.Secret("acme"); !errors.As(err, &ce) || ce.Path != secrets {
		t.Errorf("Secret = %v, want a CorruptError naming %s", err, secrets)
	}
	if err := s.Add(sample("new", "t9"), "s"); !errors.As(err, &ce) {
		t.Errorf("Add = %v, want a CorruptError", err)
	}
	assertSameFiles(t, before, snapshot(t, s.dir))
}
