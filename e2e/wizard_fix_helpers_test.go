package e2e

import (
	"testing"
	"time"
)

// fixTerm is the wizard in a pseudo-terminal (ptyTerm) with its own
// connectors and cache folders, the secret store a file.
type fixTerm struct {
	*ptyTerm
	// config and cache are the run's connectors folder and cache folder.
	config, cache string
}

func startFixTerm(t *testing.T, config, cache string, args ...string) *fixTerm {
	t.Helper()
	return &fixTerm{ptyTerm: startTerm(t, binary(t), fixEnv(config, cache), args...), config: config, cache: cache}
}

// fixEnv points the binary at its own connectors and cache folders.
func fixEnv(config, cache string) []string {
	return []string{"MDECONNECT_CONFIG_DIR=" + config, "XDG_CACHE_HOME=" + cache, "MDECONNECT_SECRET_STORE=file"}
}

// see waits until the screen shows text.
func (tm *fixTerm) see(text string) {
	tm.t.Helper()
	tm.waitForWithin(text, 20*time.Second)
}

// fixSecretToReview takes fix 1 (re-enter the client secret) of a failed
// test, replaces the secret with secret, tests again until every check
// passes and goes on to the review.
func (tm *fixTerm) fixSecretToReview(secret string) {
	tm.t.Helper()
	tm.send("1")
	tm.see("enter test again")
	tm.send(keyCtrlU)
	tm.typeText(secret)
	tm.send(keyEnter)
	tm.see("checks: 8 passed, 0 failed")
	tm.send(keyEnter)
	tm.see("Review the connector")
}

// toTenantStep walks to step 4 with consent skipped.
func (tm *fixTerm) toTenantStep() {
	tm.see("Add a new connector")
	tm.send(keyEnter)
	tm.see("By technology")
	tm.send(keyEnter, keyEnter)
	tm.see("Consent link")
	tm.send("s")
	tm.see("Tenant ID or domain")
}

// detailsWith resolves tenant at step 4, then maps mapped (if not empty)
// to Contoso in the details and tests.
func (tm *fixTerm) detailsWith(tenant, mapped string) {
	tm.send(keyCtrlU)
	tm.typeText(tenant)
	tm.send(keyEnter)
	tm.see("Enter the details")
	tm.send(keyTab, keyTab, keyTab)
	if mapped != "" {
		tm.send(keyCtrlU)
		tm.typeText(mapped)
	}
	tm.send(keyTab)
	tm.typeText("Contoso")
	tm.send(keyEnter, keyEnter)
}
