package defendertest

import (
	"crypto/sha256"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const doctorScope = "https://graph.microsoft.com/Application.Read.All https://graph.microsoft.com/AuditLog.Read.All " +
	"https://graph.microsoft.com/Directory.Read.All https://graph.microsoft.com/Policy.Read.All openid profile offline_access"

func deviceCode(t *testing.T, c *Cloud, tenant, clientID string) (reply, deviceCodeResponse) {
	t.Helper()
	r := postForm(t, c, c.LoginURL+"/"+tenant+"/oauth2/v2.0/devicecode", url.Values{"client_id": {clientID}, "scope": {doctorScope}})
	var dc deviceCodeResponse
	if r.status == http.StatusOK {
		r.json(t, &dc)
	}
	return r, dc
}

func pollDevice(t *testing.T, c *Cloud, tenant, code string) reply {
	t.Helper()
	return postForm(t, c, c.LoginURL+"/"+tenant+"/oauth2/v2.0/token", url.Values{"grant_type": {grantDeviceCode},
		"client_id": {AdminClientID}, "device_code": {code}, "client_info": {"1"}})
}

func entraError(t *testing.T, r reply) (string, int) {
	t.Helper()
	var e aadError
	r.json(t, &e)
	if len(e.ErrorCodes) != 1 || !strings.HasPrefix(e.ErrorDescription, "AADSTS") {
		t.Fatalf("not an Entra ID error body: %s", r.body)
	}
	return e.Error, e.ErrorCodes[0]
}

func TestDeviceCodeFlow(t *testing.T) {
	c := NewTestCloud(t, Options{})
	healthy, _ := Lookup("healthy")
	for _, tc := range []struct {
		name string
		flow DeviceFlow
		// want is each poll's `error`, "" for the token.
		want []string
	}{
		{"approved on the first poll", DeviceFlow{}, []string{""}},
		{"pending then approved", DeviceFlow{Pending: 2}, []string{"authorization_pending", "authorization_pending", ""}},
		{"slow down then approved", DeviceFlow{Pending: 1, SlowDown: 1}, []string{"authorization_pending", "slow_down", ""}},
		{"declined", DeviceFlow{Pending: 1, Outcome: DeviceDecline}, []string{"authorization_pending", "authorization_declined", "bad_verification_code"}},
		{"expired", DeviceFlow{Outcome: DeviceExpire}, []string{"expired_token", "bad_verification_code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.SetDeviceFlow(tc.flow)
			r, dc := deviceCode(t, c, healthy.Domain, AdminClientID)
			if r.status != http.StatusOK || dc.ExpiresIn != 900 || dc.Interval != 5 || dc.UserCode == "" ||
				!strings.Contains(dc.Message, dc.UserCode) || dc.VerificationURI != c.LoginURL+"/devicelogin" {
				t.Fatalf("device code answer %d %s", r.status, r.body)
			}
			for i, want := range tc.want {
				p := pollDevice(t, c, healthy.TenantID, dc.DeviceCode)
				if want == "" {
					var tok delegatedTokenResponse
					p.json(t, &tok)
					if p.status != http.StatusOK || tok.AccessToken == "" || tok.IDToken == "" || tok.ClientInfo == "" {
						t.Fatalf("poll %d: %d %s", i+1, p.status, p.body)
					}
					continue
				}
				if got, _ := entraError(t, p); p.status != http.StatusBadRequest || got != want {
					t.Fatalf("poll %d: %d %s, want %s", i+1, p.status, got, want)
				}
			}
		})
	}
	c.SetDeviceFlow(DeviceFlow{})
	// A redeemed code does not give a second token.
	_, dc := deviceCode(t, c, healthy.TenantID, AdminClientID)
	pollDevice(t, c, healthy.TenantID, dc.DeviceCode)
	if code, _ := entraError(t, pollDevice(t, c, healthy.TenantID, dc.DeviceCode)); code != "bad_verification_code" {
		t.Errorf("second redemption: %s", code)
	}
}

func TestSignInRefusals(t *testing.T) {
	c := NewTestCloud(t, Options{})
	healthy, _ := Lookup("healthy")
	gov, _ := Lookup("us-gov-tenant")
	for _, tc := range []struct {
		name, tenant, client string
		code                 int
	}{
		{"unknown tenant", "nosuchtenant.onmicrosoft.com", AdminClientID, 90002},
		{"malformed tenant", "not a tenant", AdminClientID, 900023},
		{"tenant in another cloud", gov.TenantID, AdminClientID, 90038},
		{"a client the tenant does not know", healthy.TenantID, SandboxClientID, 700016},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := deviceCode(t, c, url.PathEscape(tc.tenant), tc.client)
			if _, got := entraError(t, r); got != tc.code {
				t.Errorf("device code: AADSTS%d, want %d", got, tc.code)
			}
			q := authorizeQuery("http://localhost:1/", "verifier-verifier-verifier-verifier-verifier")
			q.Set("client_id", tc.client)
			page := get(t, c, c.LoginURL+"/"+url.PathEscape(tc.tenant)+"/oauth2/v2.0/authorize?"+q.Encode(), "")
			if _, got := entraError(t, page); got != tc.code {
				t.Errorf("authorize: AADSTS%d, want %d", got, tc.code)
			}
		})
	}
}

