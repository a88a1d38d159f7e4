package defender

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/problem"
)

// entraBody is an Entra ID error body in its documented layout ("Microsoft
// Entra authentication and authorization error codes", sample error
// response): the description ends with Trace ID, Correlation ID and
// Timestamp lines.
func entraBody(errWord string, code int, text string) []byte {
	const trace, corr, ts = "0000aaaa-11bb-cccc-dd33-eeeeee333333", "aaaa0000-bb11-2222-33cc-444444dddddd", "2026-11-27 07:00:00Z"
	b, _ := json.Marshal(map[string]any{
		"error":             errWord,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", code, text, trace, corr, ts),
		"error_codes":       []int{code}, "timestamp": ts, "trace_id": trace, "correlation_id": corr,
		"error_uri": fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", code),
	})
	return b
}

const (
	docApp    = "00e8252c-0847-49c6-95d9-c0045d19f13c"
	docTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
)

// documentedEntra are the failures issue 12 lists, each with the status,
// error word and text Microsoft documents or sends for it, and the problem
// it must be. A documented code is never a service error, except AADSTS1003031:
// Paratira's app registration is at fault, which neither the admin nor the
// tenant can fix, and the service error's remedy sends them to Paratira support.
var documentedEntra = []struct {
	code   int
	status int
	err    string
	text   string
	want   problem.Code
	msgHas string
}{
	{700016, 400, "unauthorized_client", "Application with identifier '" + docApp + "' was not found in the directory 'contoso.com'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", problem.ConsentMissing, "does not find Paratira's app"},
	{7000229, 401, "invalid_client", "The client application " + docApp + " is missing service principal in the tenant " + docTenant + ". See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119", problem.ConsentMissing, "no enterprise application"},
	{7000215, 401, "invalid_client", "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + docApp + "'.", problem.InvalidClientSecret, "Invalid client secret"},
	{7000216, 401, "invalid_client", "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.", problem.InvalidClientSecret, ""},
	{7000222, 401, "invalid_client", "The provided client secret keys for app '" + docApp + "' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", problem.ClientSecretExpired, ""},
	{7000112, 400, "unauthorized_client", "Application '" + docApp + "'(Paratira) is disabled.", problem.AppDisabled, ""},
	{65001, 400, "invalid_grant", "The user or administrator has not consented to use the application with ID '" + docApp + "' named 'Paratira'. Send an interactive authorization request for this user and resource.", problem.ConsentMissing, ""},
	{65004, 400, "access_denied", "User declined to consent to access the app.", problem.ConsentRejected, ""},
	{500011, 400, "invalid_resource", "The resource principal named https://api.securitycenter.microsoft.com was not found in the tenant named contoso.com. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", problem.DefenderNotProvisioned, ""},
	{53003, 400, "invalid_grant", "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", problem.ConditionalAccessBlocked, ""},
	{90002, 400, "invalid_tenant", "Tenant 'contoso.com' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", problem.TenantNotFound, "does not know"},
	{900023, 400, "invalid_request", "Specified tenant identifier 'contoso_com' is neither a valid DNS name, nor a valid external domain.", problem.TenantNotFound, "does not know"},
	{90072, 400, "access_denied", "User account 'admin@fabrikam.example' from identity provider 'live.com' does not exist in tenant 'contoso.com' and cannot access the application '" + docApp + "'(Paratira) in that tenant.", problem.InsufficientPermissions, "not a member of this tenant"},
	{900432, 400, "invalid_request", "Confidential Client is not supported in Cross Cloud request.", problem.WrongCloud, "another Microsoft cloud"},
	{900382, 400, "invalid_request", "Confidential Client is not supported in Cross Cloud request.", problem.WrongCloud, "another Microsoft cloud"},
	{90038, 400, "invalid_request", "The specified tenant '" + docTenant + "' belongs to the National Cloud 'USGovernment'. Current cloud instance 'Prod' does not federate with USGovernment.", problem.WrongCloud, "USGovernment"},
	{1003031, 400, "access_denied", "Misconfigured required resource access in client application.", problem.ServiceError, "contact Paratira support"},
	{50020, 400, "access_denied", "User account 'admin@fabrikam.example' from identity provider 'https://sts.windows.net/" + docTenant + "/' does not exist in tenant 'contoso.com' and cannot access the application '" + docApp + "'(Paratira) in that tenant.", problem.InsufficientPermissions, "not a member of this tenant"},
}

func TestDocumentedEntraErrors(t *testing.T) {
	global, _ := LookupCloud("global")
	for _, tt := range documentedEntra {
		t.Run(fmt.Sprintf("AADSTS%d", tt.code), func(t *testing.T) {
			if tt.want == problem.ServiceError && tt.code != 1003031 {
				t.Fatalf("a documented code may not be a service error")
			}
			r := reply{URL: "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/token", Status: tt.status, Body: entraBody(tt.err, tt.code, tt.text)}
			e := entraReplyError(r, "contoso.com", global)
			if e.Problem != tt.want {
				t.Errorf("problem %s, want %s", e.Problem, tt.want)
			}
			if tt.msgHas != "" && !strings.Contains(e.Msg, tt.msgHas) {
				t.Errorf("message %q lacks %q", e.Msg, tt.msgHas)
			}
			if strings.Contains(e.Msg, "Trace ID") || strings.Contains(e.Msg, "\n") {
				t.Errorf("message keeps the trace lines: %q", e.Msg)
			}
			d := e.Diag
			if d.HTTPStatus != tt.status || d.Error != tt.err || len(d.AADSTS) != 1 || d.AADSTS[0] != tt.code ||
				d.TraceID == "" || d.CorrelationID == "" || d.URL != r.URL {
				t.Errorf("diagnostics lost support facts: %+v", d)
			}
			secret := tt.want == problem.InvalidClientSecret || tt.want == problem.ClientSecretExpired
			if secret != (tt.code == 7000215 || tt.code == 7000216 || tt.code == 7000222) {
				t.Errorf("AADSTS%d %s: only 7000215, 7000216 and 7000222 speak of the secret", tt.code, e.Problem)
			}
		})
	}
}

// invalid_client alone says "client authentication failed", nothing about
// which credential: it never claims a bad secret.
func TestInvalidClientWithoutKnownCode(t *testing.T) {
	global, _ := LookupCloud("global")
	for _, code := range []int{7000218 + 1, 700027, 0} {
		body := entraBody("invalid_client", code, "Client authentication failed.")
		if code == 0 {
			body = []byte(`{"error":"invalid_client","error_description":"Client authentication failed."}`)
		}
		e := entraReplyError(reply{Status: 401, Body: body}, "contoso.com", global)
		if e.Problem == problem.InvalidClientSecret || e.Problem == problem.ClientSecretExpired || strings.Contains(strings.ToLower(e.Msg), "secret") {
			t.Errorf("code %d: %s %q claims a secret problem", code, e.Problem, e.Msg)
		}
		if !strings.Contains(e.Msg, "client authentication failed") {
			t.Errorf("code %d: message %q", code, e.Msg)
		}
	}
}

// The documented API failures: the Defender API's ("Common Microsoft
// Defender for Endpoint API errors") and Graph's.
func TestDocumentedAPIErrors(t *testing.T) {
	const defURL, graphURL = "https://api.security.microsoft.com/api/machines?$top=10000", "https://graph.microsoft.com/v1.0/admin/serviceAnnouncement/healthOverviews"
	tests := []struct {
		name        string
		url         string
		status      int
		contentType string
		body        string
		want        problem.Code
		check       Status
		msgHas      string
	}{
		{"Defender 401", defURL, 401, "", `{"error":{"code":"Unauthorized","message":"Invalid Authorization payload.","target":"43f4cb08-8fac-4b65-9db1-745c2ae65f3a"}}`, problem.ConsentMissing, Fail, "another API or cloud"},
		{"Defender 403 Forbidden", defURL, 403, "", `{"error":{"code":"Forbidden","message":"Forbidden","target":"43f4cb08-8fac-4b65-9db1-745c2ae65f3a"}}`, problem.InsufficientPermissions, Fail, "lacks a permission"},
		{"Defender 403 naming roles", defURL, 403, "", `{"error":{"code":"Forbidden","message":"The application does not have any of the required application permissions (Machine.ReadWrite.All, Machine.Read.All) to access the resource.","target":"t"}}`, problem.InsufficientPermissions, Fail, "Machine.ReadWrite.All or Machine.Read.All"},
		{"Defender 403 DisabledFeature", defURL, 403, "", `{"error":{"code":"DisabledFeature","message":"Tenant feature is not enabled","target":"t"}}`, problem.LimitedData, Warn, ""},
		{"Defender 403 DisallowedOperation", defURL, 403, "", `{"error":{"code":"DisallowedOperation","message":"The operation is not allowed.","target":"t"}}`, problem.InsufficientPermissions, Fail, ""},
		{"Defender 403 without a body", defURL, 403, "", ``, problem.InsufficientPermissions, Fail, "without an error body"},
		{"403 HTML from a proxy", defURL, 403, "text/html", `<html><body>Blocked by policy</body></html>`, problem.ServiceError, Fail, "HTML page"},
		{"Defender 404", defURL, 404, "", `{"error":{"code":"ResourceNotFound","message":"No machines","target":"t"}}`, problem.LimitedData, Warn, ""},
		{"Defender 429", defURL, 429, "", `{"error":{"code":"TooManyRequests","message":"Rate limit is exceeded.","target":"t"}}`, problem.Throttled, Fail, ""},
		{"Defender 500", defURL, 500, "", `{"error":{"code":"InternalServerError","message":"","target":"t"}}`, problem.ServiceError, Fail, ""},
		{"Graph 403 denied", graphURL, 403, "", `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"request-id":"r1","date":"2026-11-27T07:00:00"}}}`, problem.InsufficientPermissions, Fail, "Privileged Role Administrator"},
		{"Graph 403 another code", graphURL, 403, "", `{"error":{"code":"UnknownError","message":"","innerError":{"request-id":"r1","date":"2026-11-27T07:00:00"}}}`, problem.InsufficientPermissions, Fail, "ServiceHealth.Read.All"},
		{"Graph 401", graphURL, 401, "", `{"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure. Invalid audience.","innerError":{"request-id":"r1","date":"2026-11-27T07:00:00"}}}`, problem.ConsentMissing, Fail, "another API or cloud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string][]string{}
			if tt.contentType != "" {
				h["Content-Type"] = []string{tt.contentType}
			}
			e := apiReplyError(reply{URL: tt.url, Status: tt.status, Header: h, Body: []byte(tt.body)})
			o := failed(e)
			if e.Problem != tt.want || o.status != tt.check {
				t.Errorf("%s/%s (%q), want %s/%s", o.status, e.Problem, e.Msg, tt.check, tt.want)
			}
			if !strings.Contains(e.Msg, tt.msgHas) {
				t.Errorf("message %q lacks %q", e.Msg, tt.msgHas)
			}
			if e.Diag.HTTPStatus != tt.status || e.Diag.URL != tt.url {
				t.Errorf("diagnostics %+v", e.Diag)
			}
		})
	}
}

