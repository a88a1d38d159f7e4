package store

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// TestSystemKeyringPath exercises the default go-keyring backend through its mock.
// Not parallel: MockInit replaces go-keyring's process-wide provider.
func TestSystemKeyringPath(t *testing.T) {
	keyring.MockInit()
	s, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, sample("acme", "t1"), "s1")
	if got, err := keyring.Get(KeyringService, "acme"); err != nil || got != "s1" {
		t.Fatalf("go-keyring holds %q, %v; want s1", got, err)
	}
	if err := s.SetSecret("acme", "s2"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Secret("acme"); err != nil || got != "s2" {
		t.Errorf("Secret after rotation = %q, %v", got, err)
	}
	if err := s.Remove("acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(KeyringService, "acme"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("secret still in keyring after Remove: %v", err)
	}
}

func TestHangingKeyringTimesOut(t *testing.T) {
	const timeout = 50 * time.Millisecond
	ops := []struct {
		name string
		op   func(*Store) error
	}{
		{"add", func(s *Store) error { return s.Add(sample("new", "t9"), "s") }},
		{"secret", func(s *Store) error { _, err := s.Secret("acme"); return err }},
		{"set secret", func(s *Store) error { return s.SetSecret("acme", "s2") }},
		{"remove", func(s *Store) error { return s.Remove("acme") }},
		{"rename", func(s *Store) error {
			return s.Update("acme", func(c *Connector) error { c.Name = "acme2"; return nil })
		}},
	}
	for _, tt := range ops {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustAdd(t, openTest(t, Options{Dir: dir}), sample("acme", "t1"), "s1")
			hang := hangKeyring{release: make(chan struct{})}
			defer close(hang.release)
			s := openTest(t, Options{Dir: dir, Keyring: hang, KeyringTimeout: timeout})
			before := snapshot(t, dir)
			start := time.Now()
			err := tt.op(s)
			if elapsed := time.Since(start); elapsed > 4*timeout {
				t.Errorf("took %s with a %s keyring timeout", elapsed, timeout)
			}
			if !errors.Is(err, ErrKeyringUnavailable) {
				t.Fatalf("error = %v, want ErrKeyringUnavailable", err)
			}
			for _, hint := range []string{"unlock or start your keyring"} {
				if !strings.Contains(err.Error(), hint) {
					t.Errorf("error does not tell the user about %s: %v", hint, err)
				}
			}
			assertSameFiles(t, before, snapshot(t, dir))
		})
	}
}

func TestNoSilentFallbackToFile(t *testing.T) {
	for _, backend := range []Backend{"", BackendAuto, BackendKeyring} {
		kr := newMemKeyring()
		kr.err = errors.New("The name org.freedesktop.secrets was not provided by any .service files")
		s := openTest(t, Options{Keyring: kr, SecretBackend: backend})
		if err := s.Add(sample("acme", "t1"), "s1"); !errors.Is(err, ErrKeyringUnavailable) {
			t.Errorf("backend %q: Add = %v, want ErrKeyringUnavailable", backend, err)
		}
		if files := snapshot(t, s.dir); len(files) > 1 { // only the lock file
			t.Errorf("backend %q: files written: %v", backend, files)
		}
	}
}

func TestFileBackend(t *testing.T) {
	kr := newMemKeyring()
	dir := t.TempDir()
	s := openTest(t, Options{Dir: dir, Keyring: kr, SecretBackend: BackendFile})
	mustAdd(t, s, sample("acme", "t1"), "s1")
	c, _ := s.Get("acme")
	if c.SecretStore != BackendFile || kr.has("acme") {
		t.Fatalf("secret store = %s, in keyring: %v", c.SecretStore, kr.has("acme"))
	}
	if where := s.Where(c); !strings.Contains(where, "secrets.json") {
		t.Errorf("Where = %q", where)
	}
	// An auto store reads it from the file and rotates it in place.
	auto := openTest(t, Options{Dir: dir, Keyring: kr})
	if err := auto.SetSecret("acme", "s2"); err != nil {
		t.Fatal(err)
	}
	if got, err := auto.Secret("acme"); err != nil || got != "s2" || kr.has("acme") {
		t.Errorf("auto rotation: %q, %v, in keyring %v", got, err, kr.has("acme"))
	}
	// Choosing the keyring moves it there on rotation.
	ks := openTest(t, Options{Dir: dir, Keyring: kr, SecretBackend: BackendKeyring})
	if err := ks.SetSecret("acme", "s3"); err != nil {
		t.Fatal(err)
	}
	c, _ = ks.Get("acme")
	if c.SecretStore != BackendKeyring || !kr.has("acme") || !strings.Contains(ks.Where(c), "keyring") {
		t.Errorf("after moving: store %s, in keyring %v", c.SecretStore, kr.has("acme"))
	}
	if _, err := ks.getSecret(slot{BackendFile, "acme"}); !errors.Is(err, ErrSecretMissing) {
		t.Errorf("secret left in the file after moving: %v", err)
	}
}

