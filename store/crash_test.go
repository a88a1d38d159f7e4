package store

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const crashHelperEnv = "MDECONNECT_STORE_CRASH_HELPER"

// TestCrashHelperProcess is not a test: TestKilledSaveKeepsOldOrNew runs the
// test binary with it to save generation after generation until it is killed.
// It prints "ready", then each generation once both its saves returned.
func TestCrashHelperProcess(t *testing.T) {
	if os.Getenv(crashHelperEnv) == "" {
		t.Skip("helper process for TestKilledSaveKeepsOldOrNew")
	}
	s, err := Open(Options{Dir: os.Getenv("STORE_DIR"), SecretBackend: BackendFile})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gen, err := generation(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ready")
	for i := gen + 1; ; i++ {
		err := s.Update(crashName, func(c *Connector) error {
			c.Mappings[0].CustomerName = fmt.Sprintf("gen-%d", i)
			return nil
		})
		if err == nil {
			err = s.SetSecret(crashName, fmt.Sprintf("secret-gen-%d", i))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(i)
	}
}

const crashName = "Crash"

// generation is the generation the store holds: its connector's customer name.
func generation(s *Store) (int, error) {
	c, err := s.Get(crashName)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimPrefix(c.Mappings[0].CustomerName, "gen-"))
}

// TestKilledSaveKeepsOldOrNew kills a process that saves in a loop (SIGKILL,
// after a random delay) again and again: every time, the store loads and
// holds the last generation the process finished or the one it was saving.
func TestKilledSaveKeepsOldOrNew(t *testing.T) {
	t.Parallel() // each in its own folder, killing its own helpers
	// least is the fewest kills that make a run worth its name; -short runs
	// fewer, and must not then ask for more than it allowed.
	budget, most, least := 20*time.Second, 300, 50
	if testing.Short() {
		budget, most, least = 3*time.Second, 40, 20
	}
	dir := filepath.Join(t.TempDir(), "store")
	s := openTest(t, Options{Dir: dir, SecretBackend: BackendFile})
	c := sample(crashName, "tenant-crash")
	c.Mappings[0].CustomerName = "gen-0"
	mustAdd(t, s, c, "secret-gen-0")

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	prev := crashState{}
	start, iterations, landed := time.Now(), 0, 0
	for ; iterations < most && time.Since(start) < budget; iterations++ {
		acked := killSaver(t, dir, time.Duration(rng.IntN(8000))*time.Microsecond)
		got, err := loadCrashState(s)
		if err != nil {
			t.Fatalf("iteration %d (killed after generation %d): the store does not load: %v", iterations, acked, err)
		}
		if !got.follows(prev, acked) {
			t.Fatalf("iteration %d: the store holds %+v; before it held %+v and the process finished generation %d", iterations, got, prev, acked)
		}
		if got != prev {
			landed++
		}
		prev = got
	}
	if iterations < least {
		t.Errorf("only %d kills in %v", iterations, budget)
	}
	if landed == 0 {
		t.Errorf("no kill came after a save: the delays never reached the saving loop")
	}
	// One more, as if the last kill had landed between write and rename.
	if err := os.WriteFile(filepath.Join(dir, "."+secretsFile+".tmp-killed"), []byte(`{"secrets":{"x":"s"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	left := tempFiles(t, dir)
	// The next save, by any process, sweeps what killed saves left behind.
	if err := s.SetSecret(crashName, "secret-after"); err != nil {
		t.Fatal(err)
	}
	if after := tempFiles(t, dir); len(after) > 0 {
		t.Errorf("%d temporary files outlive the next save: %v", len(after), after)
	}
	t.Logf("%d processes killed while saving in %v (%d changed the store, %d left a temporary file); the store loaded every time",
		iterations, time.Since(start).Round(time.Millisecond), landed, len(left))
}

// crashState is the generation of the connector and of its secret, which a
// save writes one after the other (connectors.json, then secrets.json).
type crashState struct{ conn, secret int }

func loadCrashState(s *Store) (crashState, error) {
	conn, err := generation(s)
	if err != nil {
		return crashState{}, err
	}
	secret, err := s.Secret(crashName)
	if err != nil {
		return crashState{}, fmt.Errorf("the secret: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(secret, "secret-gen-"))
	return crashState{conn, n}, err
}

// follows reports whether st is what a process killed while saving can leave
// after prev: each file holds the old or the new generation, where old is the
// last one finished (acked, or prev when none was) and new the one in flight.
func (st crashState) follows(prev crashState, acked int) bool {
	oldConn, oldSecret := prev.conn, prev.secret
	if acked >= 0 {
		oldConn, oldSecret = acked, acked
	}
	next := oldConn + 1
	switch {
	case st.conn != oldConn && st.conn != next, st.secret != oldSecret && st.secret != next:
		return false
	case st.secret == next && st.conn != next: // the secret is saved second
		return false
	}
	return true
}

// killSaver starts the saving helper, kills it delay after it is ready, and
// returns the last generation it reported finished (-1 for none).
func killSaver(t *testing.T, dir string, delay time.Duration) int {
	t.Helper()
	acked := -1
	killHelper(t, "TestCrashHelperProcess", []string{crashHelperEnv + "=1", "STORE_DIR=" + dir}, delay, func(line string) {
		if n, err := strconv.Atoi(line); err == nil {
			acked = n
		}
	})
	return acked
}

// killHelper starts the test binary's helper test with env added, waits
// for its "ready", kills it with SIGKILL (no deferred function, no cleanup
// runs) delay later, and hands each line it printed after "ready" to seen.
func killHelper(t *testing.T, helper string, env []string, delay time.Duration, seen func(string)) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$")
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "ready" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the helper did not start: %q %s", lines.Text(), stderr.String())
	}
	time.Sleep(delay)
	_ = cmd.Process.Kill()
	for lines.Scan() {
		if seen != nil {
			seen(lines.Text())
		}
	}
	_ = cmd.Wait()
	if strings.TrimSpace(stderr.String()) != "" {
		t.Fatalf("the helper failed before it was killed: %s", stderr.String())
	}
}

// tempFiles lists the temporary files of unfinished saves, checking they are
// readable by their owner only: secrets.json's hold a client secret.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	for _, p := range left {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is left with mode %v", filepath.Base(p), fi.Mode().Perm())
		}
	}
	return left
}
