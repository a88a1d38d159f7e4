package wizard

import (
	"errors"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// failWrongCloud feeds a run whose tenant check found the tenant in cloud.
func failWrongCloud(m *Model, cloud string) {
	tr := defender.TenantResult{TenantID: tenantA, Customer: "Contoso"}
	for _, id := range defender.CheckIDs() {
		c := defender.CheckResult{ID: id, Status: defender.Skip, Message: "skipped: the tenant is in another Microsoft cloud (see the tenant check)"}
		if id == defender.CheckTenant {
			c = defender.CheckResult{ID: id, Status: defender.Fail, Problem: problem.WrongCloud, SuggestedCloud: cloud,
				Message: "the tenant is in the " + cloud + " cloud, not global", Remedy: problem.WrongCloud.Remedy()}
		}
		tr.Checks = append(tr.Checks, c)
		m.Update(checkMsg{run: m.test.run, ev: defender.Event{Kind: defender.CheckFinished, TenantID: tenantA, Check: id, Result: &c}})
	}
	m.Update(runDoneMsg{run: m.test.run, res: defender.Result{Tenants: []defender.TenantResult{tr}}})
}

// TestWrongCloudOffersTheCloud: a tenant found in another cloud offers, by
// number, to test there. The switch re-runs the test in that cloud; where
// Paratira's global app cannot exist it asks for the client ID first; a
// caller that cannot make the cloud (the sandbox) refuses it in words; with
// no way to switch the remedy names the command line.
func TestWrongCloudOffersTheCloud(t *testing.T) {
	made := func(name string) (defender.Cloud, error) { return defender.LookupCloud(name) }
	sandbox := func(string) (defender.Cloud, error) {
		return defender.Cloud{}, errors.New("the sandbox plays the global cloud only")
	}
	const govID = "11111111-2222-3333-4444-555555555555"
	cases := []struct {
		name      string
		cloudFor  func(string) (defender.Cloud, error)
		suggested string
		offered   bool
		wantStep  Step
		wantCloud string
		wantText  []string
	}{
		{"gcc: tests again there", made, "gcc", true, StepTest, "gcc", []string{"Now in the gcc cloud"}},
		{"gcc-high: the client ID first", made, "gcc-high", true, StepDetails, "gcc-high", []string{"Paratira's global app does not exist in the"}},
		{"dod: the client ID first", made, "dod", true, StepDetails, "dod", []string{"Paratira's global app does not exist in the"}},
		{"sandbox refuses", sandbox, "gcc-high", true, StepTest, "global", []string{"Cannot test in the gcc-high cloud: the sandbox plays the global cloud only"}},
		{"no switch", nil, "gcc-high", false, StepTest, "global", []string{"mdeconnect --cloud gcc-high"}},
		{"cloud unknown", made, "", false, StepTest, "global", []string{"start the wizard again in that cloud"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestModel(t, &memStore{})
			m.opts.CloudFor = c.cloudFor
			toTest(m)
			m.draft.ClientID = defender.ParatiraClientID
			failWrongCloud(m, c.suggested)
			s := words(t, m)
			offer := "1 test in the " + c.suggested + " cloud"
			if c.offered != strings.Contains(s, offer) {
				t.Fatalf("offered %q: %v, want %v:\n%s", offer, !c.offered, c.offered, screen(t, m))
			}
			run := m.test.run
			if c.offered {
				send(m, "1")
			}
			if m.step != c.wantStep || m.opts.CloudName != c.wantCloud {
				t.Errorf("step %v in %s, want step %v in %s", m.step, m.opts.CloudName, c.wantStep, c.wantCloud)
			}
			s = words(t, m)
			for _, w := range c.wantText {
				if !strings.Contains(s, w) {
					t.Errorf("screen lacks %q:\n%s", w, screen(t, m))
				}
			}
			switch {
			case c.wantStep == StepTest && c.wantCloud != "global":
				if m.test.run == run || m.test.draft.Cloud != c.wantCloud {
					t.Errorf("no fresh test in %s: run %d→%d for cloud %q", c.wantCloud, run, m.test.run, m.test.draft.Cloud)
				}
				if m.opts.Cloud.Name == "" || m.opts.Cloud.LoginURL == "" {
					t.Errorf("cloud not switched: %+v", m.opts.Cloud)
				}
			case c.wantStep == StepDetails:
				if m.details.focus != fClientID {
					t.Errorf("focus %v, want the client ID", m.details.focus)
				}
				// A client ID of the cloud's own, then enter: a fresh test there.
				m.details.clientID.SetValue(govID)
				send(m, "enter")
				if m.step != StepTest || m.test.run == run || m.test.draft.Cloud != c.wantCloud || m.draft.ClientID != govID {
					t.Errorf("after the client ID: step %v, run %d→%d, tested cloud %q, client ID %q", m.step, run, m.test.run, m.test.draft.Cloud, m.draft.ClientID)
				}
			default:
				if m.test.run != run {
					t.Errorf("a test ran though the cloud did not change")
				}
			}
		})
	}
}
