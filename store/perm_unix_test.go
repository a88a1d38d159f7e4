//go:build unix

package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestPermissions is not parallel: the umask is process-wide. A folder the
// store creates is 0700 and its files 0600 whatever the umask; a folder that
// exists keeps its mode, even through a symbolic link (it used to be reset to
// 0700, the link's target included), and Warnings says when others can use it.
func TestPermissions(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	tests := []struct {
		name   string
		mode   os.FileMode // of the existing folder; 0: none exists
		link   bool        // Dir is a symbolic link to the folder
		want   os.FileMode
		warned bool
	}{
		{"new folder", 0, false, 0o700, false},
		{"existing 0755", 0o755, false, 0o755, true},
		{"existing 0750", 0o750, false, 0o750, true},
		{"existing 0700", 0o700, false, 0o700, false},
		{"existing 0500", 0o500, false, 0o500, false},
		{"symbolic link to 0755", 0o755, true, 0o755, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dir, target := filepath.Join(base, "new", "mdeconnect"), filepath.Join(base, "target")
			if tt.mode != 0 {
				dir = target
				if err := os.Mkdir(target, tt.mode); err != nil {
					t.Fatal(err)
				}
				if tt.link {
					dir = filepath.Join(base, "link")
					if err := os.Symlink(target, dir); err != nil {
						t.Fatal(err)
					}
				}
			}
			s := openTest(t, Options{Dir: dir, SecretBackend: BackendFile})
			if _, err := s.List(); err != nil {
				t.Fatal(err)
			}
			writable := tt.mode == 0 || tt.mode&0o200 != 0 || os.Geteuid() == 0
			if writable {
				mustAdd(t, s, sample("acme", "t1"), "s1")
				mustAdd(t, s, sample("contoso", "t2"), "s2")
			}
			info, err := os.Stat(dir)
			if err != nil || info.Mode().Perm() != tt.want {
				t.Errorf("folder mode %v, %v; want %04o", info.Mode().Perm(), err, tt.want)
			}
			folder := dir
			if tt.link {
				folder = target
			}
			for path := range snapshot(t, folder) {
				if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v, %v; want 0600", path, info.Mode().Perm(), err)
				}
			}
			w := s.Warnings()
			if got := slices.ContainsFunc(w, func(w Warning) bool { return w.Kind == FolderShared && w.Path == dir }); got != tt.warned || len(w) > 1 {
				t.Errorf("warnings %v, want a folder warning: %v", w, tt.warned)
			}
			if tt.warned && len(w) > 0 && !strings.Contains(w[0].String(), fmt.Sprintf("mode %04o: other users can read it", tt.want)) {
				t.Errorf("warning %q", w[0])
			}
		})
	}
}

// TestSecretsFileWarning: secrets.json holds secrets in clear; if others can
// read it, the store says so (it changes nothing itself), and its next
// rewrite is 0600 again.
func TestSecretsFileWarning(t *testing.T) {
	s := openTest(t, Options{SecretBackend: BackendFile})
	mustAdd(t, s, sample("acme", "t1"), "s1")
	if w := s.Warnings(); len(w) != 0 {
		t.Fatalf("a 0600 file in a 0700 folder: %v", w)
	}
	for mode, want := range map[os.FileMode]string{0o644: "other users can read it", 0o606: "other users can change it"} {
		if err := os.Chmod(s.secretsPath, mode); err != nil {
			t.Fatal(err)
		}
		w := s.Warnings()
		if len(w) != 1 || w[0].Kind != SecretsShared || w[0].Path != s.secretsPath || w[0].Mode != mode || !strings.Contains(w[0].String(), want) {
			t.Errorf("secrets.json %04o: warnings %v, want one saying %q", mode, w, want)
		}
	}
	if err := s.SetSecret("acme", "s2"); err != nil {
		t.Fatal(err)
	}
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("after a rotation: %v", w)
	}
}

// TestReadsWriteNothing: list, show and reading a secret need no write access:
// Open, List, Get, Secret and Warnings leave the folder and its files as they
// were, mode included (Open used to reset the folder to 0700, which fails on a
// read-only file system), and create nothing, not even the lock file.
func TestReadsWriteNothing(t *testing.T) {
	for _, backend := range []Backend{BackendKeyring, BackendFile} {
		t.Run(string(backend), func(t *testing.T) {
			kr := newMemKeyring()
			dir := filepath.Join(t.TempDir(), "ro")
			seed := openTest(t, Options{Dir: dir, Keyring: kr, SecretBackend: backend})
			mustAdd(t, seed, sample("acme", "t1"), "s1")
			if err := os.Remove(seed.lockPath); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(dir, 0o700)
			before := snapshot(t, dir)
			s, err := Open(Options{Dir: dir, Keyring: kr})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if list, err := s.List(); err != nil || len(list) != 1 {
				t.Errorf("List = %v, %v", list, err)
			}
			if _, err := s.Get("acme"); err != nil {
				t.Errorf("Get: %v", err)
			}
			if secret, err := s.Secret("acme"); err != nil || secret != "s1" {
				t.Errorf("Secret = %q, %v", secret, err)
			}
			_ = s.Warnings()
			if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o500 {
				t.Errorf("reading changed the folder's mode to %v (%v)", info.Mode().Perm(), err)
			}
			assertSameFiles(t, before, snapshot(t, dir))
		})
	}
}

const readOnlyHelperEnv = "MDECONNECT_STORE_READONLY_HELPER"

// TestReadOnlyHelperProcess is not a test: TestReadOnlyFolder runs it as
// another user, for whom the store's folder is read-only.
func TestReadOnlyHelperProcess(t *testing.T) {
	if os.Getenv(readOnlyHelperEnv) == "" {
		t.Skip("helper process for TestReadOnlyFolder")
	}
	s, err := Open(Options{Dir: os.Getenv("STORE_DIR"), SecretBackend: BackendFile})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(0)
	}
	list, err := s.List()
	fmt.Println("list:", len(list), err)
	c, err := s.Get("acme")
	fmt.Println("get:", c.Name, err)
	secret, err := s.Secret("acme")
	fmt.Println("secret:", secret, err)
	err = s.Add(sample("new", "t9"), "s9")
	fmt.Println("add refused:", errors.Is(err, os.ErrPermission))
	os.Exit(0)
}

// TestReadOnlyFolder runs list, show and a secret read as a user who may read
// the store but not write its folder, as on a read-only file system: chmod
// and creating files fail there (EPERM/EACCES here, EROFS there). It needs
// root, to start the test binary as another user (nobody, 65534).
func TestReadOnlyFolder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a process as another user; TestReadsWriteNothing covers the rest")
	}
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(base, "store")
	seed := openTest(t, Options{Dir: dir, SecretBackend: BackendFile})
	mustAdd(t, seed, sample("acme", "t1"), "s1")
	const nobody = 65534
	for path := range snapshot(t, dir) {
		if err := os.Chown(path, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o555); err != nil { // root's folder: nobody can neither write nor chmod it
		t.Fatal(err)
	}
	bin := filepath.Join(base, "store.test")
	copyFile(t, os.Args[0], bin, 0o755)
	before := snapshot(t, dir)
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyHelperProcess$")
	cmd.Env = append(os.Environ(), readOnlyHelperEnv+"=1", "STORE_DIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	for _, want := range []string{"list: 1 <nil>", "get: acme <nil>", "secret: s1 <nil>", "add refused: true"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("as a user with read-only access, want %q; got:\n%s", want, out)
		}
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o555 {
		t.Errorf("folder mode %v, %v", info.Mode().Perm(), err)
	}
	assertSameFiles(t, before, snapshot(t, dir))
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
