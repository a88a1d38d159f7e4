package store

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// memKeyring is an in-memory keyring that can be made to fail.
type memKeyring struct {
	mu      sync.Mutex
	secrets map[string]string
	err     error // returned by every call when set
}

func newMemKeyring() *memKeyring { return &memKeyring{secrets: map[string]string{}} }

func (k *memKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return "", k.err
	}
	v, ok := k.secrets[service+"/"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (k *memKeyring) Set(service, user, password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return k.err
	}
	k.secrets[service+"/"+user] = password
	return nil
}

func (k *memKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err != nil {
		return k.err
	}
	if _, ok := k.secrets[service+"/"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.secrets, service+"/"+user)
	return nil
}

func (k *memKeyring) has(user string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.secrets[KeyringService+"/"+user]
	return ok
}

// hangKeyring never answers, like a Secret Service that is not running on WSL.
type hangKeyring struct{ release chan struct{} }

func (h hangKeyring) Get(string, string) (string, error) { <-h.release; return "", nil }
func (h hangKeyring) Set(string, string, string) error   { <-h.release; return nil }
func (h hangKeyring) Delete(string, string) error        { <-h.release; return nil }

var testNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// openTest opens a store in a fresh folder with a fixed clock and, unless opts
// says otherwise, an in-memory keyring.
func openTest(t *testing.T, opts Options) *Store {
	t.Helper()
	if opts.Dir == "" {
		// A folder that exists, as it does once a store has been used: Open
		// itself creates nothing.
		opts.Dir = filepath.Join(t.TempDir(), "mdeconnect")
		if err := os.Mkdir(opts.Dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if opts.Keyring == nil {
		opts.Keyring = newMemKeyring()
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func sample(name string, tenants ...string) Connector {
	c := Connector{Name: name, Mode: OneToMany, ClientID: "00000000-0000-0000-0000-0000000000c1", Cloud: "global"}
	if len(tenants) == 1 {
		c.Mode = OneToOne
	}
	for _, id := range tenants {
		c.Mappings = append(c.Mappings, Mapping{TenantID: id, CustomerName: "Customer " + id, AddedAt: testNow})
	}
	return c
}

func mustAdd(t *testing.T, s *Store, c Connector, secret string) {
	t.Helper()
	if err := s.Add(c, secret); err != nil {
		t.Fatalf("Add(%q): %v", c.Name, err)
	}
}

// snapshot returns the content of every file under dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		files[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatalf("snapshot %s: %v", dir, err)
	}
	return files
}

func assertSameFiles(t *testing.T, before, after map[string]string) {
	t.Helper()
	for path, b := range before {
		if a, ok := after[path]; !ok || a != b {
			t.Errorf("%s changed (present afterwards: %v)", filepath.Base(path), ok)
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			t.Errorf("%s appeared", filepath.Base(path))
		}
	}
}
