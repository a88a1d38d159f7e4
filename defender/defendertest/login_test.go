package defendertest

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestDiscovery(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	healthy, eu, gov := mustLookup(t, "healthy"), mustLookup(t, "unlicensed"), mustLookup(t, "us-gov-tenant")
	tests := []struct {
		tenant, issuer, tokenTenant, region string
		instance, subScope                  string
		status                              int
		errName                             string
		code                                int
	}{
		{tenant: healthy.TenantID, issuer: healthy.TenantID, tokenTenant: healthy.TenantID, region: "NA", status: 200},
		{tenant: gov.Domain, issuer: gov.TenantID, tokenTenant: gov.TenantID, region: "USGov", instance: "microsoftonline.us", subScope: "DODCON", status: 200},
		{tenant: strings.ToUpper(healthy.Domain), issuer: healthy.TenantID, tokenTenant: healthy.TenantID, region: "NA", status: 200},
		{tenant: eu.Domain, issuer: eu.TenantID, tokenTenant: eu.TenantID, region: "EU", status: 200},
		{tenant: "organizations", issuer: "{tenantid}", tokenTenant: "organizations", status: 200},
		{tenant: mustLookup(t, "tenant-not-found").TenantID, status: 400, errName: "invalid_tenant", code: 90002},
		{tenant: "00000000-1111-2222-3333-444444444444", status: 400, errName: "invalid_tenant", code: 90002},
		{tenant: "nosuchtenant.onmicrosoft.com", status: 400, errName: "invalid_tenant", code: 90002},
		{tenant: "not_a_tenant", status: 400, errName: "invalid_request", code: 900023},
	}
	for _, tt := range tests {
		t.Run(tt.tenant, func(t *testing.T) {
			r := get(t, c, c.LoginURL+"/"+tt.tenant+"/v2.0/.well-known/openid-configuration?", "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status != 200 {
				checkAADError(t, r, tt.errName, tt.code, tt.tenant)
				return
			}
			var doc map[string]any
			r.json(t, &doc)
			if doc["issuer"] != c.LoginURL+"/"+tt.issuer+"/v2.0" ||
				doc["token_endpoint"] != c.LoginURL+"/"+tt.tokenTenant+"/oauth2/v2.0/token" ||
				doc["authorization_endpoint"] != c.LoginURL+"/"+tt.tokenTenant+"/oauth2/v2.0/authorize" {
				t.Errorf("document %s", r.body)
			}
			instance := tt.instance
			if instance == "" {
				instance = "microsoftonline.com"
			}
			if sub, _ := doc["tenant_region_sub_scope"].(string); doc["cloud_instance_name"] != instance || sub != tt.subScope {
				t.Errorf("cloud_instance_name %v, tenant_region_sub_scope %v; want %s, %q", doc["cloud_instance_name"], doc["tenant_region_sub_scope"], instance, tt.subScope)
			}
			if region, _ := doc["tenant_region_scope"].(string); region != tt.region {
				t.Errorf("tenant_region_scope %v, want %q", doc["tenant_region_scope"], tt.region)
			}
		})
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkAADError asserts Entra ID's error body shape (PROTOCOL §2).
func checkAADError(t *testing.T, r reply, errName string, code int, tenant string) {
	t.Helper()
	var e aadError
	r.json(t, &e)
	prefix := "AADSTS" + itoa(code) + ": "
	if code == 90002 {
		prefix += "Tenant '" + tenant + "' not found. "
	}
	if e.Error != errName || len(e.ErrorCodes) != 1 || e.ErrorCodes[0] != code || !strings.HasPrefix(e.ErrorDescription, prefix) ||
		!guidRE.MatchString(e.TraceID) || !guidRE.MatchString(e.CorrelationID) || e.Timestamp == "" ||
		!strings.HasSuffix(e.ErrorURI, "/error?code="+itoa(code)) {
		t.Errorf("error body %s, want %s %q", r.body, errName, prefix)
	}
}

func TestTokenEndpointRequests(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	s := mustLookup(t, "healthy")
	tests := []struct {
		name, tenant string
		form         url.Values
		status       int
		errName      string
		code         int
	}{
		{"domain tenant", s.Domain, nil, 200, "", 0},
		{"organizations", "organizations", nil, 400, "invalid_request", 900023},
		{"wrong app", s.TenantID, url.Values{"client_id": {"11111111-2222-3333-4444-555555555555"}}, 400, "unauthorized_client", 700016},
		{"no secret", s.TenantID, url.Values{"client_secret": {""}}, 401, "invalid_client", 7000216},
		{"scope not .default", s.TenantID, url.Values{"scope": {GraphResource + "/User.Read"}}, 400, "invalid_scope", 1002012},
		{"two resources", s.TenantID, url.Values{"scope": {GraphResource + "/.default " + DefenderResource + "/.default"}}, 400, "invalid_scope", 70011},
		{"newer defender audience", s.TenantID, url.Values{"scope": {DefenderResourceNewer + "/.default"}}, 200, "", 0},
		{"other grant", s.TenantID, url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type", 70003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {SandboxClientID},
				"client_secret": {SandboxClientSecret}, "scope": {DefenderResource + "/.default"}}
			for k, v := range tt.form {
				form[k] = v
			}
			r := postForm(t, c, c.LoginURL+"/"+tt.tenant+"/oauth2/v2.0/token", form)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.code != 0 {
				checkAADError(t, r, tt.errName, tt.code, tt.tenant)
			}
		})
	}
}

func postForm(t *testing.T, c *Cloud, rawURL string, form url.Values) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c.Client(), req)
}
