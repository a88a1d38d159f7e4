package store

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

// dirKeyring is a keyring kept in a folder, one file per entry, so that what
// a killed process saved in it outlives the process, as it does in a real one.
type dirKeyring string

func (d dirKeyring) path(service, user string) string {
	return filepath.Join(string(d), hex.EncodeToString([]byte(service+"/"+user)))
}

func (d dirKeyring) Get(service, user string) (string, error) {
	b, err := os.ReadFile(d.path(service, user))
	if errors.Is(err, os.ErrNotExist) {
		return "", keyring.ErrNotFound
	}
	return string(b), err
}

func (d dirKeyring) Set(service, user, password string) error {
	tmp := d.path(service, user) + ".tmp"
	if err := os.WriteFile(tmp, []byte(password), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, d.path(service, user))
}

func (d dirKeyring) Delete(service, user string) error {
	err := os.Remove(d.path(service, user))
	if errors.Is(err, os.ErrNotExist) {
		return keyring.ErrNotFound
	}
	return err
}

// users lists the accounts that hold a secret.
func (d dirKeyring) users(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(string(d))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		b, err := hex.DecodeString(e.Name())
		if err == nil {
			out = append(out, strings.TrimPrefix(string(b), KeyringService+"/"))
		}
	}
	return out
}

// orphans lists the secrets (as "backend/name") no connector of s uses, and
// fails the test if a connector's secret is missing.
func orphans(t *testing.T, s *Store, kr dirKeyring) []string {
	t.Helper()
	_, doc, err := s.load()
	if err != nil {
		t.Fatalf("the store does not load: %v", err)
	}
	secrets, err := s.readSecrets()
	if err != nil {
		t.Fatalf("secrets.json does not load: %v", err)
	}
	var out []string
	for name := range secrets.Secrets {
		if !doc.uses(slot{BackendFile, name}) {
			out = append(out, "file/"+name)
		}
	}
	for _, name := range kr.users(t) {
		if !doc.uses(slot{BackendKeyring, name}) {
			out = append(out, "keyring/"+name)
		}
	}
	for _, c := range doc.Connectors {
		if _, err := s.getSecret(slot{c.SecretStore, c.Name}); err != nil {
			t.Fatalf("connector %q has no secret: %v", c.Name, err)
		}
	}
	return out
}

// TestNotedSecretsAreCollected starts from what a change killed at each point
// leaves (a note, and perhaps a secret no connector uses) and checks what the
// next change does with it.
func TestNotedSecretsAreCollected(t *testing.T) {
	tests := []struct {
		name    string
		backend Backend
		noted   []slot
		next    func(*Store) error
		gone    []slot // secrets the next change deletes
		kept    []slot // secrets it keeps
		note    []slot // what stays noted
	}{
		{"killed add, keyring: the next add collects", BackendKeyring,
			[]slot{{BackendKeyring, "ghost"}}, addOther, []slot{{BackendKeyring, "ghost"}}, nil, nil},
		{"killed add, file: any next change collects", BackendFile,
			[]slot{{BackendFile, "ghost"}}, recordOnly, []slot{{BackendFile, "ghost"}}, nil, nil},
		{"a change that does not reach the keyring leaves keyring slots noted", BackendKeyring,
			[]slot{{BackendKeyring, "ghost"}}, recordOnly, nil, []slot{{BackendKeyring, "ghost"}}, []slot{{BackendKeyring, "ghost"}}},
		{"killed after connectors.json was saved: the secret is in use", BackendKeyring,
			[]slot{{BackendKeyring, "acme"}}, addOther, nil, []slot{{BackendKeyring, "acme"}}, nil},
		{"killed rename: the old place is collected, the connector's kept", BackendFile,
			[]slot{{BackendFile, "acme"}, {BackendFile, "acme-old"}}, recordOnly, []slot{{BackendFile, "acme-old"}}, []slot{{BackendFile, "acme"}}, nil},
		{"a keyring name used in another case is kept", BackendKeyring,
			[]slot{{BackendKeyring, "ACME"}}, addOther, nil, []slot{{BackendKeyring, "ACME"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr := newMemKeyring()
			s := openTest(t, Options{Keyring: kr, SecretBackend: tt.backend})
			mustAdd(t, s, sample("acme", "t1"), "s-acme")
			for _, at := range append(append([]slot{}, tt.gone...), tt.kept...) {
				if at.name == "acme" {
					continue // the connector's own
				}
				if err := s.putSecret(at, "left-"+at.name); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.writePending(tt.noted); err != nil {
				t.Fatal(err)
			}
			if err := tt.next(s); err != nil {
				t.Fatal(err)
			}
			for _, at := range tt.gone {
				if _, err := s.getSecret(at); !errors.Is(err, ErrSecretMissing) {
					t.Errorf("%v outlives the next change: %v", at, err)
				}
			}
			for _, at := range tt.kept {
				if _, err := s.getSecret(at); err != nil {
					t.Errorf("%v was deleted: %v", at, err)
				}
			}
			if got, _ := s.readPending(); len(got) != len(tt.note) || (len(got) > 0 && got[0] != tt.note[0]) {
				t.Errorf("noted afterwards: %v, want %v", got, tt.note)
			}
			if secret, err := s.Secret("acme"); err != nil || secret != "s-acme" {
				t.Errorf("the connector's own secret: %q, %v", secret, err)
			}
		})
	}
}

func addOther(s *Store) error { return s.Add(sample("other", "t9"), "s-other") }

func recordOnly(s *Store) error { return s.RecordValidation("acme", Validation{OK: true}) }

// TestHostileNoteIsBounded: the note is read from a file, so it is hostile
// like any other: slots with names no connector could have are ignored, and
// at most maxPending are acted on.
func TestHostileNoteIsBounded(t *testing.T) {
	s := openTest(t, Options{})
	var b strings.Builder
	b.WriteString(`{"version":1,"slots":[{"secret_store":"keyring","name":"bad\u001b]52;c;x\u0007"},{"secret_store":"vault","name":"x"}`)
	for i := range 1000 {
		b.WriteString(`,{"secret_store":"file","name":"n` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + `"}`)
	}
	b.WriteString(`]}`)
	if err := os.WriteFile(s.pendingPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _ := s.readPending()
	if len(got) > maxPending {
		t.Errorf("%d slots read, want at most %d", len(got), maxPending)
	}
	for _, at := range got {
		if at.backend != BackendFile || strings.ContainsRune(at.name, 0x1b) {
			t.Errorf("slot %v read from a hostile note", at)
		}
	}
	for _, raw := range []string{"{", `{"version":7,"slots":[]}`, `{"slots":[],"x":1}`} {
		if err := os.WriteFile(s.pendingPath, []byte(raw), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.readPending(); got != nil {
			t.Errorf("%s: read %v", raw, got)
		}
	}
	// A damaged note does not stop a change, and the change clears it.
	mustAdd(t, s, sample("acme", "t1"), "s1")
	if _, err := os.Stat(s.pendingPath); !errors.Is(err, os.ErrNotExist) {
		raw, _ := os.ReadFile(s.pendingPath)
		t.Errorf("after a change the note is still there: %s", raw)
	}
}
