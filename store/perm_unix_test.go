//go:build unix

package store

import (
	"os"
	"syscall"
	"testing"
)

// TestPermissions is not parallel: the umask is process-wide.
func TestPermissions(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	existing := t.TempDir()
	if err := os.Chmod(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{existing + "/new/mdeconnect", existing} {
		s := openTest(t, Options{Dir: dir, SecretBackend: BackendFile})
		mustAdd(t, s, sample("acme", "t1"), "s1")
		mustAdd(t, s, sample("contoso", "t2"), "s2")
		info, err := os.Stat(dir)
		if err != nil || info.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, %v; want 0700", dir, info.Mode().Perm(), err)
		}
		for path := range snapshot(t, dir) {
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, %v; want 0600", path, info.Mode().Perm(), err)
			}
		}
	}
}
