package cli

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestTenantResolve(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy := h.scenario("healthy")
	r := h.run("", "tenant", "resolve", healthy.Domain, "unknown-tenant.onmicrosoft.com", "--json")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (one lookup failed)\n%s", r.code, r.stderr)
	}
	var out []resolved
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out) != 2 {
		t.Fatalf("%v %s", err, r.stdout)
	}
	if !out[0].OK || out[0].TenantID != healthy.TenantID || out[0].RegionScope == "" {
		t.Errorf("healthy = %+v", out[0])
	}
	if out[1].OK || out[1].Problem != "tenant_not_found" || out[1].Diag == nil || len(out[1].Diag.AADSTS) == 0 || out[1].Diag.AADSTS[0] != 90002 {
		t.Errorf("unknown = %+v", out[1])
	}
	if r := h.run("", "tenant", "resolve", "../x"); r.code != 3 || !strings.Contains(r.stdout, "not a tenant ID or domain") {
		t.Errorf("bad input: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestConsentURLCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("", "consent-url", "--tenant", "Contoso.com", "--state", "abc", "--json")
	var out map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v %s", err, r.stdout)
	}
	u, err := url.Parse(out["url"])
	if err != nil || !strings.HasSuffix(u.Path, "/contoso.com/v2.0/adminconsent") || u.Query().Get("state") != "abc" || out["state"] != "abc" ||
		u.Query().Get("client_id") != "00e8252c-0847-49c6-95d9-c0045d19f13c" || !strings.HasPrefix(out["url"], h.cloud.LoginURL) {
		t.Errorf("consent url = %v", out)
	}
	for _, bad := range [][]string{{"--tenant", "a/b"}, {"--client-id", "x"}, {"--redirect-uri", "not a url"}} {
		if r := h.run("", append([]string{"consent-url"}, bad...)...); r.code != 2 {
			t.Errorf("%v: exit %d", bad, r.code)
		}
	}
}
