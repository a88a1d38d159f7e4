package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/doctor"
)

// TestDoctorExplainsTheAppOnlyFailure runs doctor against each sandbox
// tenant whose app-only test fails (or warns): the tenant's side must name
// the cause and say which app-only check it explains. The sandbox approves
// the device code on its first poll, so the sign-in runs unattended; the
// harness has no display, so doctor chooses the device code by itself.
func TestDoctorExplainsTheAppOnlyFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env[EnvClientSecret] = secret
	for _, tc := range []struct {
		scenario string
		code     int
		// finding is the finding that explains check; says is in its summary.
		finding string
		check   defender.CheckID
		says    string
	}{
		{"service-principal-missing", 3, "app_removed", defender.CheckToken, "removed from this tenant on"},
		{"consent-missing", 3, "app_missing", defender.CheckToken, "consent was never given here"},
		{"app-disabled", 3, "app_disabled", defender.CheckToken, "it-ops@contosoappdisabled.onmicrosoft.com disabled it"},
		{"missing-role", 3, "roles_missing", defender.CheckPermissions, "Not granted: Score.Read.All (WindowsDefenderATP)"},
		{"graph-role-missing", 3, "roles_missing", defender.CheckPermissions, "could not grant the Microsoft Graph role"},
		{"no-roles", 3, "consent_not_admin", defender.CheckPermissions, "jane@contosonoroles.onmicrosoft.com, was a user's own consent"},
		{"extra-write-roles", 0, "roles_excess", defender.CheckPermissions, "Machine.ReadWrite.All, Machine.Isolate, Machine.Scan"},
		{"defender-not-provisioned", 3, "defender_not_provisioned", defender.CheckToken, "WindowsDefenderATP"},
		{"invalid-secret", 3, "sign_ins_failing", defender.CheckToken, "failed with AADSTS7000215"},
		{"secret-expired", 3, "sign_ins_failing", defender.CheckToken, "failed with AADSTS7000222"},
		{"conditional-access", 3, "ca_policy", defender.CheckToken, `"Block access from outside trusted locations"`},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			s := h.scenario(tc.scenario)
			r := h.run("", "doctor", "--tenant", s.Domain, "--json")
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			var rep doctor.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("doctor --json: %v\n%s", err, r.stdout)
			}
			i := slices.IndexFunc(rep.Findings, func(f doctor.Finding) bool { return f.ID == tc.finding })
			if i < 0 {
				t.Fatalf("no %s finding: %+v", tc.finding, rep.Findings)
			}
			f := rep.Findings[i]
			if !strings.Contains(f.Summary, tc.says) || f.Remedy == "" {
				t.Errorf("%s says %q", f.ID, f.Summary)
			}
			if !slices.ContainsFunc(f.Explains, func(c doctor.Check) bool { return c.ID == tc.check }) {
				t.Errorf("%s explains %+v, want %s", f.ID, f.Explains, tc.check)
			}
			if rep.AppOnly == nil || rep.AppOnly.Source != "test" || rep.TenantID != s.TenantID {
				t.Errorf("app-only %+v, tenant %s", rep.AppOnly, rep.TenantID)
			}
			if !strings.Contains(r.stderr, "First copy your one-time code") || strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("stderr:\n%s", r.stderr)
			}
		})
	}
}

func TestDoctorText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := h.scenario("unlicensed")
	r := h.run(secret, "doctor", "--tenant", s.TenantID, "--client-secret-stdin")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"Tenant " + s.TenantID + ", from its admin's side (signed in as admin@" + s.Domain + ")",
		"✓ Enterprise application   present (Paratira",
		"✓ App roles                4 of 4 required granted",
		"! Sign-ins                 not available: sign-in logs need Microsoft Entra ID P1 or P2",
		"- Conditional Access       skipped",
		"Nothing wrong found from the tenant's side.",
		"Risk scores: Limited data available (app-only; nothing on the tenant's side explains it)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestDoctorInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy := h.scenario("healthy")
	if a := h.run(secret, "add", "--name", "Two", "--tenant", healthy.TenantID+"=A", "--tenant", h.scenario("missing-role").TenantID+"=B",
		"--client-secret-stdin", "--skip-test"); a.code != 0 {
		t.Fatalf("add: %d %s", a.code, a.stderr)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		errHas string
	}{
		{"nothing to look at", []string{"doctor"}, 2, "give a saved connector NAME or --tenant"},
		{"bad tenant", []string{"doctor", "--tenant", "../x"}, 2, "not a tenant ID or domain"},
		{"two tenants, none picked", []string{"doctor", "Two"}, 2, "has 2 tenants and an admin signs in to one"},
		{"a tenant not of the connector", []string{"doctor", "Two", "--tenant", h.scenario("unlicensed").TenantID}, 2, "has no tenant"},
		{"a saved connector's own client ID", []string{"doctor", "Two", "--client-id", healthy.TenantID}, 2, "uses its own client ID"},
		{"an admin client the tenant does not know", []string{"doctor", "--tenant", healthy.TenantID, "--admin-client-id", healthy.TenantID}, 1, "AADSTS700016"},
		{"no such tenant", []string{"doctor", "--tenant", "nosuchtenant.onmicrosoft.com"}, 1, "Entra ID does not know this tenant"},
		{"a saved connector's tenant", []string{"doctor", "Two", "--tenant", h.scenario("missing-role").TenantID}, 3, "Signed in as admin@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.run("", tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.errHas) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", r.code, tc.code, tc.errHas, r.stderr)
			}
		})
	}
}