func authorizeQuery(redirect, verifier string) url.Values {
	sum := sha256.Sum256([]byte(verifier))
	return url.Values{"client_id": {AdminClientID}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope": {doctorScope}, "state": {"state-123"}, "code_challenge": {b64(sum[:])}, "code_challenge_method": {"S256"},
		"response_mode": {"form_post"}, "prompt": {"select_account"}, "client_info": {"1"}}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)" />`)

// authorize plays the admin: the sign-in page, its Accept or Cancel link,
// and the form Entra ID would post to the redirect URI.
func authorize(t *testing.T, c *Cloud, tenant, redirect, verifier, link string) (action string, fields url.Values) {
	t.Helper()
	page := get(t, c, c.LoginURL+"/"+tenant+"/oauth2/v2.0/authorize?"+authorizeQuery(redirect, verifier).Encode(), "")
	m := regexp.MustCompile(`id="` + link + `" href="([^"]+)"`).FindSubmatch(page.body)
	if page.status != http.StatusOK || m == nil || !strings.Contains(string(page.body), "admin@") {
		t.Fatalf("sign-in page %d: %s", page.status, page.body)
	}
	form := get(t, c, html.UnescapeString(string(m[1])), "")
	fields = url.Values{}
	for _, f := range hiddenRE.FindAllSubmatch(form.body, -1) {
		fields.Set(string(f[1]), html.UnescapeString(string(f[2])))
	}
	a := regexp.MustCompile(`action="([^"]+)"`).FindSubmatch(form.body)
	if a == nil {
		t.Fatalf("no form: %s", form.body)
	}
	return html.UnescapeString(string(a[1])), fields
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	c := NewTestCloud(t, Options{})
	healthy, _ := Lookup("healthy")
	const redirect, verifier = "http://localhost:43123/", "a-verifier-of-forty-three-characters-or-more-12345"
	redeem := func(code, redirectURI, v string) reply {
		return postForm(t, c, c.LoginURL+"/"+healthy.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {grantAuthCode},
			"client_id": {AdminClientID}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {v}, "scope": {doctorScope}})
	}

	action, f := authorize(t, c, healthy.TenantID, redirect, verifier, "accept")
	if action != redirect || f.Get("state") != "state-123" || f.Get("code") == "" || f.Get("client_info") == "" {
		t.Fatalf("form post to %s: %v", action, f)
	}
	if _, got := entraError(t, redeem(f.Get("code"), redirect, verifier+"x")); got != 501481 {
		t.Errorf("wrong verifier: AADSTS%d", got)
	}
	_, f = authorize(t, c, healthy.TenantID, redirect, verifier, "accept")
	if _, got := entraError(t, redeem(f.Get("code"), "http://localhost:1/", verifier)); got != 500112 {
		t.Errorf("other redirect URI: AADSTS%d", got)
	}
	_, f = authorize(t, c, healthy.TenantID, redirect, verifier, "accept")
	if r := redeem(f.Get("code"), redirect, verifier); r.status != http.StatusOK {
		t.Fatalf("redeem: %d %s", r.status, r.body)
	}
	if _, got := entraError(t, redeem(f.Get("code"), redirect, verifier)); got != 54005 {
		t.Errorf("second redemption: AADSTS%d", got)
	}
	_, f = authorize(t, c, healthy.TenantID, redirect, verifier, "cancel")
	if f.Get("error") != "access_denied" || !strings.HasPrefix(f.Get("error_description"), "AADSTS65004") || f.Get("code") != "" {
		t.Errorf("cancel: %v", f)
	}
	if dev, codes := c.SignInRequests(); dev != 0 || codes != 3 {
		t.Errorf("sign-in requests: %d device, %d codes", dev, codes)
	}
}