func TestSecretIsOnlyInItsStore(t *testing.T) {
	const secret = "Sup3r~Secret.Value-4ff"
	for _, backend := range []Backend{BackendKeyring, BackendFile} {
		t.Run(string(backend), func(t *testing.T) {
			s := openTest(t, Options{SecretBackend: backend})
			mustAdd(t, s, sample("acme", "t1"), secret)
			mustAdd(t, s, sample("contoso", "t2"), secret+"2")
			if err := s.Update("acme", func(c *Connector) error { c.Name = "acme2"; return nil }); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordValidation("acme2", Validation{OK: true}); err != nil {
				t.Fatal(err)
			}
			err := s.Add(sample("acme2", "t3"), secret) // refused: its error must not echo the secret
			if err == nil || strings.Contains(err.Error(), secret) {
				t.Errorf("error %v", err)
			}
			for path, content := range snapshot(t, s.dir) {
				inStore := backend == BackendFile && strings.HasSuffix(path, "secrets.json")
				if strings.Contains(content, secret) != inStore {
					t.Errorf("%s holds the secret: %v, want %v", path, !inStore, inStore)
				}
			}
		})
	}
}

func TestFailedSaveUndoesSecretChanges(t *testing.T) {
	for _, backend := range []Backend{BackendKeyring, BackendFile} {
		t.Run(string(backend), func(t *testing.T) {
			kr := newMemKeyring()
			s := openTest(t, Options{Keyring: kr, SecretBackend: backend})
			mustAdd(t, s, sample("acme", "t1"), "s1")
			// A folder where the backup goes makes every save fail after the
			// secret has been touched.
			if err := os.Mkdir(s.Path()+".bak", 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(s.Path()+".bak/x", nil, 0o600); err != nil {
				t.Fatal(err)
			}
			ops := map[string]func() error{
				"add":    func() error { return s.Add(sample("new", "t9"), "s9") },
				"rotate": func() error { return s.SetSecret("acme", "s2") },
				"rename": func() error { return s.Update("acme", func(c *Connector) error { c.Name = "acme2"; return nil }) },
				"remove": func() error { return s.Remove("acme") },
			}
			for name, op := range ops {
				if err := op(); err == nil {
					t.Fatalf("%s succeeded with an unwritable backup", name)
				}
				if got, err := s.getSecret(slot{backend, "acme"}); err != nil || got != "s1" {
					t.Errorf("%s: secret of acme = %q, %v; want s1 kept", name, got, err)
				}
				for _, other := range []string{"new", "acme2"} {
					if _, err := s.getSecret(slot{backend, other}); !errors.Is(err, ErrSecretMissing) {
						t.Errorf("%s: secret left under %q: %v", name, other, err)
					}
				}
			}
		})
	}
}

func TestLockTimeout(t *testing.T) {
	s := openTest(t, Options{LockTimeout: 50 * time.Millisecond})
	unlock, err := lock(s.lockPath, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	start := time.Now()
	err = s.Add(sample("acme", "t1"), "s1")
	if !errors.Is(err, ErrLockTimeout) || !strings.Contains(err.Error(), "connectors.lock") {
		t.Errorf("Add under a held lock = %v, want ErrLockTimeout naming the lock file", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("waited %s for a 50ms lock timeout", elapsed)
	}
}

func TestKeyringAvailable(t *testing.T) {
	ok := newMemKeyring()
	st, err := Open(Options{Dir: t.TempDir(), Keyring: ok})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.KeyringAvailable(); err != nil {
		t.Errorf("a working keyring: %v", err)
	}
	broken := newMemKeyring()
	broken.err = errors.New("dbus: no session bus")
	st, err = Open(Options{Dir: t.TempDir(), Keyring: broken})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.KeyringAvailable(); !errors.Is(err, ErrKeyringUnavailable) {
		t.Errorf("a broken keyring: %v", err)
	}
}
