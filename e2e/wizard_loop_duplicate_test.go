package e2e

import (
	"strings"
	"testing"
)

// TestWizardLoopDuplicateTenantRefused: in One to Many, the same tenant
// typed as its GUID and as its domain is refused at entry, in either order:
// the message names both, the table keeps the first mapping alone, and no
// test has run. (--accessible: TestWizardAccessibleDuplicateTenantRefused.)
func TestWizardLoopDuplicateTenantRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, first, second string }{
		{"guid then domain", healthyTenant, healthyDomain},
		{"domain then guid", healthyDomain, healthyTenant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			config := t.TempDir()
			tm := startFixTerm(t, config, t.TempDir(), "--sandbox", "--scenario", "healthy", "--latency", "0")
			tm.toOneToManyDetails()
			tm.send(keyTab, keyTab, keyTab) // the tenant field
			tm.addMapping(tc.first, "Contoso")
			tm.see("(1-1 of 1)")
			if tc.first == healthyDomain {
				tm.see(healthyTenant) // looked up at once: shown by its GUID
			}
			tm.addMapping(tc.second, "Fabrikam")
			tm.see("is mapped twice")
			s := flat(tm.screen())
			for _, want := range []string{"tenant " + healthyTenant + " is mapped twice", healthyDomain, "(1-1 of 1)"} {
				if !strings.Contains(s, want) {
					t.Errorf("the screen does not say %q:\n%s", want, tm.screen())
				}
			}
			// What was refused may stay in the fields to be corrected, not in the table.
			for _, line := range strings.Split(tm.screen(), "\n") {
				if strings.Contains(line, "Fabrikam") && !strings.Contains(line, "Customer:") || strings.Contains(line, "Step 6/7") {
					t.Errorf("the duplicate was taken:\n%s", tm.screen())
				}
			}
			tm.send(keyCtrlC)
			if code := tm.exitCode(); code != exitCancelled {
				t.Fatalf("exit %d", code)
			}
			if s := connectorsFile(t, config); s != "" {
				t.Errorf("Ctrl+C wrote to the store:\n%s", s)
			}
		})
	}
}

// toOneToManyDetails walks to the details in One to Many, consent granted
// by the sandbox's browser and its tenant confirmed.
func (tm *fixTerm) toOneToManyDetails() {
	tm.t.Helper()
	tm.see("Add a new connector")
	tm.send(keyEnter)
	tm.see("By technology")
	tm.send(keyEnter, "\x1b[B", keyEnter) // the technology, then One to Many
	tm.see("Waiting for the admin to click Accept")
	tm.send(keyEnter)
	tm.see("Consent granted")
	tm.send(keyEnter)
	tm.see("Filled in from the consent result")
	tm.send(keyEnter)
	tm.see("Mapping · One to Many")
}

// addMapping types a mapping in the details' tenant and customer fields
// (the tenant field focused) and adds it with enter; the tenant field is
// focused again after.
func (tm *fixTerm) addMapping(tenant, customer string) {
	tm.send(keyCtrlU)
	tm.typeText(tenant)
	tm.send(keyTab)
	tm.typeText(customer)
	tm.send(keyEnter)
}
