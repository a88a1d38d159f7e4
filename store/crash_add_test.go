package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const addHelperEnv = "MDECONNECT_STORE_ADD_HELPER"

// TestAddHelperProcess is not a test: TestKilledAddLeavesNoOrphan runs the
// test binary with it to add connector after connector until it is killed.
func TestAddHelperProcess(t *testing.T) {
	if os.Getenv(addHelperEnv) == "" {
		t.Skip("helper process for TestKilledAddLeavesNoOrphan")
	}
	s, err := Open(Options{Dir: os.Getenv("STORE_DIR"), SecretBackend: Backend(os.Getenv("STORE_BACKEND")),
		Keyring: dirKeyring(os.Getenv("KEYRING_DIR"))})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready")
	for i := 0; ; i++ {
		name := fmt.Sprintf("c%04d", i)
		if err := s.Add(sample(name, "tenant-"+name), "secret-"+name); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

// TestKilledAddLeavesNoOrphan kills (SIGKILL, after a random delay) a process
// that adds connectors, with secrets in the file and in a keyring that
// outlives the process. A kill may leave a secret no connector uses; the next
// change must collect every one, and every connector must have its secret.
func TestKilledAddLeavesNoOrphan(t *testing.T) {
	t.Parallel() // each in its own folder, killing its own helpers
	budget, most, least := 10*time.Second, 160, 40
	if testing.Short() {
		budget, most, least = 2*time.Second, 24, 8
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	start, kills, left := time.Now(), 0, 0
	for ; kills < most && time.Since(start) < budget; kills++ {
		backend := []Backend{BackendFile, BackendKeyring}[kills%2]
		base := t.TempDir()
		dir, kr := filepath.Join(base, "store"), dirKeyring(filepath.Join(base, "keyring"))
		if err := os.Mkdir(string(kr), 0o700); err != nil {
			t.Fatal(err)
		}
		killAdder(t, dir, kr, backend, time.Duration(rng.IntN(30000))*time.Microsecond)
		s := openTest(t, Options{Dir: dir, Keyring: kr, SecretBackend: backend})
		if len(orphans(t, s, kr)) > 0 {
			left++
		}
		// The next change, by any process, collects what the kill left.
		mustAdd(t, s, sample("after", "tenant-after"), "secret-after")
		if o := orphans(t, s, kr); len(o) > 0 {
			t.Fatalf("kill %d (%s): secrets no connector uses after the next change: %v", kills, backend, o)
		}
		if _, err := os.Stat(filepath.Join(dir, pendingFile)); !os.IsNotExist(err) {
			t.Errorf("kill %d: %s outlives the next change (%v)", kills, pendingFile, err)
		}
	}
	if kills < least {
		t.Errorf("only %d kills in %v", kills, budget)
	}
	t.Logf("%d adding processes killed in %v; %d left a secret no connector used, every one collected by the next change",
		kills, time.Since(start).Round(time.Millisecond), left)
}

// killAdder starts the adding helper and kills it delay after it is ready.
func killAdder(t *testing.T, dir string, kr dirKeyring, backend Backend, delay time.Duration) {
	t.Helper()
	killHelper(t, "TestAddHelperProcess", []string{addHelperEnv + "=1", "STORE_DIR=" + dir, "KEYRING_DIR=" + string(kr), "STORE_BACKEND=" + string(backend)}, delay, nil)
}
