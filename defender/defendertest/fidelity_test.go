package defendertest

import (
	"fmt"
	"strings"
	"testing"
)

// Every documented code a scenario can play comes back in Entra ID's shape,
// with the status and error word Microsoft sends with it.
func TestDocumentedErrors(t *testing.T) {
	t.Parallel()
	base := mustLookup(t, "healthy")
	want := map[int]struct {
		status int
		err    string
	}{
		90002: {400, "invalid_tenant"}, 900023: {400, "invalid_request"}, 90038: {400, "invalid_request"},
		900432: {400, "invalid_request"}, 900382: {400, "invalid_request"}, 700016: {400, "unauthorized_client"},
		7000229: {401, "invalid_client"}, 65001: {400, "invalid_grant"}, 7000215: {401, "invalid_client"},
		7000216: {401, "invalid_client"}, 7000222: {401, "invalid_client"}, 500011: {400, "invalid_resource"},
		650052: {400, "invalid_resource"}, 53003: {400, "invalid_grant"}, 7000112: {400, "unauthorized_client"},
		65004: {400, "access_denied"}, 90094: {400, "access_denied"}, 50020: {400, "access_denied"},
		90072: {400, "access_denied"}, 1003031: {400, "access_denied"},
	}
	var list []Scenario
	for i, code := range DocumentedErrors() {
		s := base
		s.Name, s.TenantID, s.Domain = fmt.Sprintf("code-%d", code), fleetGUID(9000+i), fmt.Sprintf("code%d.onmicrosoft.com", code)
		s.TokenError = code
		list = append(list, s)
	}
	c := NewTestCloud(t, Options{Scenarios: list})
	for _, s := range list {
		w, ok := want[s.TokenError]
		if !ok {
			t.Errorf("AADSTS%d has no expectation here", s.TokenError)
			continue
		}
		r := requestToken(t, c, s.TenantID, DefenderResource)
		if r.status != w.status {
			t.Errorf("AADSTS%d: HTTP %d, want %d", s.TokenError, r.status, w.status)
		}
		checkAADError(t, r, w.err, s.TokenError, s.Domain)
		var e aadError
		r.json(t, &e)
		for _, line := range []string{" Trace ID: ", " Correlation ID: ", " Timestamp: "} {
			if !strings.Contains(e.ErrorDescription, line) {
				t.Errorf("AADSTS%d: error_description lacks %q: %s", s.TokenError, line, e.ErrorDescription)
			}
		}
	}
}

// An opaque token is no JWT, yet the fake's APIs accept it for its audience.
func TestOpaqueTokens(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	s := mustLookup(t, "opaque-token")
	tok := accessToken(t, c, s.TenantID, DefenderResource)
	if n := len(strings.Split(tok, ".")); n != 5 {
		t.Fatalf("opaque token has %d parts, want 5 (JWE-shaped)", n)
	}
	if r := get(t, c, c.APIURL+"/api/machines", tok); r.status != 200 {
		t.Errorf("machines with an opaque token: %d %s", r.status, r.body)
	}
	gtok := accessToken(t, c, s.TenantID, GraphResource)
	if r := get(t, c, c.GraphURL+"/v1.0/admin/serviceAnnouncement/healthOverviews", gtok); r.status != 200 {
		t.Errorf("Graph with an opaque token: %d %s", r.status, r.body)
	}
	if r := get(t, c, c.GraphURL+"/v1.0/admin/serviceAnnouncement/healthOverviews", tok); r.status != 401 {
		t.Errorf("a Defender opaque token on Graph: %d, want 401", r.status)
	}
}

// With RateLimits the fake answers 429 past an API's documented per-minute
// limit, per tenant, and counts what it was asked.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{RateLimits: true})
	a, b := mustLookup(t, "healthy"), mustLookup(t, "many-devices")
	tok := accessToken(t, c, a.TenantID, DefenderResource)
	for i := 1; i <= 31; i++ {
		r := get(t, c, c.APIURL+"/api/deviceavinfo?$top=1", tok)
		switch {
		case i <= 30 && r.status != 200:
			t.Fatalf("call %d: %d %s", i, r.status, r.body)
		case i == 31 && (r.status != 429 || r.header.Get("Retry-After") == ""):
			t.Fatalf("call 31 in a minute: %d, Retry-After %q; want 429 with Retry-After", r.status, r.header.Get("Retry-After"))
		}
	}
	if r := get(t, c, c.APIURL+"/api/machines?$top=1", tok); r.status != 200 {
		t.Errorf("another API of the same tenant: %d", r.status)
	}
	if r := get(t, c, c.APIURL+"/api/deviceavinfo?$top=1", accessToken(t, c, b.TenantID, DefenderResource)); r.status != 200 {
		t.Errorf("the same API of another tenant: %d", r.status)
	}
	st := c.Stats()
	if st.APIRequests[a.TenantID]["/api/deviceavinfo"] != 31 || st.APIRequests[a.TenantID]["/api/machines"] != 1 || st.RateLimited[a.TenantID] != 1 {
		t.Errorf("stats %+v %+v", st.APIRequests, st.RateLimited)
	}
}

// deviceavinfo has a row per device and antivirus state: some devices have two.
func TestAVInfoRowsPerDeviceState(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	s := mustLookup(t, "healthy")
	var page struct {
		Value []avInfo
	}
	get(t, c, c.APIURL+"/api/deviceavinfo?$top=1000", accessToken(t, c, s.TenantID, DefenderResource)).json(t, &page)
	devices := map[string]bool{}
	for _, a := range page.Value {
		devices[a.MachineID] = true
	}
	if len(devices) != healthyDevices || len(page.Value) <= healthyDevices {
		t.Errorf("%d rows for %d devices; want more rows than the %d devices", len(page.Value), len(devices), healthyDevices)
	}
}

// fakeTB is a TB that is no *testing.T, as the sandbox would pass.
type fakeTB struct {
	cleanups []func()
	fatal    string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }

func TestNewTestCloudTakesAnyTB(t *testing.T) {
	t.Parallel()
	tb := &fakeTB{}
	c := NewTestCloud(tb, Options{})
	if tb.fatal != "" || len(tb.cleanups) != 1 {
		t.Fatalf("fatal %q, %d cleanups", tb.fatal, len(tb.cleanups))
	}
	tb.cleanups[0]()
	if _, err := c.Client().Get(c.LoginURL + "/organizations/v2.0/.well-known/openid-configuration"); err == nil {
		t.Error("the cloud still answers after its cleanup")
	}
	bad := &fakeTB{}
	NewTestCloud(bad, Options{Addr: "no port"})
	if !strings.Contains(bad.fatal, "starting the fake Microsoft cloud") {
		t.Errorf("a failed start said %q", bad.fatal)
	}
}
