package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

const (
	healthyDomain  = "contosohealthy.onmicrosoft.com"
	notFoundTenant = "ea68c6f1-e63b-44ab-a1f7-c600382d4725"
)

func TestWizardFixTenantThenPass(t *testing.T) {
	t.Parallel()
	tm := startFixTerm(t, t.TempDir(), t.TempDir(), "--sandbox", "--scenario", "healthy", "--latency", "0")
	tm.toTenantStep()
	tm.detailsWith(healthyDomain, notFoundTenant)
	tm.see("1 correct the tenant")
	tm.send("1")
	tm.see("was not found")
	tm.send(keyEnter) // step 4 still holds the right domain: confirm it
	tm.see("checks: 8 passed, 0 failed")
	if !strings.Contains(tm.screen(), "53390e7c-c890-4adc-a20a-63526fc69533") {
		t.Errorf("the fresh test is not for the corrected tenant:\n%s", tm.screen())
	}
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Errorf("exit %d", code)
	}
}

func TestWizardFixSecretThenPass(t *testing.T) {
	t.Parallel()
	tm := startFixTerm(t, t.TempDir(), t.TempDir(), "--sandbox", "--scenario", "healthy", "--latency", "0")
	tm.toTenantStep()
	tm.typeText(healthyDomain)
	tm.send(keyEnter)
	tm.see("Enter the details")
	tm.send(keyTab, keyTab, keyCtrlU)
	tm.typeText("not-the-secret")
	tm.send(keyTab, keyTab)
	tm.typeText("Contoso")
	tm.send(keyEnter, keyEnter)
	tm.see("1 re-enter the client secret")
	tm.fixSecretToReview(sandboxSecret(t))
	tm.send(keyEnter)
	tm.see("Saved connector")
	tm.send(keyEnter)
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

func TestWizardFailedThenCtrlC(t *testing.T) {
	t.Parallel()
	config, cache := t.TempDir(), t.TempDir()
	tm := startFixTerm(t, config, cache, "--sandbox", "--scenario", "invalid-secret", "--latency", "0")
	tm.toTenantStep()
	tm.detailsWith("contosoinvalidsecret.onmicrosoft.com", "")
	tm.see("Support report")
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Fatalf("exit %d", code)
	}
	tm.see("The last connection test failed")
	tm.see("Invalid client secret")
	reports, _ := filepath.Glob(filepath.Join(cache, "mdeconnect", "reports", "*.json"))
	if len(reports) != 1 {
		t.Fatalf("reports %v", reports)
	}
	if st, err := os.Stat(reports[0]); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v %v", st.Mode(), err)
	}
	if !strings.Contains(strings.ReplaceAll(tm.raw.String(), "\r\n", ""), filepath.Base(reports[0])) {
		t.Error("the report's path is not in the terminal's history")
	}
	if b, err := os.ReadFile(filepath.Join(config, "connectors.json")); err == nil && strings.Contains(string(b), "Contoso") {
		t.Error("Ctrl+C wrote to the store")
	}
}

// sandboxSecret is the secret the sandbox accepts.
func sandboxSecret(*testing.T) string { return defendertest.SandboxClientSecret }
