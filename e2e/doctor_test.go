package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

// doctorEnv points the binary at an in-process fake cloud whose device
// code polls follow flow, and gives it a BROWSER that writes down the URL
// it is asked to open (to the returned file).
func doctorEnv(t *testing.T, flow defendertest.DeviceFlow) (env []string, opened string) {
	t.Helper()
	fake := defendertest.NewTestCloud(t, defendertest.Options{})
	fake.SetDeviceFlow(flow)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	opened = filepath.Join(dir, "opened")
	script := filepath.Join(dir, "browser.sh")
	if err := os.WriteFile(ca, fake.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s' \"$1\" > '"+opened+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return []string{"MDECONNECT_LOGIN_URL=" + fake.LoginURL, "MDECONNECT_API_URL=" + fake.APIURL, "MDECONNECT_GRAPH_URL=" + fake.GraphURL,
		"MDECONNECT_CA_FILE=" + ca, "MDECONNECT_CONFIG_DIR=" + filepath.Join(dir, "config"), "NO_COLOR=1", "BROWSER=" + script}, opened
}

var userCodeRE = regexp.MustCompile(`one-time code: ([A-Z0-9]{9})`)

// TestDoctorDeviceCodeInATerminal: the code is shown as gh auth login shows
// it; c copies it through OSC 52 and Enter opens the page, while the polls
// meet authorization_pending and slow_down before the admin is signed in.
func TestDoctorDeviceCodeInATerminal(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	env, opened := doctorEnv(t, defendertest.DeviceFlow{Pending: 3, SlowDown: 1})
	healthy, _ := defendertest.Lookup("healthy")
	tm := startTerm(t, bin, env, "doctor", "--tenant", healthy.Domain, "--device-code")
	tm.waitFor("Press Enter to open the page in your browser")
	m := userCodeRE.FindStringSubmatch(tm.screen())
	if m == nil {
		t.Fatalf("no code on the screen:\n%s", tm.screen())
	}
	tm.send("c", keyEnter)
	tm.waitFor("Copied the code")
	tm.mu.Lock()
	raw := tm.raw.String()
	tm.mu.Unlock()
	if !strings.Contains(raw, "\x1b]52;c;"+base64.StdEncoding.EncodeToString([]byte(m[1]))+"\a") {
		t.Errorf("no OSC 52 with the code %s in what the program wrote", m[1])
	}
	tm.send(keyEnter)
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(opened)
		if err == nil && strings.HasSuffix(string(b), "/devicelogin") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the browser was not asked to open the verification page (%q, %v)", b, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	tm.waitFor("Signed in as admin@" + healthy.Domain)
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, tm.screen())
	}
	if s := tm.screen(); !strings.Contains(squash(s), squash("Nothing wrong found from the tenant's side")) {
		t.Errorf("screen:\n%s", s)
	}
}

// TestDoctorOverSSHDeclined: over SSH doctor uses the device code by itself,
// and an admin who declines ends it with exit 1 and the reason.
func TestDoctorOverSSHDeclined(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	env, _ := doctorEnv(t, defendertest.DeviceFlow{Pending: 1, Outcome: defendertest.DeviceDecline})
	env = append(env, "SSH_CONNECTION=203.0.113.9 50000 198.51.100.1 22")
	healthy, _ := defendertest.Lookup("healthy")
	tm := startTerm(t, bin, env, "doctor", "--tenant", healthy.TenantID)
	tm.waitFor("This is an SSH session")
	tm.waitFor("First copy your one-time code")
	if code := tm.exitCode(); code != 1 {
		t.Fatalf("exit %d:\n%s", code, tm.screen())
	}
	if s := tm.screen(); !strings.Contains(squash(s), squash("the admin declined the sign-in")) {
		t.Errorf("screen:\n%s", s)
	}
}

// TestDoctorCtrlCWhileWaiting: Ctrl+C at the code's prompt cancels the
// sign-in: exit 130, the terminal given back.
func TestDoctorCtrlCWhileWaiting(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	env, _ := doctorEnv(t, defendertest.DeviceFlow{Pending: 1000})
	healthy, _ := defendertest.Lookup("healthy")
	tm := startTerm(t, bin, env, "doctor", "--tenant", healthy.TenantID, "--device-code")
	tm.waitFor("Waiting for the sign-in")
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != exitCancelled {
		t.Fatalf("exit %d:\n%s", code, tm.screen())
	}
}

// squash drops white space, so text a terminal wrapped still matches.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }
