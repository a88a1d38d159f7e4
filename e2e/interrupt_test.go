package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

// TestInterruptSignalExits130 presses Ctrl+C for real: SIGINT to the built
// binary in the middle of `test NAME`, which exits 130 and records nothing.
func TestInterruptSignalExits130(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"MDECONNECT_CONFIG_DIR=" + filepath.Join(dir, "config"), "MDECONNECT_SECRET_STORE=file", "NO_COLOR=1", "TERM=dumb"}
	sandboxEnv, _ := startSandboxProcess(t, bin, base, "--ca-file", filepath.Join(dir, "ca.pem"), "--latency", "700ms")
	env := append(append([]string{}, base...), sandboxEnv...)
	add := exec.Command(bin, "add", "--name", "Contoso", "--tenant", "contosohealthy.onmicrosoft.com=Contoso", "--client-secret-stdin")
	add.Env, add.Stdin = env, strings.NewReader(defendertest.SandboxClientSecret)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	// Early, mid-way and near the end of an uncancelled run, whatever the
	// engine's number of round trips at 700 ms each.
	start := time.Now()
	full := exec.Command(bin, "test", "Contoso")
	full.Env = env
	if out, err := full.CombinedOutput(); err != nil {
		t.Fatalf("uncancelled: %v\n%s", err, out)
	}
	took := time.Since(start)
	phases := []time.Duration{max(300*time.Millisecond, took*15/100), took / 2, took * 7 / 10}
	t.Logf("an uncancelled test NAME takes %v: SIGINT after %v", took.Round(time.Millisecond), phases)
	config := filepath.Join(dir, "config")
	files := storeBytes(t, config)
	// The three runs go at once: each waits on the sandbox's latency, and
	// none may change the store.
	for _, after := range phases {
		t.Run(after.Round(time.Millisecond).String(), func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, "test", "Contoso")
			cmd.Env = env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(after)
			_ = cmd.Process.Signal(os.Interrupt)
			start := time.Now()
			_ = cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != exitCancelled || !strings.Contains(stderr.String(), "Cancelled.") {
				t.Errorf("SIGINT after %v: exit %d, want 130\n%s", after, code, stderr.String())
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("SIGINT after %v: exited %v later", after, d)
			}
			if !reflect.DeepEqual(files, storeBytes(t, config)) {
				t.Errorf("SIGINT after %v: test NAME recorded a result", after)
			}
		})
	}
}

// storeBytes returns the contents of every file in a store's folder but its
// lock files.
func storeBytes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		b, rerr := os.ReadFile(p)
		if rerr == nil {
			out[p] = string(b)
		}
		return nil
	})
	return out
}
