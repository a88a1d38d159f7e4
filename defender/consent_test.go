package defender

import (
	"net/url"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender/problem"
)

func TestConsentURL(t *testing.T) {
	c, _ := LookupCloud("global")
	for _, tenant := range []string{"", "common", "contoso.com"} {
		u, err := url.Parse(ConsentURL(c, tenant, ParatiraClientID, DefaultRedirectURI, "st8"))
		if err != nil {
			t.Fatal(err)
		}
		wantTenant := tenant
		if tenant == "" || tenant == "common" {
			wantTenant = "organizations"
		}
		if u.Host != "login.microsoftonline.com" || u.Path != "/"+wantTenant+"/v2.0/adminconsent" {
			t.Errorf("tenant %q: got %s", tenant, u)
		}
		q := u.Query()
		if q.Get("client_id") != ParatiraClientID || q.Get("scope") != "https://api.securitycenter.microsoft.com/.default" ||
			q.Get("redirect_uri") != DefaultRedirectURI || q.Get("state") != "st8" {
			t.Errorf("query = %v", q)
		}
	}
}

func TestParseConsentRedirect(t *testing.T) {
	const g = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	tests := []struct {
		name, raw, state string
		granted          bool
		tenant           string
		prob             problem.Code
		errHas           string
	}{
		{name: "granted", raw: "http://localhost:53682/consent?admin_consent=True&tenant=" + g + "&scope=x&state=abc", state: "abc", granted: true, tenant: g},
		{name: "query only, state with suffix", raw: "admin_consent=True&tenant=" + g + "&state=abc%23extra", state: "abc", granted: true, tenant: g},
		{name: "rejected", raw: "http://localhost/c?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent+to+access+the+app.&admin_consent=True&state=abc", state: "abc", prob: problem.ConsentRejected},
		{name: "non-admin", raw: "?error=access_denied&error_description=AADSTS90094%3A+Admin+privileges+required&state=abc", state: "abc", prob: problem.InsufficientPermissions},
		{name: "consent_required", raw: "?error=consent_required&error_description=x&state=abc", prob: problem.ConsentMissing},
		{name: "forged tenant ignored", raw: "?admin_consent=True&tenant=../../x&state=abc", state: "abc", granted: true},
		{name: "wrong state", raw: "?admin_consent=True&tenant=" + g + "&state=zzz", state: "abc", errHas: "another request"},
		{name: "not a redirect", raw: "https://example.com/?a=b", errHas: "not a consent redirect"},
		{name: "empty", raw: "  ", errHas: "nothing was pasted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ParseConsentRedirect(tt.raw, tt.state)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want %q", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Granted != tt.granted || res.TenantID != tt.tenant || res.Problem != tt.prob {
				t.Errorf("got %+v", res)
			}
		})
	}
}

func FuzzParseConsentRedirect(f *testing.F) {
	f.Add("http://localhost:53682/consent?admin_consent=True&tenant=72f988bf-86f1-41af-91ab-2d7cd011db47&state=abc", "abc")
	f.Add("?error=access_denied&error_description=AADSTS65004", "")
	f.Add("%zz", "x")
	f.Add("?error=permission_denied&admin_consent=True", "")
	f.Add("?error=access_denied&error_description=AADSTS1003031%3A+Misconfigured", "")
	f.Fuzz(func(t *testing.T, raw, state string) {
		res, err := ParseConsentRedirect(raw, state)
		if err != nil {
			return
		}
		if res.Error != "" && (res.Problem == problem.None || res.Message == "") {
			t.Fatalf("an error redirect without a problem or message: %+v", res)
		}
		if res.TenantID != "" && !IsGUID(res.TenantID) {
			t.Fatalf("tenant hint %q is not a GUID", res.TenantID)
		}
		if res.Granted && res.Error != "" {
			t.Fatal("granted with an error")
		}
	})
}

func TestDecodeClaims(t *testing.T) {
	// header.payload.signature with aud as a list and roles.
	payload := `{"aud":["https://api.securitycenter.microsoft.com"],"tid":"t","appid":"a","roles":["Machine.Read.All"],"exp":1900000000}`
	tok := "eyJhbGciOiJSUzI1NiJ9." + b64(payload) + ".sig"
	c, err := DecodeClaims(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Audience != "https://api.securitycenter.microsoft.com" || len(c.Roles) != 1 || c.TenantID != "t" {
		t.Errorf("claims = %+v", c)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + b64("not json") + ".c"} {
		if _, err := DecodeClaims(bad); err == nil {
			t.Errorf("DecodeClaims(%q) accepted", bad)
		}
	}
}

func FuzzDecodeClaims(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9." + b64(`{"aud":"x","roles":["A"]}`) + ".s")
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = DecodeClaims(s)
	})
}
