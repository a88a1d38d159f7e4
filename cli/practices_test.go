package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/store"
)

func TestTestAllSummarisesAndRecords(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addHealthy("Alpha")
	for _, c := range []struct{ name, scenario string }{{"Bravo", "missing-role"}, {"Charlie", "unlicensed"}} {
		if r := h.run(secret, "add", "--name", c.name, "--tenant", h.scenario(c.scenario).TenantID+"=X", "--force", "--client-secret-stdin"); r.code != 0 {
			t.Fatalf("add %s: %s", c.name, r.stderr)
		}
	}
	r := h.run("", "test", "--all")
	if r.code != 3 {
		t.Fatalf("test --all exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"3 connector(s), 3 tenant(s): 1 passing, 1 warning, 1 failing", "Bravo", "Insufficient permissions", "Charlie"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	r = h.run("", "test", "--all", "--json")
	var out allOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.OK || out.Summary.Failing != 1 || len(out.Connectors) != 3 {
		t.Fatalf("json: %v %+v", err, out.Summary)
	}
	if r := h.run("", "remove", "Bravo", "--yes"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := h.run("", "test", "--all"); r.code != 0 {
		t.Errorf("warnings only must exit 0, got %d\n%s", r.code, r.stdout)
	}
}

func TestListFlagsStaleConnectors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addHealthy("Fresh")
	h.now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
	r := h.run("", "list")
	if !strings.Contains(r.stdout, "not verified for over 30 days") || !strings.Contains(r.stdout, "31 days ago") {
		t.Errorf("list:\n%s", r.stdout)
	}
	var entries []listEntry
	json.Unmarshal([]byte(h.run("", "list", "--json").stdout), &entries)
	if len(entries) != 1 || !entries[0].Stale {
		t.Errorf("json = %+v", entries)
	}
}

func TestConsentRemovedSinceLastPass(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addHealthy("Contoso")
	h.cloud.SetConsent(h.scenario("healthy").TenantID, false)
	r := h.run("", "test", "Contoso")
	if r.code != 3 {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	for _, want := range []string{"no longer appears in tenant", "/v2.0/adminconsent?", "Cannot access Microsoft Defender for Endpoint data"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestWaitForConsent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	prop := h.scenario("consent-propagating").TenantID
	r := h.run(secret, "test", "--tenant", prop, "--client-secret-stdin", "--wait-for-consent=20s")
	if r.code != 0 {
		t.Fatalf("exit %d: the wait should have outlasted propagation\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "waiting for consent to propagate") || !strings.Contains(r.stderr, "left") {
		t.Errorf("no wait status on stderr:\n%s", r.stderr)
	}
	missing := h.scenario("consent-missing").TenantID
	start := time.Now()
	r = h.run(secret, "test", "--tenant", missing, "--client-secret-stdin", "--wait-for-consent=300ms")
	if r.code != 3 || !strings.Contains(r.stdout, "Cannot access Microsoft Defender for Endpoint data") {
		t.Errorf("a consent that never comes must fail after the wait: %d\n%s", r.code, r.stdout)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the wait overran: %v", time.Since(start))
	}
}

func TestTenantChangesAreShown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addHealthy("Contoso")
	st, err := store.Open(store.Options{Dir: h.env["MDECONNECT_CONFIG_DIR"], SecretBackend: store.BackendFile})
	if err != nil {
		t.Fatal(err)
	}
	tid := h.scenario("healthy").TenantID
	prev := store.Validation{At: time.Now().Add(-time.Hour), OK: true, Tenants: []store.TenantValidation{{
		TenantID: tid, OK: true, RegionScope: "EU", CloudInstance: "microsoftonline.com",
		GrantedRoles: []string{"Machine.Read.All", "Score.Read.All", "ServiceHealth.Read.All", "Vulnerability.Read.All"},
	}}}
	if err := st.RecordValidation("Contoso", prev); err != nil {
		t.Fatal(err)
	}
	r := h.run("", "test", "Contoso")
	for _, want := range []string{"region scope changed from EU to NA", "+SecurityRecommendation.Read.All", "-Vulnerability.Read.All"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	var out savedTestOutput
	r = h.run("", "test", "Contoso", "--json")
	json.Unmarshal([]byte(r.stdout), &out)
	if len(out.Changes) != 0 {
		t.Errorf("a second run has nothing new to report: %+v", out.Changes)
	}
}