// The consent redirect's documented failures: the v2.0 page's
// consent_required with AADSTS65004, the v1.0 page's permission_denied, the
// observed access_denied, and the app's and the approver's faults.
func TestConsentRedirectErrors(t *testing.T) {
	tests := []struct {
		query  string
		want   problem.Code
		msgHas string
	}{
		{"error=consent_required&error_description=AADSTS65004%3A+The+resource+owner+or+authorization+server+denied+the+request.", problem.ConsentRejected, "declined"},
		{"error=permission_denied", problem.ConsentRejected, "declined"},
		{"error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent+to+access+the+app.", problem.ConsentRejected, "declined"},
		{"error=access_denied&error_description=AADSTS1003031%3A+Misconfigured+required+resource+access+in+client+application.", problem.ServiceError, "Paratira support"},
		{"error=access_denied&error_description=AADSTS50020%3A+User+account+%27a%40b.example%27+from+identity+provider+%27live.com%27+does+not+exist+in+tenant+%27Contoso%27.", problem.InsufficientPermissions, "not a member of this tenant"},
		{"error=access_denied&error_description=AADSTS90094%3A+The+grant+requires+admin+permission.", problem.InsufficientPermissions, "cannot grant"},
		{"error=consent_required&error_description=x", problem.ConsentMissing, ""},
	}
	for _, tt := range tests {
		res, err := ParseConsentRedirect("http://localhost:53682/consent?"+tt.query+"&admin_consent=True&state=s", "s")
		if err != nil {
			t.Fatalf("%s: %v", tt.query, err)
		}
		if res.Problem != tt.want || !strings.Contains(res.Message, tt.msgHas) || res.Granted {
			t.Errorf("%s: %s %q, want %s with %q", tt.query, res.Problem, res.Message, tt.want, tt.msgHas)
		}
	}
}

