package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

// fleetConnectors are the saved connectors of the progress tests, one
// tenant each: two fail (a missing role), two warn (no licence, no devices).
var fleetConnectors = []struct{ name, scenario string }{
	{"Alpha", "healthy"}, {"Bravo", "missing-role"}, {"Charlie", "many-devices"}, {"Delta", "unlicensed"},
	{"Echo", "healthy"}, {"Foxtrot", "empty"}, {"Golf", "healthy"}, {"Hotel", "missing-role"},
}

// savedFleet starts a sandbox whose replies take latency, saves
// fleetConnectors in a store of their own, and returns the environment
// that reaches both.
func savedFleet(t *testing.T, bin string, latency time.Duration) []string {
	t.Helper()
	dir := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"MDECONNECT_CONFIG_DIR=" + filepath.Join(dir, "config"), envSecretStore + "=file"}
	exports, _ := startSandboxProcess(t, bin, base, "--latency", latency.String(), "--ca-file", filepath.Join(dir, "ca.pem"))
	env := append(append([]string{}, base...), exports...)
	for _, c := range fleetConnectors {
		sc, ok := defendertest.Lookup(c.scenario)
		if !ok {
			t.Fatalf("no scenario %q", c.scenario)
		}
		cmd := exec.Command(bin, "add", "--name", c.name, "--tenant", sc.TenantID+"="+c.name, "--client-secret-stdin", "--skip-test")
		cmd.Env, cmd.Stdin = env, strings.NewReader(defendertest.SandboxClientSecret)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("add %s: %v\n%s", c.name, err, out)
		}
	}
	return env
}

// bar matches the progress bar while the run goes: "[██░░…] 3/8 tenants · 0:01".
var bar = regexp.MustCompile(`\[[█░]{20}\] ([0-9,]+)/8 tenants · [0-9]+:[0-9]{2}`)

// TestTestAllProgressOnATerminal: on a terminal `test --all` draws a bar of
// the tenants done out of all with the time so far and the tenants running,
// and each failure as it happens, above the bar, while others still run;
// the bar is gone when the summary comes.
func TestTestAllProgressOnATerminal(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	env := savedFleet(t, bin, 400*time.Millisecond)
	// Two at a time, two replies of 400 ms each: about 3 s in all.
	tm := startTermRows(t, 40, bin, env, "test", "--all", "--parallel", "2")
	tm.waitFor("running 2: ")
	if m := bar.FindStringSubmatch(tm.screen()); m == nil || m[1] == "8" {
		t.Fatalf("no bar of tenants under way:\n%s", tm.screen())
	}
	// Bravo, the second connector, fails early; its line shows while the
	// run goes on (the bar still counts fewer than 8 tenants).
	tm.waitFor("Bravo / ")
	screen := tm.screen()
	if m := bar.FindStringSubmatch(screen); m == nil || m[1] == "8" {
		t.Errorf("the failure was not shown as it happened, before the end:\n%s", screen)
	}
	if !strings.Contains(screen, "Insufficient permissions") {
		t.Errorf("the failure line does not say why:\n%s", screen)
	}
	if code := tm.exitCode(); code != 3 {
		t.Fatalf("exit %d, want 3:\n%s", code, tm.screen())
	}
	screen = tm.screen()
	if !strings.Contains(screen, "8 connector(s), 8 tenant(s): 4 passing, 2 warning, 2 failing") {
		t.Errorf("no summary:\n%s", screen)
	}
	if bar.MatchString(screen) {
		t.Errorf("the bar is still on the screen after the summary:\n%s", screen)
	}
}

// TestTestAllProgressNotWhenPiped: with stderr and stdout piped (cron) there
// is no bar and no cursor movement, only the summary; --failed-only keeps
// the failing tenants in it and drops those that warn.
func TestTestAllProgressNotWhenPiped(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	env := savedFleet(t, bin, 0)
	cmd := exec.Command(bin, "test", "--all", "--failed-only")
	var stdout, stderr bytes.Buffer
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &stdout, &stderr
	err := cmd.Run()
	if cmd.ProcessState.ExitCode() != 3 {
		t.Fatalf("exit %v, want 3\n%s%s", err, stdout.String(), stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr holds more than nothing when piped: %q", stderr.String())
	}
	out := stdout.String()
	if strings.ContainsAny(out, "\r\x1b") || bar.MatchString(out) {
		t.Errorf("progress or cursor movement in piped output: %q", out)
	}
	for _, want := range []string{"8 connector(s), 8 tenant(s): 4 passing, 2 warning, 2 failing", "Bravo / ", "Hotel / "} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Delta") || strings.Contains(out, "Foxtrot") {
		t.Errorf("--failed-only lists a tenant that only warned:\n%s", out)
	}
}
