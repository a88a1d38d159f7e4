package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const healthyTenant = "53390e7c-c890-4adc-a20a-63526fc69533"

// sandboxArgs run the wizard's plain prompts against one sandbox scenario.
func sandboxArgs(scenario string) []string {
	return []string{"--sandbox", "--scenario", scenario, "--latency", "0", "--accessible"}
}

// connectorsFile is the connectors files of a run: connectors.json and the
// journal of tests beside it ("" when none was written).
func connectorsFile(t *testing.T, config string) string {
	t.Helper()
	var out []byte
	for _, name := range []string{"connectors.json", "last-tests.jsonl"} {
		b, err := os.ReadFile(filepath.Join(config, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return string(out)
}

func TestWizardAccessibleFixTenantThenPass(t *testing.T) {
	t.Parallel()
	tm := startAccessible(t, 100, 30, nil, sandboxArgs("healthy")...)
	tm.toMappings("1", "")
	tm.answer("Tenant ID (enter keeps", notFoundTenant)
	tm.answer("Customer", "Contoso")
	tm.expect("Tenant not found")
	tm.expect("Support report")
	tm.expect("1. correct the tenant, then test again")
	tm.answer("Enter a number between 1 and 4", "1")
	tm.answer("Tenant ID or domain (enter keeps", healthyDomain)
	tm.expect("Found tenant " + healthyTenant)
	tm.expect(healthyTenant + " Tenant exists, pass")
	tm.expect("Every check passed")
	tm.answer("Finish and save the connector?", "y")
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, tm.text())
	}
	saved := connectorsFile(t, tm.config)
	if !strings.Contains(saved, healthyTenant) || strings.Contains(saved, notFoundTenant) {
		t.Errorf("the saved connector is not the corrected tenant's:\n%s", saved)
	}
}

func TestWizardAccessibleFixSecretThenPass(t *testing.T) {
	t.Parallel()
	tm := startAccessible(t, 100, 30, nil, sandboxArgs("healthy")...)
	tm.toMappings("1", "not-the-secret")
	tm.answer("Tenant ID (enter keeps", "")
	tm.answer("Customer", "Contoso")
	tm.expect("Invalid client secret")
	tm.expect("1. re-enter the client secret, then test again")
	tm.answer("Enter a number between 1 and 4", "1")
	tm.answer("Client secret (hidden): ", sandboxSecret(t))
	tm.expect("Every check passed")
	if strings.Contains(tm.text(), sandboxSecret(t)) {
		t.Error("the typed secret was echoed")
	}
	tm.answer("Finish and save the connector?", "y")
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, tm.text())
	}
	if !strings.Contains(connectorsFile(t, tm.config), "Contoso") {
		t.Error("nothing saved")
	}
}

func TestWizardAccessibleDuplicateTenantRefused(t *testing.T) {
	t.Parallel()
	tm := startAccessible(t, 100, 30, nil, sandboxArgs("healthy")...)
	tm.toMappings("2", "")
	tm.answer("Tenant ID (enter keeps "+healthyTenant, "")
	tm.answer("Customer", "Contoso")
	tm.answer("Add another mapping?", "y")
	tm.answer("Tenant ID", healthyDomain) // the same tenant, by its domain
	tm.answer("Customer", "Fabrikam")
	tm.answer("Add another mapping?", "n")
	tm.expect("Looking the domain up")
	tm.expect("tenant " + healthyTenant + " is mapped twice")
	tm.expect("the mapping of " + healthyDomain + " was not added")
	tm.expect("Tenant ID") // asked again, before any test
	if strings.Contains(tm.text(), "Step 6 of 7") {
		t.Fatalf("the duplicate reached the test:\n%s", tm.text())
	}
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Fatalf("exit %d", code)
	}
	if s := connectorsFile(t, tm.config); strings.Contains(s, "Fabrikam") || strings.Contains(s, "Contoso") {
		t.Errorf("Ctrl+C wrote to the store:\n%s", s)
	}
}

func TestWizardAccessibleFailedThenCtrlC(t *testing.T) {
	t.Parallel()
	tm := startAccessible(t, 100, 30, nil, sandboxArgs("invalid-secret")...)
	tm.toMappings("1", "")
	tm.answer("Tenant ID (enter keeps", "")
	tm.answer("Customer", "Contoso")
	tm.expect("Invalid client secret")
	tm.expect("Support report (for Paratira support, redacted): ")
	tm.expect("Enter a number between")
	start := time.Now()
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Fatalf("exit %d:\n%s", code, tm.text())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Ctrl+C took %v", d)
	}
	reports, _ := filepath.Glob(filepath.Join(tm.cache, "mdeconnect", "reports", "*.json"))
	if len(reports) != 1 {
		t.Fatalf("reports %v", reports)
	}
	if st, err := os.Stat(reports[0]); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v %v", st.Mode(), err)
	}
	// After the exit, the failures and the report's path are left in the
	// terminal's history, and on the screen.
	tm.expect("The last connection test failed")
	tm.expect(filepath.Base(reports[0]))
	tm.see(filepath.Base(reports[0])[:20])
	if s := connectorsFile(t, tm.config); strings.Contains(s, "Contoso") {
		t.Errorf("Ctrl+C wrote to the store:\n%s", s)
	}
}

// TestWizardAccessiblePickerFits: at 80x24 the scenario picker's question
// stays on screen under the list of every scenario, and Ctrl+C ends it.
func TestWizardAccessiblePickerFits(t *testing.T) {
	t.Parallel()
	tm := startAccessible(t, 80, 24, []string{"ACCESSIBLE=1"}, "--sandbox")
	tm.see("Sandbox scenario: which tenant should the fake cloud play?")
	tm.see("Type its number or name")
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Fatalf("exit %d:\n%s", code, tm.screen())
	}
}

// TestWizardPickerFirstCtrlC: the first Ctrl+C ends the full-screen picker,
// also when it comes before the picker has taken the terminal.
func TestWizardPickerFirstCtrlC(t *testing.T) {
	t.Parallel()
	// Early presses land at different moments of the start-up: before the
	// terminal is raw (a SIGINT) and after (a key).
	for i := range 10 {
		early := i > 0
		tm := startAccessible(t, 80, 24, nil, "--sandbox")
		if early {
			time.Sleep(time.Duration(i*25) * time.Millisecond)
		} else {
			tm.see("Sandbox scenario")
		}
		tm.send(keyCtrlC)
		if code := tm.exitCode(); code != 130 {
			t.Fatalf("run %d (early %v): exit %d:\n%s", i, early, code, tm.screen())
		}
	}
}
