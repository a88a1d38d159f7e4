package wizard

import (
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/paratira/mdeconnect/store"
)

// tested is the part of the draft a test result depends on. The test step
// keeps the one its results were made for; any difference with the draft on
// screen makes them stale, and entering the test step re-runs them.
type tested struct {
	ClientID, Secret string
	Cloud            string
	Mode             store.Mode
	Tenant           string
	Consent          string
	Mappings         []store.Mapping
}

// testedOf is the draft as a test sees it.
func (m *Model) testedOf() tested {
	d := m.draft
	t := tested{ClientID: d.ClientID, Secret: d.Secret, Cloud: m.opts.CloudName, Mode: d.Mode, Tenant: d.Tenant.TenantID,
		Mappings: slices.Clone(d.Mappings)}
	if c := m.consent.result; c != nil {
		t.Consent = strings.ToLower(c.TenantID)
		if c.Granted {
			t.Consent = "granted " + itoa(m.consent.grants) + ":" + t.Consent
		}
	}
	return t
}

// changes names what differs between the draft a result was made for and
// the draft now, in the words of the steps that change it.
func (a tested) changes(b tested) []string {
	var out []string
	add := func(differ bool, what string) {
		if differ {
			out = append(out, what)
		}
	}
	add(a.Consent != b.Consent, "the consent")
	add(a.Tenant != b.Tenant, "the tenant")
	add(a.Cloud != b.Cloud, "the cloud")
	add(a.ClientID != b.ClientID, "the client ID")
	add(a.Secret != b.Secret, "the client secret")
	add(a.Mode != b.Mode, "the mapping mode")
	add(!slices.EqualFunc(a.Mappings, b.Mappings, sameMapping), "the mappings")
	return out
}

// sameMapping compares mappings as a test sees them: a domain resolved to
// its GUID after the test is still the tenant tested.
func sameMapping(x, y store.Mapping) bool {
	return sameTenant(x, y) && x.CustomerName == y.CustomerName
}

// hasResults says a test has run for some draft, this one or an older one.
func (t *testState) hasResults() bool { return t.ran && len(t.tenants) > 0 }

// stale says what changed since the results shown were made; nil when they
// are for the draft on screen (or there are none).
func (m *Model) stale() []string {
	if !m.test.hasResults() {
		return nil
	}
	return m.test.draft.changes(m.testedOf())
}

// current says the results are complete and for exactly the draft on screen.
func (m *Model) current() bool {
	t := &m.test
	return t.hasResults() && !t.running() && !t.hasUnfinished() && len(m.stale()) == 0
}

// staleLine is shown on the steps before the test once a result exists: what
// the last test said, and whether it still holds.
func (m *Model) staleLine(w int) string {
	if !m.test.hasResults() || m.test.running() {
		return ""
	}
	verdict := m.st.pass.Render("✓ passed")
	if len(m.test.failedRows()) > 0 {
		verdict = m.st.fail.Render("✗ failed")
	}
	ch := m.stale()
	if len(ch) == 0 {
		return hangAfter(m.st.dim.Render("Last test:")+" ", verdict+" for this draft.", 2, w)
	}
	return hangAfter(m.st.warn.Render("⟳ Last test ("+ansi.Strip(verdict)+") is out of date:")+" ",
		"you changed "+joinWords(ch)+" since. It runs again at Test connection (ctrl+t from the details).", 2, w)
}

// joinWords is "a", "a and b", "a, b and c".
func joinWords(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
