package defendertest

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// consentLink opens the admin consent page on tenant and returns the href of
// the link with id (accept-NAME or cancel-NAME).
func consentLink(t *testing.T, c *Cloud, tenant, redirect, id string) string {
	t.Helper()
	q := url.Values{"client_id": {SandboxClientID}, "scope": {DefenderResource + "/.default"},
		"redirect_uri": {redirect}, "state": {"st-123"}}
	r := get(t, c, c.LoginURL+"/"+tenant+"/v2.0/adminconsent?"+q.Encode(), "")
	page := string(r.body)
	if r.status != 200 || !strings.Contains(page, "Permissions requested") || !strings.Contains(page, "Score.Read.All") {
		t.Fatalf("consent page: %d %s", r.status, page)
	}
	m := regexp.MustCompile(`id="` + id + `" href="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no link %s on the consent page", id)
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// follow clicks a link without following the redirect and returns its query.
func follow(t *testing.T, c *Cloud, link string) url.Values {
	t.Helper()
	client := c.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest(http.MethodGet, link, nil)
	r := do(t, client, req)
	if r.status != http.StatusFound {
		t.Fatalf("decision: %d %s", r.status, r.body)
	}
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || loc.Host != "127.0.0.1:9" {
		t.Fatalf("redirect to %q", r.header.Get("Location"))
	}
	return loc.Query()
}

func TestAdminConsent(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	missing := mustLookup(t, "consent-missing")
	const redirect = "http://127.0.0.1:9/callback"
	if r := requestToken(t, c, missing.TenantID, DefenderResource); r.status != 400 {
		t.Fatalf("token before consent: %d", r.status)
	}
	tests := []struct {
		tenant, link string
		want         url.Values
	}{
		{missing.TenantID, "cancel-consent-missing", url.Values{"error": {"access_denied"},
			"error_description": {"AADSTS65004: User declined to consent to access the app."}, "admin_consent": {"True"}, "state": {"st-123"}}},
		{"organizations", "accept-consent-non-admin", url.Values{"error": {"access_denied"}, "admin_consent": {"True"}, "state": {"st-123"}}},
		{"organizations", "accept-consent-missing", url.Values{"admin_consent": {"True"}, "tenant": {missing.TenantID},
			"scope": {DefenderResource + "/.default"}, "state": {"st-123"}}},
		{"organizations", "accept-consent-other-directory", url.Values{"error": {"access_denied"}, "admin_consent": {"True"}, "state": {"st-123"}}},
		{"organizations", "accept-consent-app-misconfigured", url.Values{"error": {"access_denied"}, "admin_consent": {"True"}, "state": {"st-123"}}},
	}
	for _, tt := range tests {
		got := follow(t, c, consentLink(t, c, tt.tenant, redirect, tt.link))
		for k := range tt.want {
			if got.Get(k) != tt.want.Get(k) {
				t.Errorf("%s: %s = %q, want %q", tt.link, k, got.Get(k), tt.want.Get(k))
			}
		}
		if tt.want.Get("error") != "" && got.Has("tenant") {
			t.Errorf("%s: a failure names the tenant: %v", tt.link, got)
		}
		wantCode := map[string]string{"accept-consent-non-admin": "AADSTS90094: ", "accept-consent-other-directory": "AADSTS50020: ",
			"accept-consent-app-misconfigured": "AADSTS1003031: ", "cancel-consent-missing": "AADSTS65004: "}[tt.link]
		if !strings.HasPrefix(got.Get("error_description"), wantCode) {
			t.Errorf("%s: error_description %q, want %q", tt.link, got.Get("error_description"), wantCode)
		}
	}
	if r := requestToken(t, c, missing.TenantID, DefenderResource); r.status != 200 {
		t.Errorf("token after consent: %d %s", r.status, r.body)
	}
	c.SetConsent(missing.TenantID, false)
	if r := requestToken(t, c, missing.TenantID, DefenderResource); r.status != 400 {
		t.Errorf("token after SetConsent(false): %d", r.status)
	}
	// Without a service principal: 7000229 until an admin accepts.
	sp := mustLookup(t, "service-principal-missing")
	checkAADError(t, requestToken(t, c, sp.TenantID, DefenderResource), "invalid_client", 7000229, "")
	follow(t, c, consentLink(t, c, sp.TenantID, redirect, "accept-service-principal-missing"))
	if r := requestToken(t, c, sp.TenantID, GraphResource); r.status != 200 {
		t.Errorf("token after consent: %d %s", r.status, r.body)
	}
}

func TestConsentPageNamesTheGraphApprover(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	q := url.Values{"client_id": {SandboxClientID}, "scope": {DefenderResource + "/.default"},
		"redirect_uri": {"http://127.0.0.1:9/cb"}, "state": {"s"}}
	r := get(t, c, c.LoginURL+"/organizations/v2.0/adminconsent?"+q.Encode(), "")
	if !strings.Contains(string(r.body), "Global Administrator or Privileged Role Administrator") {
		t.Errorf("the consent page does not say who can grant the Graph permission: %s", r.body)
	}
}

func TestAdminConsentRejectsBadRequests(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	s := mustLookup(t, "healthy")
	for _, tt := range []struct {
		name, tenant, clientID, redirect string
		code                             int
	}{
		{"http to a remote host", s.TenantID, SandboxClientID, "http://example.com/cb", 50011},
		{"relative redirect", s.TenantID, SandboxClientID, "/cb", 50011},
		{"wrong app", s.TenantID, "11111111-2222-3333-4444-555555555555", "https://example.com/cb", 700016},
		{"unknown tenant", mustLookup(t, "tenant-not-found").Domain, SandboxClientID, "https://example.com/cb", 90002},
	} {
		q := url.Values{"client_id": {tt.clientID}, "scope": {DefenderResource + "/.default"}, "redirect_uri": {tt.redirect}, "state": {"x"}}
		r := get(t, c, c.LoginURL+"/"+tt.tenant+"/v2.0/adminconsent?"+q.Encode(), "")
		var e aadError
		r.json(t, &e)
		if r.status != 400 || len(e.ErrorCodes) != 1 || e.ErrorCodes[0] != tt.code {
			t.Errorf("%s: %d %s, want AADSTS%d", tt.name, r.status, r.body, tt.code)
		}
	}
}
