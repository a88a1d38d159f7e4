package defendertest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// adminToken signs the tenant's admin in through the device code flow.
func adminToken(t *testing.T, c *Cloud, tenant string) string {
	t.Helper()
	_, dc := deviceCode(t, c, tenant, AdminClientID)
	r := pollDevice(t, c, tenant, dc.DeviceCode)
	var tok delegatedTokenResponse
	r.json(t, &tok)
	if r.status != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("admin sign-in to %s: %d %s", tenant, r.status, r.body)
	}
	return tok.AccessToken
}

type graphEntity = map[string]any

func graphGet(t *testing.T, c *Cloud, token, path string, q url.Values) (reply, []graphEntity) {
	t.Helper()
	u := c.GraphURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	r := get(t, c, u, token)
	var coll struct{ Value []graphEntity }
	if r.status == http.StatusOK {
		r.json(t, &coll)
	}
	return r, coll.Value
}

func graphCode(t *testing.T, r reply) string {
	t.Helper()
	var e graphError
	r.json(t, &e)
	return e.Error.Code
}

func spPath(appID string) string { return "/v1.0/servicePrincipals(appId='" + appID + "')" }

// spStory is what Graph says of Paratira's service principal and its roles.
func spStory(t *testing.T, c *Cloud, token string) (status int, enabled bool, roles []string) {
	t.Helper()
	r, _ := graphGet(t, c, token, spPath(SandboxClientID), nil)
	if r.status != http.StatusOK {
		return r.status, false, nil
	}
	var sp graphEntity
	r.json(t, &sp)
	names := map[string]string{}
	for _, res := range []string{DefenderAppID, GraphAppID} {
		rr, _ := graphGet(t, c, token, spPath(res), url.Values{"$select": {"id,appId,displayName,appRoles"}})
		if rr.status != http.StatusOK {
			continue
		}
		var rsp struct{ AppRoles []struct{ ID, Value string } }
		rr.json(t, &rsp)
		for _, ar := range rsp.AppRoles {
			names[ar.ID] = ar.Value
		}
	}
	_, as := graphGet(t, c, token, "/v1.0/servicePrincipals/"+sp["id"].(string)+"/appRoleAssignments", nil)
	for _, a := range as {
		roles = append(roles, names[a["appRoleId"].(string)])
	}
	slices.Sort(roles)
	return r.status, sp["accountEnabled"].(bool), roles
}

func TestEachTenantTellsItsStory(t *testing.T) {
	c := NewTestCloud(t, Options{})
	for _, tc := range []struct {
		scenario string
		status   int
		enabled  bool
		roles    string
	}{
		{"healthy", 200, true, "Machine.Read.All Score.Read.All SecurityRecommendation.Read.All ServiceHealth.Read.All"},
		{"app-disabled", 200, false, "Machine.Read.All Score.Read.All SecurityRecommendation.Read.All ServiceHealth.Read.All"},
		{"service-principal-missing", 404, false, ""},
		{"consent-missing", 404, false, ""},
		{"missing-role", 200, true, "Machine.Read.All SecurityRecommendation.Read.All ServiceHealth.Read.All"},
		{"graph-role-missing", 200, true, "Machine.Read.All Score.Read.All SecurityRecommendation.Read.All"},
		{"no-roles", 200, true, ""},
		{"extra-write-roles", 200, true, "Machine.Isolate Machine.Read.All Machine.ReadWrite.All Machine.Scan Score.Read.All SecurityRecommendation.Read.All ServiceHealth.Read.All"},
		{"defender-not-provisioned", 200, true, "ServiceHealth.Read.All"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			s, _ := Lookup(tc.scenario)
			status, enabled, roles := spStory(t, c, adminToken(t, c, s.TenantID))
			if status != tc.status || enabled != tc.enabled || strings.Join(roles, " ") != tc.roles {
				t.Errorf("got %d enabled=%v roles %q", status, enabled, strings.Join(roles, " "))
			}
		})
	}
	// A consent granted while the fake runs shows in Graph at once.
	s, _ := Lookup("consent-missing")
	c.SetConsent(s.TenantID, true)
	if status, _, roles := spStory(t, c, adminToken(t, c, s.TenantID)); status != 200 || len(roles) != 4 {
		t.Errorf("after consent: %d %v", status, roles)
	}
}

