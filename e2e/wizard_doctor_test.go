package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The wizard's look from the tenant's side (issue 17): after a failed test,
// d signs the tenant's admin in, read-only, through the sandbox's browser,
// which accepts the sign-in as an admin would, and the findings from
// Microsoft Graph show beside the failed checks; esc is back at the test.

const (
	spMissingTenant   = "5c5b31d9-ba05-42b0-939a-63d3ff2cec6e"
	appDisabledTenant = "7adb8051-6a9c-4741-a8dd-43133a555fce"
	fEsc              = "\x1b"
)

// seeWords waits until the screen shows text, wherever the screen wrapped it.
func (tm *fixTerm) seeWords(text string) {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(squash(tm.screen()), squash(text)) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.t.Fatalf("the screen never showed %q:\n%s", text, tm.screen())
}

// TestWizardLookCloserAndBack: the enterprise application was deleted; the
// test fails on the token, d shows who removed it and when, beside the
// checks it explains; esc shows the test's results again; Ctrl+C exits 130.
func TestWizardLookCloserAndBack(t *testing.T) {
	t.Parallel()
	tm := startFixTerm(t, t.TempDir(), t.TempDir(), "--sandbox", "--scenario", "service-principal-missing", "--latency", "0", "--debug")
	tm.toTenantStep() // consent skipped: the enterprise application stays deleted
	tm.detailsWith(spMissingTenant, "")
	tm.see("d look closer")
	tm.seeWords("Look closer: d signs in as this tenant's admin, read-only.")
	tm.send("d")
	tm.see("from its admin's side, read-only")
	tm.seeWords("Paratira's enterprise application was removed from this tenant on")
	tm.seeWords("by admin@contososerviceprincipalmissing.onmicrosoft.com")
	tm.seeWords("explains ✗ App-only token: Cannot access Microsoft Defender for Endpoint data")
	tm.seeWords("Signed in as admin@contososerviceprincipalmissing.onmicrosoft.com")
	tm.seeWords("Nothing was written to the tenant")
	tm.see("1 grant admin consent again")
	tm.send(fEsc)
	tm.see("Test connection · validating the APIs")
	tm.see("1 tenant: 0 passing, 1 failing · checks: 1 passed, 2 failed, 5 skipped")
	if s := tm.screen(); strings.Contains(s, "from its admin's side") {
		t.Fatalf("esc did not go back to the test:\n%s", s)
	}
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != exitCancelled {
		t.Fatalf("exit %d:\n%s", code, tm.screen())
	}
	tm.see("The last connection test failed")
	noSignInSecrets(t, tm.cache)
}

// authCodeRE is an authorization code of the fake's ("1.A" and base64).
var authCodeRE = regexp.MustCompile(`1\.A[A-Za-z0-9_-]{16,}`)

// noSignInSecrets: the --debug log holds the admin's sign-in, its code,
// PKCE verifier and Graph token removed.
func noSignInSecrets(t *testing.T, cache string) {
	t.Helper()
	log := debugLog(t, cache)
	if !strings.Contains(log, "grant_type=authorization_code") || !strings.Contains(log, "code_verifier=[REDACTED]") {
		t.Errorf("the sign-in is not in the debug log, or not redacted")
	}
	if m := authCodeRE.FindString(log); m != "" {
		t.Errorf("the debug log holds an authorization code %s", m)
	}
	if strings.Contains(log, `"access_token":"ey`) {
		t.Error("the debug log holds an access token")
	}
}

// debugLog is the one --debug log a run wrote to its cache folder.
func debugLog(t *testing.T, cache string) string {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(cache, "mdeconnect", "debug-*.log"))
	if len(logs) != 1 {
		t.Fatalf("debug logs %v, want one", logs)
	}
	b, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWizardAccessibleLookCloser: the plain prompts offer the look by
// number; the sign-in and the findings are said in words, then the same
// choice comes back; Ctrl+C at it exits 130. The disabled application
// stays disabled after the consent the sandbox's browser grants.
func TestWizardAccessibleLookCloser(t *testing.T) {
	t.Parallel()
	tm := startAccessible(t, 100, 30, nil, sandboxArgs("app-disabled")...)
	tm.toMappings("1", "")
	tm.answer("Tenant ID (enter keeps", "")
	tm.answer("Customer", "Contoso")
	tm.expect("Application disabled")
	tm.expect("1. Sign in as this tenant's admin to look closer (read-only)")
	tm.answer("Enter a number between 1 and 3", "1")
	tm.expect("Sign in as an administrator of tenant " + appDisabledTenant)
	tm.expect("Opening the sign-in page in your browser")
	tm.expect("Signed in as admin@")
	tm.expect("Nothing was written to the tenant.")
	tm.expect("Failed: Paratira's enterprise application is disabled (Enabled for users to sign in: No);")
	tm.expect("It explains: App-only token")
	tm.expect("Some checks failed: what next?")
	tm.expect("Enter a number between 1 and 3")
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != exitCancelled {
		t.Fatalf("exit %d:\n%s", code, tm.text())
	}
}
