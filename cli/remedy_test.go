package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender/problem"
)

// Remedies spoke CLI in every front end ("mdeconnect consent-url --tenant
// TENANT" with a literal TENANT): the engine's remedies are the guide's
// words, and the command line adds its commands with real values.
func TestRemediesNameRealCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	missing := h.scenario("consent-missing")
	r := h.run(secret, "test", "--tenant", missing.TenantID, "--client-secret-stdin", "--json")
	if r.code != 3 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var res struct {
		Tenants []struct {
			Checks []struct{ Problem, Remedy string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range res.Tenants[0].Checks {
		if c.Problem == string(problem.ConsentMissing) {
			found = true
			if !strings.Contains(c.Remedy, "mdeconnect consent-url --tenant "+missing.TenantID) || strings.Contains(c.Remedy, "TENANT") {
				t.Errorf("remedy %q", c.Remedy)
			}
		}
	}
	if !found {
		t.Fatalf("no consent_missing check:\n%s", r.stdout)
	}

	bad := h.scenario("invalid-secret")
	if a := h.run(secret, "add", "--name", "Bad Secret", "--tenant", bad.TenantID+"=X", "--client-secret-stdin", "--force"); a.code != 0 {
		t.Fatalf("add: %d %s", a.code, a.stderr)
	}
	r = h.run("", "test", "Bad Secret")
	if !strings.Contains(r.stdout, "mdeconnect edit 'Bad Secret' --client-secret-stdin") {
		t.Errorf("no edit command for the saved connector:\n%s", r.stdout)
	}
}

func TestEngineRemediesNameNoCommand(t *testing.T) {
	t.Parallel()
	for _, code := range []problem.Code{problem.TenantNotFound, problem.ConsentMissing, problem.ConsentRejected,
		problem.InsufficientPermissions, problem.InvalidClientSecret, problem.ClientSecretExpired, problem.ConditionalAccessBlocked,
		problem.Throttled, problem.NetworkError, problem.ServiceError, problem.WrongCloud} {
		if rem := code.Remedy(); strings.Contains(rem, "mdeconnect ") || strings.Contains(rem, " --") || strings.Contains(rem, "(--") {
			t.Errorf("%s: remedy names a command or flag: %q", code, rem)
		}
	}
}