func TestAuditLogFilters(t *testing.T) {
	c := NewTestCloud(t, Options{})
	s, _ := Lookup("service-principal-missing")
	tok := adminToken(t, c, s.TenantID)
	spID := servicePrincipalID(s.TenantID, SandboxClientID)
	for _, tc := range []struct {
		name, filter string
		status       int
		activities   string
	}{
		{"by name, removal", "activityDisplayName eq 'Remove service principal' and targetResources/any(t: t/displayName eq 'Paratira')", 200, "Remove service principal"},
		{"by id, consent", "activityDisplayName eq 'Consent to application' and targetResources/any(t: t/id eq '" + spID + "')", 200, "Consent to application"},
		{"by id, everything", "targetResources/any(x: x/id eq '" + spID + "')", 200, "Remove service principal,Consent to application"},
		{"another app", "targetResources/any(t: t/displayName eq 'Fabrikam')", 200, ""},
		{"mismatched lambda variable", "targetResources/any(t: x/id eq '" + spID + "')", 400, ""},
		{"unknown clause", "contains(activityDisplayName,'service')", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, v := graphGet(t, c, tok, "/v1.0/auditLogs/directoryAudits", url.Values{"$filter": {tc.filter}})
			var got []string
			for _, e := range v {
				got = append(got, e["activityDisplayName"].(string))
			}
			if r.status != tc.status || strings.Join(got, ",") != tc.activities {
				t.Errorf("%d %v: %s", r.status, got, r.body)
			}
		})
	}
}

func TestSignInLogs(t *testing.T) {
	c := NewTestCloud(t, Options{})
	filter := url.Values{"$filter": {"appId eq '" + SandboxClientID + "' and signInEventTypes/any(t: t eq 'servicePrincipal')"}, "$top": {"50"}}
	for _, tc := range []struct {
		name, scenario, path string
		q                    url.Values
		status               int
		code                 string // Graph error code
		errorCodes           []float64
	}{
		{"secret rejected", "invalid-secret", "/beta/auditLogs/signIns", filter, 200, "", []float64{7000215, 7000215, 7000215, 0, 0, 0}},
		{"blocked by Conditional Access", "conditional-access", "/beta/auditLogs/signIns", filter, 200, "", []float64{53003, 53003, 53003, 0, 0, 0}},
		{"healthy", "healthy", "/beta/auditLogs/signIns", filter, 200, "", []float64{0, 0, 0}},
		{"no event type: interactive sign-ins only", "invalid-secret", "/beta/auditLogs/signIns", nil, 200, "", nil},
		{"v1.0 knows no signInEventTypes", "healthy", "/v1.0/auditLogs/signIns", filter, 400, "BadRequest", nil},
		{"no Entra ID P1", "unlicensed", "/beta/auditLogs/signIns", filter, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := Lookup(tc.scenario)
			r, v := graphGet(t, c, adminToken(t, c, s.TenantID), tc.path, tc.q)
			if r.status != tc.status || (tc.code != "" && graphCode(t, r) != tc.code) {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var codes []float64
			for _, e := range v {
				codes = append(codes, e["status"].(map[string]any)["errorCode"].(float64))
			}
			if !slices.Equal(codes, tc.errorCodes) {
				t.Errorf("error codes %v, want %v", codes, tc.errorCodes)
			}
		})
	}
}

func TestDoctorReadsNeedTheirPermissions(t *testing.T) {
	c := NewTestCloud(t, Options{})
	s, _ := Lookup("conditional-access")
	admin := adminToken(t, c, s.TenantID)
	r, policies := graphGet(t, c, admin, "/v1.0/identity/conditionalAccess/policies", nil)
	if r.status != 200 || !slices.ContainsFunc(policies, func(p graphEntity) bool {
		return p["displayName"] == "Block access from outside trusted locations" && p["state"] == "enabled"
	}) {
		t.Errorf("policies: %d %s", r.status, r.body)
	}
	// Paratira's own app-only Graph token holds ServiceHealth.Read.All only.
	healthy, _ := Lookup("healthy")
	app := accessToken(t, c, healthy.TenantID, GraphResource)
	for _, path := range []string{spPath(SandboxClientID), "/v1.0/auditLogs/directoryAudits", "/v1.0/identity/conditionalAccess/policies"} {
		if r, _ := graphGet(t, c, app, path, nil); r.status != http.StatusForbidden || graphCode(t, r) != "Authorization_RequestDenied" {
			t.Errorf("%s with an app-only token: %d %s", path, r.status, r.body)
		}
	}
	if r, _ := graphGet(t, c, "", spPath(SandboxClientID), nil); r.status != http.StatusUnauthorized {
		t.Errorf("no token: %d", r.status)
	}
	// Service health, the Graph server's own route, still answers.
	if r, _ := graphGet(t, c, app, "/v1.0/admin/serviceAnnouncement/healthOverviews", nil); r.status != 200 {
		t.Errorf("health overviews: %d", r.status)
	}
}
