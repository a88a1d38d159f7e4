package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

// TestCtrlCAtTheSecretPrompt: on a terminal the hidden secret prompt ends at
// once on Ctrl+C, with exit 130, instead of waiting for Enter.
func TestCtrlCAtTheSecretPrompt(t *testing.T) {
	t.Parallel()
	bin := binary(t)
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

// TestSecretTypedAtThePrompt: a secret typed at the hidden prompt (with a
// correction) is used, and never shown.
func TestSecretTypedAtThePrompt(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	c := defendertest.NewTestCloud(t, defendertest.Options{})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, c.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	healthy, _ := defendertest.Lookup("healthy")
	tm := startTerm(t, bin, []string{"MDECONNECT_CONFIG_DIR=" + t.TempDir(), "SSL_CERT_FILE=" + ca, "NO_COLOR=1",
		"MDECONNECT_LOGIN_URL=" + c.LoginURL, "MDECONNECT_API_URL=" + c.APIURL, "MDECONNECT_GRAPH_URL=" + c.GraphURL},
		"test", "--tenant", healthy.TenantID, "--client-secret-stdin")
	tm.waitFor("Client secret (input hidden)")
	tm.send(defendertest.SandboxClientSecret+"x", "\x7f", "\r")
	tm.waitFor("8 passed")
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, tm.screen())
	}
	if strings.Contains(tm.screen(), defendertest.SandboxClientSecret[:8]) {
		t.Error("the typed secret was echoed")
	}
}