// The fake cloud plays each documented code the way Entra ID sends it; the
// engine, through MSAL, must reach the same problem as from the body alone.
func TestFakePlaysDocumentedErrors(t *testing.T) {
	want := map[int]problem.Code{650052: problem.DefenderNotProvisioned, 90094: problem.InsufficientPermissions}
	for _, d := range documentedEntra {
		want[d.code] = d.want
	}
	base, _ := defendertest.Lookup("healthy")
	var list []defendertest.Scenario
	for i, code := range defendertest.DocumentedErrors() {
		s := base
		s.Name, s.TenantID, s.Domain = fmt.Sprintf("code-%d", code), fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("code%d.onmicrosoft.com", code)
		s.TokenError, s.ConsentError = code, code
		list = append(list, s)
	}
	c := startFake(t, defendertest.Options{Scenarios: list})
	e := c.engine(t, Config{Retry: RetryPolicy{Attempts: 1, PerRequest: 5 * time.Second}})
	var targets []Target
	for _, s := range list {
		targets = append(targets, Target{TenantID: s.TenantID})
	}
	res, err := e.Validate(context.Background(), targets)
	if err != nil {
		t.Fatal(err)
	}
	for i, tr := range res.Tenants {
		code := list[i].TokenError
		w, ok := want[code]
		if !ok {
			t.Errorf("AADSTS%d: no expectation", code)
			continue
		}
		tok, _ := tr.Check(CheckToken)
		if tok.Status != Fail || tok.Problem != w || tok.Remedy == "" {
			t.Errorf("AADSTS%d: token check %s/%s %q, want fail/%s", code, tok.Status, tok.Problem, tok.Message, w)
		}
	}
	// At consent time: the Accept link redirects with the code.
	for _, code := range []int{65004, 90094, 50020, 90072, 1003031} {
		s := list[slices.IndexFunc(list, func(s defendertest.Scenario) bool { return s.TokenError == code })]
		res := consentAs(t, c.Cloud, s)
		if res.Problem != want[code] || res.Message == "" {
			t.Errorf("consent with AADSTS%d: %s %q, want %s", code, res.Problem, res.Message, want[code])
		}
	}
}

// consentAs opens the fake's consent page for s's tenant, clicks Accept and
// parses where it redirects.
func consentAs(t *testing.T, c *defendertest.Cloud, s defendertest.Scenario) ConsentResult {
	t.Helper()
	global, _ := LookupCloud("global")
	global.LoginURL = c.LoginURL
	client := c.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(ConsentURL(global, s.TenantID, defendertest.SandboxClientID, DefaultRedirectURI, "st"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`id="accept-` + regexp.QuoteMeta(s.Name) + `" href="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no Accept link for %s", s.Name)
	}
	resp, err = client.Get(html.UnescapeString(string(m[1])))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	res, err := ParseConsentRedirect(resp.Header.Get("Location"), "st")
	if err != nil {
		t.Fatal(err)
	}
	return res
}
