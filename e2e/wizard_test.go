package e2e

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

func TestWizardE2ESandboxSaves(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	tm := startTerm(t, bin, []string{"MDECONNECT_CONFIG_DIR=" + dir}, "--sandbox")
	tm.waitFor("Sandbox scenario")
	tm.send(keyEnter) // healthy
	tm.toDetails()
	tm.waitFor("Prefilled with the sandbox's own client secret")
	if strings.Contains(tm.screen(), defendertest.SandboxClientSecret[:10]) {
		t.Fatal("the secret is on the screen")
	}
	tm.send(keyTab, keyTab, keyTab, keyTab, "Contoso", keyEnter, keyEnter)
	raw := tm.finish(dir)
	for _, want := range []string{"Defender for Endpoint Connector", "Contoso", "53390e7c-c890-4adc-a20a-63526fc69533", `"ok": true`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("connectors.json lacks %q:\n%s", want, raw)
		}
	}
	if bytes.Contains(raw, []byte(defendertest.SandboxClientSecret)) {
		t.Error("the secret is in connectors.json")
	}
}

// testScenario runs the sandbox wizard on scenario up to its test: One to
// One, the consented tenant mapped to customer. It returns the terminal and
// the store folder.
func testScenario(t *testing.T, scenario, customer string) (*ptyTerm, string) {
	t.Helper()
	bin := binary(t)
	dir := t.TempDir()
	// No simulated latency: these runs are about what the wizard says, not
	// how long Microsoft takes (TestWizardE2ESandboxSaves keeps the default).
	tm := startTerm(t, bin, []string{"MDECONNECT_CONFIG_DIR=" + dir}, "--sandbox", "--scenario", scenario, "--latency", "0")
	tm.toDetails()
	tm.send(keyTab, keyTab, keyTab, keyTab, customer, keyEnter, keyEnter)
	return tm, dir
}

func TestWizardE2ESandboxInvalidSecret(t *testing.T) {
	t.Parallel()
	tm, dir := testScenario(t, "invalid-secret", "Fabrikam")
	tm.waitFor("Invalid client secret")
	tm.waitFor("A common mistake is pasting the")
	tm.waitFor("s save anyway")
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, tm.screen())
	}
	if _, err := os.Stat(filepath.Join(dir, "connectors.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled wizard wrote the store: %v", err)
	}
}

func TestWizardE2ESandboxConsentPropagates(t *testing.T) {
	t.Parallel()
	tm, dir := testScenario(t, "consent-propagating", "Contoso")
	// The fake's first tokens carry no roles: the wizard waits, then passes.
	tm.waitFor("Waiting for consent to propagate: no roles in the tokens yet")
	tm.waitFor("w stop waiting")
	// The sandbox wizard pauses 1 s, then 2 s, before it tries again
	// (wizard.Options.ConsentFirstDelay).
	tm.waitForWithin("checks: 8 passed, 0 failed", 30*time.Second)
	raw := tm.finish(dir)
	if !bytes.Contains(raw, []byte(`"ok": true`)) {
		t.Errorf("the saved validation did not pass:\n%s", raw)
	}
}

// TestWizardE2ESandboxDebugLog: --sandbox --debug logs the exchanges with the
// fake cloud, and the client secret the wizard signs in with is not in them.
func TestWizardE2ESandboxDebugLog(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	cache := t.TempDir()
	tm := startTerm(t, bin, []string{"MDECONNECT_CONFIG_DIR=" + t.TempDir(), "XDG_CACHE_HOME=" + cache}, "--sandbox", "--scenario", "healthy", "--debug")
	tm.toDetails()
	tm.send(keyTab, keyTab, keyTab, keyTab, "Contoso", keyEnter, keyEnter)
	tm.waitFor("Press enter to review the summary")
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, tm.screen())
	}
	logs, _ := filepath.Glob(filepath.Join(cache, "mdeconnect", "debug-*.log"))
	if len(logs) != 1 {
		t.Fatalf("debug logs %v, want one", logs)
	}
	raw, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"msg":"http"`, "/oauth2/v2.0/token", "/.well-known/openid-configuration"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("the debug log lacks %q:\n%s", want, raw)
		}
	}
	if bytes.Contains(raw, []byte(defendertest.SandboxClientSecret)) {
		t.Error("the client secret is in the debug log")
	}
}

// colorSGR is an escape sequence that sets a colour (foreground or background).
var colorSGR = regexp.MustCompile(`\x1b\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]`)

// TestWizardE2EAccessibleNoColor: with NO_COLOR, the accessible prompts and
// the sandbox's scenario picker write no colour.
func TestWizardE2EAccessibleNoColor(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	for _, noColor := range []bool{false, true} {
		env := []string{"MDECONNECT_CONFIG_DIR=" + t.TempDir(), "ACCESSIBLE=1", "COLORTERM=truecolor"}
		if noColor {
			env = append(env, "NO_COLOR=1")
		}
		// The accessible picker prints every scenario under its title: a
		// terminal tall enough to keep the title on screen.
		tm := startTermRows(t, 80, bin, env, "--sandbox")
		tm.waitFor("Sandbox scenario")
		tm.send("1" + keyEnter)
		tm.waitFor("Mapping")
		tm.mu.Lock()
		colored := colorSGR.Match(tm.raw.Bytes())
		tm.mu.Unlock()
		if colored == noColor {
			t.Errorf("NO_COLOR=%v: colour written = %v", noColor, colored)
		}
	}
}
