package e2e

import (
	"strings"
	"testing"
)

// The consent loop: consent skipped, the test fails for it, consent granted,
// and the test runs again by itself (no r pressed) and passes. The sandbox's
// consent-missing tenant answers AADSTS700016 until its consent page is
// accepted.

// TestWizardLoopConsentFixThenPass takes the failed check's fix: "grant
// admin consent again" goes to the consent step, the sandbox's browser
// accepts, and enter comes back to a fresh test, which passes and saves.
func TestWizardLoopConsentFixThenPass(t *testing.T) {
	t.Parallel()
	config := t.TempDir()
	tm := startFixTerm(t, config, t.TempDir(), "--sandbox", "--scenario", consentMissing.Name, "--latency", "0")
	tm.toTenantStep()
	tm.detailsWith(consentMissing.Domain, "")
	tm.see("1 grant admin consent again")
	if s := flat(tm.screen()); !strings.Contains(s, "AADSTS700016") {
		t.Fatalf("the failure is not the missing consent's:\n%s", tm.screen())
	}
	tm.send("1")
	tm.see("Grant admin consent to Paratira")
	tm.send(keyEnter) // open the link: the sandbox's browser accepts
	tm.see("Consent granted for tenant " + consentMissing.TenantID)
	tm.send(keyEnter)
	tm.see("checks: 8 passed, 0 failed")
	if s := tm.screen(); strings.Contains(s, "AADSTS700016") || strings.Contains(s, "out of date") {
		t.Fatalf("the passed test still shows the old failure:\n%s", s)
	}
	tm.send(keyEnter)
	tm.see("Review the connector")
	tm.send(keyEnter)
	tm.see("Saved connector")
	tm.send(keyEnter)
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, tm.screen())
	}
	list, err := fileStore(t, config).List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].LastValidation == nil || !list[0].LastValidation.OK ||
		len(list[0].Mappings) != 1 || list[0].Mappings[0].TenantID != consentMissing.TenantID {
		t.Fatalf("saved %+v", list)
	}
}

// TestWizardLoopConsentWalkBack goes back by hand instead: esc from the
// failed test to the consent step, grant, then forward again. Every step on
// the way says the last test is out of date, and entering the test step
// runs it again at once.
func TestWizardLoopConsentWalkBack(t *testing.T) {
	t.Parallel()
	tm := startFixTerm(t, t.TempDir(), t.TempDir(), "--sandbox", "--scenario", consentMissing.Name, "--latency", "0")
	tm.toTenantStep()
	tm.detailsWith(consentMissing.Domain, "")
	tm.see("1 grant admin consent again")
	tm.send(fEsc)
	tm.see("Last test: ✗ failed for this draft.")
	tm.send(fEsc)
	tm.see("Find the Tenant ID")
	tm.send(fEsc)
	tm.see("Grant admin consent to Paratira")
	tm.send(keyEnter)
	tm.see("Consent granted for tenant " + consentMissing.TenantID)
	tm.see("out of date")
	if s := flat(tm.screen()); !strings.Contains(s, "Last test (✗ failed) is out of date: you changed the consent since") {
		t.Fatalf("the consent step does not say the failed test is out of date:\n%s", tm.screen())
	}
	tm.send(keyEnter)
	tm.see("Find the Tenant ID")
	tm.send(keyEnter)
	tm.see("Enter the details")
	tm.see("out of date")
	tm.send(keyCtrlT)
	tm.see("checks: 8 passed, 0 failed")
	if s := tm.screen(); strings.Contains(s, "AADSTS700016") {
		t.Fatalf("the passed test still shows the old failure:\n%s", s)
	}
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != exitCancelled {
		t.Fatalf("exit %d", code)
	}
}

// TestWizardAccessibleLoopConsent is the same loop in --accessible mode.
// The sandbox's own browser (--sandbox) accepts consent the moment the
// prompts show the link, so nothing could be skipped there: the wizard runs
// against `mdeconnect sandbox` as a separate process instead, as it runs
// against Microsoft, BROWSER only noting the links, and the test plays the
// admin who accepts the second one.
func TestWizardAccessibleLoopConsent(t *testing.T) {
	t.Parallel()
	cloud := startCloudProcess(t)
	browser, urls := recordingBrowser(t)
	tm := startAccessible(t, 100, 30, append(cloud.env, "BROWSER="+browser), "--accessible")
	tm.answer("Enter a number between 1 and 2", "1")
	tm.expect("Opened the consent page in your browser.")
	openedURL(t, urls, 1) // not accepted: the admin is not there yet
	tm.answer("After Accept, press enter", "")
	tm.expect("No consent result came back: going on without it.")
	tm.answer("Tenant ID or domain", consentMissing.Domain)
	tm.expect("Found tenant " + consentMissing.TenantID)
	tm.answer("Name (enter keeps", "")
	tm.answer("Client ID (enter keeps", "")
	tm.answer("Client secret (hidden): ", sandboxSecret(t))
	tm.answer("Tenant ID (enter keeps "+consentMissing.TenantID, "")
	tm.answer("Customer", "Contoso")
	tm.expect("AADSTS700016")
	tm.expect("1. grant admin consent again, then test again")
	tm.answer("Enter a number between 1 and", "1")
	tm.expect("Step 3 of 7: Consent")
	tm.expect("Opened the consent page in your browser.")
	link := openedURL(t, urls, 2)
	if !strings.Contains(link, "/"+consentMissing.TenantID+"/v2.0/adminconsent?") {
		t.Errorf("the second consent link does not name the tested tenant: %s", link)
	}
	if page := cloud.decide(t, link, consentMissing.Name, true); !strings.Contains(page, "Consent granted") {
		t.Fatalf("the listener's page after Accept:\n%s", page)
	}
	tm.answer("After Accept, press enter", "")
	tm.expect("Consent granted for tenant " + consentMissing.TenantID)
	// The test runs again by itself, for the tenant just consented.
	tm.expect(consentMissing.TenantID + " App-only token, pass")
	tm.expect("Every check passed")
	tm.answer("Finish and save the connector?", "y")
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, tm.text())
	}
	if strings.Contains(tm.text(), sandboxSecret(t)) {
		t.Error("the typed secret was echoed")
	}
	list, err := fileStore(t, tm.config).List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].LastValidation == nil || !list[0].LastValidation.OK {
		t.Fatalf("saved %+v", list)
	}
}
