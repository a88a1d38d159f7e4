package store

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestAddGetList(t *testing.T) {
	kr := newMemKeyring()
	s := openTest(t, Options{Keyring: kr})
	mustAdd(t, s, sample("  zeta  ", "t1"), "s-zeta")
	mustAdd(t, s, sample("alpha", "t2", "t3"), "s-alpha")

	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "zeta" {
		t.Fatalf("List = %+v, want alpha then zeta", list)
	}
	got, err := s.Get("zeta")
	if err != nil {
		t.Fatal(err)
	}
	want := sample("zeta", "t1")
	want.Type, want.SecretStore, want.CreatedAt, want.UpdatedAt = TypeDefender, BackendKeyring, testNow, testNow
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get = %+v\nwant  %+v", got, want)
	}
	if secret, err := s.Secret("alpha"); err != nil || secret != "s-alpha" {
		t.Errorf("Secret = %q, %v; want s-alpha", secret, err)
	}
	if _, err := s.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(nope) = %v, want ErrNotFound", err)
	}
	if s.Path() != filepath.Join(s.dir, "connectors.json") {
		t.Errorf("Path = %s", s.Path())
	}
}

func TestEmptyStore(t *testing.T) {
	s := openTest(t, Options{})
	list, err := s.List()
	if err != nil || len(list) != 0 {
		t.Fatalf("List on a new store = %v, %v; want empty", list, err)
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("reading created %s", s.Path())
	}
}

func TestRefusedChangesLeaveFilesUntouched(t *testing.T) {
	var vErr *ValidationError
	tests := []struct {
		name string
		op   func(*Store) error
		want func(error) bool
	}{
		{"empty name", func(s *Store) error { return s.Add(sample("  ", "t9"), "x") }, asValidation(&vErr)},
		{"control character in name", func(s *Store) error { return s.Add(sample("a\x1bb", "t9"), "x") }, asValidation(&vErr)},
		{"bad mode", func(s *Store) error { c := sample("new", "t9"); c.Mode = "many"; return s.Add(c, "x") }, asValidation(&vErr)},
		{"unknown type", func(s *Store) error { c := sample("new", "t9"); c.Type = "crowdstrike"; return s.Add(c, "x") }, asValidation(&vErr)},
		{"tenant twice", func(s *Store) error { return s.Add(sample("new", "t9", " T9 "), "x") }, asValidation(&vErr)},
		{"one-to-one with two", func(s *Store) error { c := sample("new", "t8", "t9"); c.Mode = OneToOne; return s.Add(c, "x") }, asValidation(&vErr)},
		{"empty tenant", func(s *Store) error { return s.Add(sample("new", ""), "x") }, asValidation(&vErr)},
		{"empty secret", func(s *Store) error { return s.Add(sample("new", "t9"), " \t") }, asValidation(&vErr)},
		{"name taken", func(s *Store) error { return s.Add(sample("acme", "t9"), "x") }, is(ErrExists)},
		{"name taken, other case", func(s *Store) error { return s.Add(sample("ACME", "t9"), "x") }, is(ErrExists)},
		{"update unknown", func(s *Store) error { return s.Update("nope", func(*Connector) error { return nil }) }, is(ErrNotFound)},
		{"update fn fails", func(s *Store) error {
			return s.Update("acme", func(c *Connector) error { c.ClientID = "changed"; return errBoom })
		}, is(errBoom)},
		{"update invalid", func(s *Store) error {
			return s.Update("acme", func(c *Connector) error { c.Mappings = append(c.Mappings, c.Mappings[0]); return nil })
		}, asValidation(&vErr)},
		{"rename onto another", func(s *Store) error {
			return s.Update("acme", func(c *Connector) error { c.Name = "Contoso"; return nil })
		}, is(ErrExists)},
		{"set empty secret", func(s *Store) error { return s.SetSecret("acme", "") }, asValidation(&vErr)},
		{"set secret unknown", func(s *Store) error { return s.SetSecret("nope", "x") }, is(ErrNotFound)},
		{"remove unknown", func(s *Store) error { return s.Remove("nope") }, is(ErrNotFound)},
		{"record unknown", func(s *Store) error { return s.RecordValidation("nope", Validation{}) }, is(ErrNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, backend := range []Backend{BackendKeyring, BackendFile} {
				kr := newMemKeyring()
				s := openTest(t, Options{Keyring: kr, SecretBackend: backend})
				mustAdd(t, s, sample("acme", "t1"), "s1")
				mustAdd(t, s, sample("contoso", "t2", "t3"), "s2")
				before := snapshot(t, s.dir)
				err := tt.op(s)
				if !tt.want(err) {
					t.Fatalf("%s: got error %v", backend, err)
				}
				assertSameFiles(t, before, snapshot(t, s.dir))
				if kr.has("new") || kr.has("ACME") {
					t.Errorf("%s: a refused change left a secret in the keyring", backend)
				}
			}
		})
	}
}

var errBoom = errors.New("boom")

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func asValidation(target **ValidationError) func(error) bool {
	return func(err error) bool { return errors.As(err, target) }
}

