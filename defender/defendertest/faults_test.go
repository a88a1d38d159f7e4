package defendertest

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func TestTransientFaults(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	tests := []struct {
		scenario   string
		statuses   []int
		retryAfter string // of the first reply
	}{
		{"throttled-then-ok", []int{429, 429, 200, 200}, "1"},
		{"always-throttled", []int{429, 429, 429}, "2"},
		{"flaky", []int{503, 200, 200}, ""},
		{"healthy", []int{200, 200}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			tok := accessToken(t, c, mustLookup(t, tt.scenario).TenantID, DefenderResource)
			for _, path := range []string{"/api/machines", "/api/exposureScore"} { // counted per path
				for i, want := range tt.statuses {
					r := get(t, c, c.APIURL+path, tok)
					if r.status != want {
						t.Errorf("%s request %d: %d, want %d", path, i+1, r.status, want)
					}
					if i == 0 && r.header.Get("Retry-After") != tt.retryAfter {
						t.Errorf("%s: Retry-After %q, want %q", path, r.header.Get("Retry-After"), tt.retryAfter)
					}
				}
			}
		})
	}
}

func TestConsentPropagation(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	s := mustLookup(t, "consent-propagating")
	for _, resource := range []string{DefenderResource, GraphResource} {
		for i, want := range []bool{false, false, true} {
			_, has := decodeClaims(t, accessToken(t, c, s.TenantID, resource))["roles"]
			if has != want {
				t.Errorf("%s token %d: roles claim present %v, want %v", resource, i+1, has, want)
			}
		}
	}
}

func TestConsentRevokedLater(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	s := mustLookup(t, "consent-revoked-later")
	// Revoking by deleting the enterprise application leaves the app
	// without a service principal in the tenant: AADSTS7000229, HTTP 401.
	for i, want := range []int{200, 200, 401, 401} {
		r := requestToken(t, c, s.TenantID, DefenderResource)
		if r.status != want {
			t.Fatalf("defender token %d: %d, want %d", i+1, r.status, want)
		}
		if want == 401 {
			checkAADError(t, r, "invalid_client", 7000229, "")
		}
	}
	if r := requestToken(t, c, s.TenantID, GraphResource); r.status != 401 {
		t.Errorf("graph token after revocation: %d", r.status)
	}
	c.SetConsent(s.TenantID, true)
	if r := requestToken(t, c, s.TenantID, DefenderResource); r.status != 200 {
		t.Errorf("token after consent restored: %d", r.status)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	s := mustLookup(t, "healthy")
	get(t, c, c.LoginURL+"/"+s.Domain+"/v2.0/.well-known/openid-configuration", "")
	get(t, c, c.LoginURL+"/organizations/v2.0/.well-known/openid-configuration", "")
	tok := accessToken(t, c, s.TenantID, DefenderResource)
	accessToken(t, c, s.TenantID, DefenderResource)
	gtok := accessToken(t, c, s.TenantID, GraphResource)
	get(t, c, c.APIURL+"/api/machines", tok)
	get(t, c, c.GraphURL+"/v1.0/admin/serviceAnnouncement/healthOverviews", gtok)
	get(t, c, c.APIURL+"/api/machines", "") // unattributable
	st := c.Stats()
	if st.TokenRequests[s.TenantID]["defender"] != 2 || st.TokenRequests[s.TenantID]["graph"] != 1 ||
		st.Requests[s.TenantID] != 6 || st.Total != 8 {
		t.Errorf("stats %+v", st)
	}
	st.Requests[s.TenantID] = 99 // a snapshot, not the live counts
	if c.Stats().Requests[s.TenantID] != 6 {
		t.Error("Stats returned the live map")
	}
	c.ResetStats()
	if st := c.Stats(); st.Total != 0 || len(st.Requests) != 0 {
		t.Errorf("after reset: %+v", st)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	scenarios := Scenarios()
	for i := range scenarios {
		if scenarios[i].Name == "slow" {
			scenarios[i].ExtraLatency = 300 * time.Millisecond
		}
	}
	c := NewTestCloud(t, Options{Scenarios: scenarios})
	elapsed := func(tenant string) time.Duration {
		start := time.Now()
		requestToken(t, c, tenant, DefenderResource)
		return time.Since(start)
	}
	slow := elapsed(mustLookup(t, "slow").TenantID)
	if slow < 300*time.Millisecond {
		t.Errorf("slow tenant answered in %v", slow)
	}
	if d := elapsed(mustLookup(t, "healthy").TenantID); d >= slow {
		t.Errorf("healthy tenant answered in %v, slow in %v", d, slow)
	}
	c.SetLatency(200 * time.Millisecond)
	if d := elapsed(mustLookup(t, "healthy").TenantID); d < 200*time.Millisecond {
		t.Errorf("with latency, answered in %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.LoginURL+"/organizations/v2.0/.well-known/openid-configuration", nil)
	if _, err := c.Client().Do(req); err == nil {
		t.Error("a cancelled request got an answer")
	}
}

func TestScenarioCatalogue(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	list := Scenarios()
	if list[0].Name != "healthy" || len(list[0].Reproduces) != 0 {
		t.Errorf("first scenario %+v", list[0])
	}
	for _, s := range list {
		for _, key := range []string{s.Name, s.TenantID, s.Domain} {
			if seen[key] {
				t.Errorf("%q used twice", key)
			}
			seen[key] = true
			if got, ok := Lookup(key); !ok || got.Name != s.Name {
				t.Errorf("Lookup(%q) = %q, %v", key, got.Name, ok)
			}
		}
		if !guidRE.MatchString(s.TenantID) || !isDomain(s.Domain) || s.Description == "" {
			t.Errorf("scenario %+v", s)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup found an unknown scenario")
	}
}
