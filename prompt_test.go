package main

import (
	"strings"
	"testing"
)

// TestCtrlCAtTheSecretPrompt: on a terminal the hidden secret prompt ends at
// once on Ctrl+C, with exit 130, instead of waiting for Enter.
func TestCtrlCAtTheSecretPrompt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	tm := startTerm(t, bin, []string{"MDECONNECT_CONFIG_DIR=" + t.TempDir()}, "test", "--tenant", "contoso.com", "--client-secret-stdin")
	tm.waitFor("Client secret (input hidden)")
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, tm.screen())
	}
	if !strings.Contains(tm.screen(), "Cancelled.") {
		t.Errorf("screen:\n%s", tm.screen())
	}
}
