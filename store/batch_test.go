package store

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestSecretsReadsEachPlaceOnce(t *testing.T) {
	kr := newMemKeyring()
	s := openTest(t, Options{Keyring: kr})
	mustAdd(t, s, sample("in-keyring", "t1"), "k1")
	file := openTest(t, Options{Dir: s.dir, Keyring: kr, SecretBackend: BackendFile})
	mustAdd(t, file, sample("in-file", "t2"), "f1")
	mustAdd(t, file, sample("file-gone", "t3"), "f2")
	mustAdd(t, s, sample("keyring-gone", "t4"), "k2")
	// Secrets lost behind the store's back: one from each place.
	if err := kr.Delete(KeyringService, "keyring-gone"); err != nil {
		t.Fatal(err)
	}
	doc, err := s.readSecrets()
	if err != nil {
		t.Fatal(err)
	}
	delete(doc.Secrets, "file-gone")
	if err := s.writeSecrets(doc); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	got, errs := s.Secrets(list)
	want := map[string]string{"in-keyring": "k1", "in-file": "f1"}
	if len(got) != len(want) || got["in-keyring"] != "k1" || got["in-file"] != "f1" {
		t.Errorf("secrets = %v, want %v", got, want)
	}
	for _, name := range []string{"file-gone", "keyring-gone"} {
		_, one := s.Secret(name)
		if !errors.Is(errs[name], ErrSecretMissing) || errs[name].Error() != one.Error() {
			t.Errorf("%s: error %v, want Secret's %v", name, errs[name], one)
		}
	}
	if len(errs) != 2 {
		t.Errorf("errors = %v, want two", errs)
	}

	// A damaged file of secrets fails every connector that keeps its secret there.
	if err := os.WriteFile(s.secretsPath, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errs = s.Secrets(list)
	var ce *CorruptError
	if !errors.As(errs["in-file"], &ce) || !errors.As(errs["file-gone"], &ce) || errs["in-keyring"] != nil {
		t.Errorf("with a damaged secrets file: %v", errs)
	}
}

// TestRecordValidationsWritesOnce: a run's results are one change, so the
// backup afterwards is the file from before the run, whatever the number of
// connectors. A connector removed meanwhile is named, the others saved.
func TestRecordValidationsWritesOnce(t *testing.T) {
	s := openTest(t, Options{})
	for _, name := range []string{"acme", "contoso", "fabrikam"} {
		mustAdd(t, s, sample(name, "t-"+name), "s")
	}
	before, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	roles := make([]string, 2*MaxGrantedRoles)
	for i := range roles {
		roles[i] = "Role." + strings.Repeat("x", i%7+1) + string(rune('A'+i%26)) + string(rune('a'+i/26))
	}
	vs := map[string]Validation{
		"acme":    {At: testNow, OK: true, Tenants: []TenantValidation{{TenantID: "t-acme", OK: true, GrantedRoles: roles}}},
		"contoso": {At: testNow, OK: false},
		"gone":    {At: testNow, OK: true},
	}
	err = s.RecordValidations(vs)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"gone"`) {
		t.Errorf("RecordValidations = %v, want the removed connector named", err)
	}
	bak, err := os.ReadFile(s.Path() + ".bak")
	if err != nil || string(bak) != string(before) {
		t.Errorf("the backup is not the file from before the run: written more than once")
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		v := c.LastValidation
		switch c.Name {
		case "acme":
			if v == nil || !v.OK || len(v.Tenants[0].GrantedRoles) != MaxGrantedRoles || v.Tenants[0].OtherRoles != MaxGrantedRoles {
				t.Errorf("acme: %+v, want its result with roles bounded", v)
			}
		case "contoso":
			if v == nil || v.OK {
				t.Errorf("contoso: %+v, want its failed result", v)
			}
		case "fabrikam":
			if v != nil {
				t.Errorf("fabrikam: %+v, want none (not tested)", v)
			}
		}
	}
	if vs["acme"].Tenants[0].GrantedRoles[MaxGrantedRoles] == "" {
		t.Errorf("the caller's validation was changed")
	}

	// Nothing to record for any connector still there: nothing is written.
	again, _ := os.ReadFile(s.Path())
	if err := s.RecordValidations(map[string]Validation{"gone": {}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("RecordValidations of a removed connector = %v", err)
	}
	if now, _ := os.ReadFile(s.Path()); string(now) != string(again) {
		t.Errorf("a change with nothing to record rewrote the file")
	}
}

// TestBackupIsALinkNotACopy: a save costs one write of data; the backup is
// the previous file itself, and stays 0600.
func TestBackupIsALinkNotACopy(t *testing.T) {
	s := openTest(t, Options{})
	mustAdd(t, s, sample("acme", "t1"), "s1")
	first, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, sample("contoso", "t2"), "s2")
	bak, err := os.Stat(s.Path() + ".bak")
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(first, bak) && linksWork(t) {
		t.Errorf("the backup is a copy, not the previous file")
	}
	if bak.Mode().Perm() != fileMode && fileMode == 0o600 && linksWork(t) {
		t.Errorf("backup mode %v, want %v", bak.Mode().Perm(), fileMode)
	}
}

// linksWork reports whether this file system makes hard links with the
// owner-only mode (not Windows, where modes do not apply).
func linksWork(t *testing.T) bool {
	dir := t.TempDir()
	a := dir + "/a"
	if err := os.WriteFile(a, nil, 0o600); err != nil {
		return false
	}
	fi, err := os.Stat(a)
	return err == nil && os.Link(a, dir+"/b") == nil && fi.Mode().Perm() == 0o600
}