func TestUpdate(t *testing.T) {
	later := testNow.Add(time.Hour)
	tests := []struct {
		name    string
		edit    func(*Connector) error
		newName string
	}{
		{"add a mapping", func(c *Connector) error {
			c.Mode = OneToMany
			c.Mappings = append(c.Mappings, Mapping{TenantID: "t2", CustomerName: "Two"})
			return nil
		}, "acme"},
		{"rename", func(c *Connector) error { c.Name = "acme-eu"; return nil }, "acme-eu"},
		{"rename, case only", func(c *Connector) error { c.Name = "ACME"; return nil }, "ACME"},
		{"cannot change secret store or creation", func(c *Connector) error {
			c.SecretStore, c.CreatedAt = BackendFile, later
			return nil
		}, "acme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := newMemKeyring()
			now := testNow
			s := openTest(t, Options{Keyring: kr, Now: func() time.Time { return now }})
			mustAdd(t, s, sample("acme", "t1"), "s1")
			now = later
			if err := s.Update("acme", tt.edit); err != nil {
				t.Fatal(err)
			}
			c, err := s.Get(tt.newName)
			if err != nil {
				t.Fatal(err)
			}
			if !c.UpdatedAt.Equal(later) || !c.CreatedAt.Equal(testNow) || c.SecretStore != BackendKeyring {
				t.Errorf("times/store = %v %v %s", c.CreatedAt, c.UpdatedAt, c.SecretStore)
			}
			if secret, err := s.Secret(tt.newName); err != nil || secret != "s1" {
				t.Errorf("Secret after update = %q, %v; want s1", secret, err)
			}
			if tt.newName != "acme" && kr.has("acme") {
				t.Error("rename left the secret under the old name")
			}
			if list, _ := s.List(); len(list) != 1 {
				t.Errorf("List has %d connectors, want 1", len(list))
			}
		})
	}
}

func TestRemove(t *testing.T) {
	for _, backend := range []Backend{BackendKeyring, BackendFile} {
		t.Run(string(backend), func(t *testing.T) {
			kr := newMemKeyring()
			s := openTest(t, Options{Keyring: kr, SecretBackend: backend})
			mustAdd(t, s, sample("acme", "t1"), "s1")
			mustAdd(t, s, sample("contoso", "t2"), "s2")
			if err := s.Remove("acme"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get("acme"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get after Remove = %v, want ErrNotFound", err)
			}
			if _, err := s.getSecret(slot{backend, "acme"}); !errors.Is(err, ErrSecretMissing) {
				t.Errorf("secret after Remove: %v, want ErrSecretMissing", err)
			}
			if secret, err := s.Secret("contoso"); err != nil || secret != "s2" {
				t.Errorf("other connector's secret = %q, %v", secret, err)
			}
		})
	}
}

func TestRemoveKeepsConnectorWhenKeyringFails(t *testing.T) {
	kr := newMemKeyring()
	s := openTest(t, Options{Keyring: kr})
	mustAdd(t, s, sample("acme", "t1"), "s1")
	before := snapshot(t, s.dir)
	kr.err = errors.New("dbus: no Secret Service")
	if err := s.Remove("acme"); !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Remove = %v, want ErrKeyringUnavailable", err)
	}
	assertSameFiles(t, before, snapshot(t, s.dir))
}

func TestRecordValidation(t *testing.T) {
	s := openTest(t, Options{})
	mustAdd(t, s, sample("acme", "t1"), "s1")
	v := Validation{At: testNow.Add(time.Minute), OK: false, Tenants: []TenantValidation{{
		TenantID: "t1", RegionScope: "EU", CloudInstance: "global", GrantedRoles: []string{"Machine.Read.All"},
		Checks: []Check{{ID: "token", Status: "ok"}, {ID: "alerts", Status: "failed", Problem: "missing-role"}},
	}}}
	if err := s.RecordValidation("acme", v); err != nil {
		t.Fatal(err)
	}
	v.Tenants[0].GrantedRoles[0] = "mutated by caller"
	c, err := s.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	if c.LastValidation == nil || c.LastValidation.Tenants[0].GrantedRoles[0] != "Machine.Read.All" ||
		c.LastValidation.Tenants[0].Checks[1].Problem != "missing-role" || !c.LastValidation.At.Equal(testNow.Add(time.Minute)) {
		t.Errorf("LastValidation = %+v", c.LastValidation)
	}
	if !c.UpdatedAt.Equal(testNow) {
		t.Errorf("recording a validation changed UpdatedAt to %v", c.UpdatedAt)
	}
}

func TestBackupKeepsPreviousVersion(t *testing.T) {
	s := openTest(t, Options{})
	mustAdd(t, s, sample("acme", "t1"), "s1")
	first, _ := os.ReadFile(s.Path())
	mustAdd(t, s, sample("contoso", "t2"), "s2")
	bak, err := os.ReadFile(s.Path() + ".bak")
	if err != nil || string(bak) != string(first) {
		t.Errorf("backup = %q, %v; want the previous file", bak, err)
	}
}

func TestDefaultDir(t *testing.T) {
	env := map[string]string{"MDECONNECT_CONFIG_DIR": "/custom"}
	if dir, err := DefaultDir(func(k string) string { return env[k] }); err != nil || dir != "/custom" {
		t.Errorf("with MDECONNECT_CONFIG_DIR: %q, %v", dir, err)
	}
	t.Setenv("XDG_CONFIG_HOME", "/xdg")
	t.Setenv("HOME", "/home/u")
	dir, err := DefaultDir(func(string) string { return "" })
	base, _ := os.UserConfigDir()
	if err != nil || dir != filepath.Join(base, "mdeconnect") {
		t.Errorf("without: %q, %v", dir, err)
	}
}

func TestOpenRefusesBadOptions(t *testing.T) {
	if _, err := Open(Options{}); err == nil {
		t.Error("Open without Dir succeeded")
	}
	if _, err := Open(Options{Dir: t.TempDir(), SecretBackend: "vault"}); err == nil {
		t.Error("Open with an unknown backend succeeded")
	}
}
