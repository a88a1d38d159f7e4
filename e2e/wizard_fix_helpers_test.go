package e2e

import (
	"strings"
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

// press types keys one by one, as a person does.
func (tm *fixTerm) press(keys ...string) { tm.send(keys...) }

func (tm *fixTerm) exit() int {
	tm.t.Helper()
	return tm.exitCode()
}

const (
	fEnter = "\r"
	fTab   = "\t"
	fCtrlC = "\x03"
	fCtrlU = "\x15"
	fCtrlT = "\x14"
)

// toTenantStep walks to step 4 with consent skipped.
func (tm *fixTerm) toTenantStep() {
	tm.see("Add a new connector")
	tm.press(fEnter)
	tm.see("By technology")
	tm.press(fEnter, fEnter)
	tm.see("Consent link")
	tm.press("s")
	tm.see("Tenant ID or domain")
}

// detailsWith resolves tenant at step 4, then maps mapped (if not empty)
// to Contoso in the details and tests.
func (tm *fixTerm) detailsWith(tenant, mapped string) {
	tm.press(fCtrlU)
	tm.press(strings.Split(tenant, "")...)
	tm.press(fEnter)
	tm.see("Enter the details")
	tm.press(fTab, fTab, fTab)
	if mapped != "" {
		tm.press(fCtrlU)
		tm.press(strings.Split(mapped, "")...)
	}
	tm.press(fTab)
	tm.press(strings.Split("Contoso", "")...)
	tm.press(fEnter, fEnter)
}
