package wizard

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/store"
)

// fixKind is a part of the draft a failed check points at.
type fixKind int

const (
	fixSecret fixKind = iota + 1
	fixTenant
	fixConsent
	fixClientID
	fixCloud
)

// fix is one way out of a failed test: the step (and field) that changes
// what failed. After the fix the wizard comes back to a fresh test.
type fix struct {
	kind   fixKind
	label  string
	step   Step
	field  field
	row    int    // the mapping row, for a tenant fixed in the details
	tenant string // the tenant the failure was for
	cloud  string // the cloud to test in, for fixCloud
}

// fixFor is the fix for a failed check, if the wizard has one.
func (m *Model) fixFor(c defender.CheckResult, tenant string, row int) (fix, bool) {
	switch c.Problem {
	case problem.WrongCloud:
		// The engine names the tenant's cloud when discovery told it; the
		// wizard can switch only where its caller can make that cloud.
		if c.SuggestedCloud == "" || m.opts.CloudFor == nil || strings.EqualFold(c.SuggestedCloud, m.opts.CloudName) {
			return fix{}, false
		}
		return fix{kind: fixCloud, label: "test in the " + c.SuggestedCloud + " cloud", step: StepTest, tenant: tenant, cloud: c.SuggestedCloud}, true
	case problem.InvalidClientSecret, problem.ClientSecretExpired:
		return fix{kind: fixSecret, label: "re-enter the client secret", step: StepDetails, field: fSecret}, true
	case problem.TenantNotFound:
		if m.draft.Mode == store.OneToMany {
			return fix{kind: fixTenant, label: "correct tenant " + tenant, step: StepDetails, field: fTable, row: row, tenant: tenant}, true
		}
		return fix{kind: fixTenant, label: "correct the tenant", step: StepTenant, tenant: tenant}, true
	case problem.ConsentMissing, problem.ConsentRejected, problem.InsufficientPermissions:
		return fix{kind: fixConsent, label: "grant admin consent again", step: StepConsent, tenant: tenant}, true
	}
	return fix{}, false
}

// fixes are the distinct fixes the failed checks of the results offer, in
// the order of the steps.
func (m *Model) fixes() []fix {
	var out []fix
	seen := map[fixKind]bool{}
	for _, i := range m.test.failedRows() {
		r := m.test.tenants[i]
		for _, id := range defender.CheckIDs() {
			c, ok := r.checks[id]
			if !ok || c.Status != defender.Fail {
				continue
			}
			if f, ok := m.fixFor(c, r.target.TenantID, i); ok && !seen[f.kind] {
				seen[f.kind] = true
				out = append(out, f)
			}
		}
	}
	// The order a user would fix in: consent, tenant, then the details.
	order := map[fixKind]int{fixCloud: 0, fixConsent: 1, fixTenant: 2, fixClientID: 3, fixSecret: 4}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && order[out[j].kind] < order[out[j-1].kind]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// applyFix goes to the step that fixes f, its field focused; the step's
// own "done" then comes back to a fresh test.
func (m *Model) applyFix(f fix) tea.Cmd {
	if f.kind == fixCloud {
		return m.switchCloud(f)
	}
	ff := f
	m.fixing = &ff
	cmd := m.setStep(f.step)
	switch f.step {
	case StepDetails:
		if f.field == fTable {
			m.details.row = min(f.row, max(len(m.draft.Mappings)-1, 0))
			m.scrollToRow()
		}
		return tea.Batch(cmd, m.focusField(f.field))
	case StepTenant:
		if f.tenant != "" {
			m.notice = m.st.warn.Render("! ") + "Tenant " + f.tenant + " was not found: type the right tenant ID or domain, then enter to test again."
		}
	}
	return cmd
}

// switchCloud moves the draft to the cloud f names and tests again there.
// Paratira's global app does not exist in a US Government cloud: then the
// details step asks for the client ID first, the connector rule's words
// under it. A cloud the caller cannot make (the sandbox plays one cloud)
// is refused on the test step, which stays as it is.
func (m *Model) switchCloud(f fix) tea.Cmd {
	cloud, err := m.opts.CloudFor(f.cloud)
	if err != nil {
		m.notice = m.st.warn.Render("! ") + "Cannot test in the " + f.cloud + " cloud: " + err.Error()
		return nil
	}
	m.opts.Cloud, m.opts.CloudName = cloud, f.cloud
	m.notice = m.st.dim.Render("Now in the " + f.cloud + " cloud.")
	if err := connector.CheckCloudClientID(f.cloud, m.draft.ClientID); err != nil {
		m.fixing = &fix{kind: fixClientID, label: "enter the client ID for " + f.cloud, step: StepDetails, field: fClientID}
		cmd := m.setStep(StepDetails)
		m.details.err = err
		return tea.Batch(cmd, m.focusField(fClientID))
	}
	// Still on the test step: its results, for the old cloud, are stale,
	// so entering it again runs afresh.
	return m.enterTest()
}

// fixDone is the end of a fix: back to the test, which runs afresh.
func (m *Model) fixDone() tea.Cmd {
	m.test.ran = false // whatever was fixed, the test runs again
	return m.setStep(StepTest)
}

// remedy is what to do about a failed or warned check, in the wizard's
// words: its actions and keys, real values instead of placeholders, and a
// command line only where the wizard cannot do it.
func (m *Model) remedy(c defender.CheckResult, tenant string) string {
	switch c.Problem {
	case problem.InvalidClientSecret:
		return "Check the client secret given to you by a Paratira admin. A common mistake is pasting the secret's ID instead of its value: choose \"re-enter the client secret\" below."
	case problem.ClientSecretExpired:
		return "The client secret has expired: ask a Paratira admin for a new one, then choose \"re-enter the client secret\" below."
	case problem.TenantNotFound:
		return "Verify you're logged into the correct Microsoft account for your tenant, and that the tenant ID or domain is typed correctly: choose \"correct the tenant\" below."
	case problem.ConsentMissing, problem.ConsentRejected, problem.InsufficientPermissions:
		return "The enterprise application consent is missing, was rejected or lacks a permission in tenant " + tenant +
			": choose \"grant admin consent again\" below and accept with a Global Administrator (the Microsoft Graph permission needs one, or a Privileged Role Administrator). Roles can take a few minutes to appear after a fresh consent."
	case problem.WrongCloud:
		switch {
		case c.SuggestedCloud != "" && m.opts.CloudFor != nil:
			return "This tenant belongs to the " + c.SuggestedCloud + " cloud, not " + m.opts.CloudName + ": choose \"test in the " + c.SuggestedCloud + " cloud\" below."
		case c.SuggestedCloud != "":
			return "This tenant belongs to the " + c.SuggestedCloud + " cloud, not " + m.opts.CloudName + ": quit (ctrl+c) and start the wizard again in that cloud: mdeconnect --cloud " + c.SuggestedCloud + "."
		}
		return "This tenant belongs to another Microsoft cloud than " + m.opts.CloudName + ": quit (ctrl+c) and start the wizard again in that cloud, e.g. mdeconnect --cloud gcc-high."
	}
	return guideWords(c.Remedy, c.Problem.Action())
}

// guideWords is a remedy in the guide's words (the engine's, which name no
// command) with what the wizard does about its action.
func guideWords(remedy string, action problem.Action) string {
	if action == problem.ActReport {
		return remedy + " The wizard wrote one when the test failed: its path is shown with the results."
	}
	return remedy
}
