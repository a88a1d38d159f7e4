package defender_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// TestRedirectsElsewhereAreRefused: a redirect that changes scheme, host or
// port is never followed, so neither the client secret (token POST body) nor
// a bearer token (API GET) reaches another listener, and what that listener
// would answer (an empty list) is never taken as the tenant's data.
func TestRedirectsElsewhereAreRefused(t *testing.T) {
	tests := []struct {
		name   string
		route  string
		status int
		// target is where the redirect points, given the bystander.
		target func(b *bystander) string
		tls    bool
		check  defender.CheckID
	}{
		{"token 307 to http", routeToken, http.StatusTemporaryRedirect, plainURL, false, defender.CheckToken},
		{"token 308 to http", routeToken, http.StatusPermanentRedirect, plainURL, false, defender.CheckToken},
		{"token 307 to another host", routeToken, http.StatusTemporaryRedirect, otherHostURL, true, defender.CheckToken},
		{"token 308 to another host", routeToken, http.StatusPermanentRedirect, otherHostURL, true, defender.CheckToken},
		{"token 307 to another port", routeToken, http.StatusTemporaryRedirect, otherPortURL, true, defender.CheckToken},
		{"token 308 to another port", routeToken, http.StatusPermanentRedirect, otherPortURL, true, defender.CheckToken},
		// MSAL no longer fetches the tenant's metadata (its token endpoint is
		// fixed per cloud): the engine's own discovery meets the redirect.
		{"discovery 302 to another host", routeDiscovery, http.StatusFound, otherHostURL, true, defender.CheckTenant},
		{"API 302 to http", routeMachines, http.StatusFound, plainURL, false, defender.CheckSensorHealth},
		{"API 302 to another port", routeMachines, http.StatusFound, otherPortURL, true, defender.CheckSensorHealth},
		{"API 302 to another host", routeMachines, http.StatusFound, otherHostURL, true, defender.CheckSensorHealth},
		{"API 307 to another port", routeMachines, http.StatusTemporaryRedirect, otherPortURL, true, defender.CheckSensorHealth},
		{"Graph 302 to another host", routeHealth, http.StatusFound, otherHostURL, true, defender.CheckServiceHealth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHostile(t)
			b := startBystander(t, tt.tls)
			h.on(tt.route, redirectTo(tt.status, tt.target(b)))
			checks := h.run(t, defender.RetryPolicy{})
			c := checks[tt.check]
			if c.Status != defender.Fail || c.Problem != problem.ServiceError ||
				!strings.Contains(c.Message, "redirected") || !strings.Contains(c.Message, "refused") {
				t.Errorf("%s = %s, want a failed service_error saying the redirect was refused", tt.check, describe(c))
			}
			for _, a := range b.arrivals() {
				if strings.Contains(a.Body, hostileSecret) || strings.Contains(a.Body, "client_secret") {
					t.Errorf("the client secret reached %s: %s %s", b.URL, a.Method, a.Path)
				}
				if a.Authorization != "" {
					t.Errorf("a bearer token reached %s: %s %s", b.URL, a.Method, a.Path)
				}
			}
			if n := len(b.arrivals()); n > 0 {
				t.Errorf("%d requests reached the other listener; want none", n)
			}
		})
	}
}

func plainURL(b *bystander) string     { return b.URL }
func otherPortURL(b *bystander) string { return b.URL }
func otherHostURL(b *bystander) string { return "https://evil.example.com:" + b.port() }

// TestRedirectsOnTheSameOriginAreFollowed: a redirect to another path of the
// same scheme, host and port keeps working (a moved endpoint, a trailing slash).
func TestRedirectsOnTheSameOriginAreFollowed(t *testing.T) {
	for _, tt := range []struct {
		name   string
		route  string
		status int
		check  defender.CheckID
	}{
		{"token 307", routeToken, http.StatusTemporaryRedirect, defender.CheckToken},
		{"token 308", routeToken, http.StatusPermanentRedirect, defender.CheckToken},
		{"API 302", routeMachines, http.StatusFound, defender.CheckSensorHealth},
		{"API 301", routeMachines, http.StatusMovedPermanently, defender.CheckSensorHealth},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := startHostile(t)
			good := h.good(tt.route)
			h.on(tt.route, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("moved") == "" {
					q := r.URL.Query()
					q.Set("moved", "1")
					u := *r.URL
					u.RawQuery = q.Encode()
					http.Redirect(w, r, u.RequestURI(), tt.status)
					return
				}
				good(w, r)
			})
			checks := h.run(t, defender.RetryPolicy{})
			if c := checks[tt.check]; c.Status != defender.Pass {
				t.Errorf("%s = %s, want a pass through the same-origin redirect", tt.check, describe(c))
			}
		})
	}
}

// TestCredentialsNeverGoOverHTTP: a token endpoint or API on plain http
// (a discovery document pointing there, a mistyped override) never receives
// the client secret or a bearer token.
func TestCredentialsNeverGoOverHTTP(t *testing.T) {
	t.Run("token endpoint on http", func(t *testing.T) {
		// A discovery document naming a plain-http token endpoint is never
		// followed: MSAL posts to the cloud's fixed https endpoint, whatever
		// a server says (see tenantMetadata), so the secret stays put.
		h := startHostile(t)
		b := startBystander(t, false)
		h.on(routeDiscovery, func(w http.ResponseWriter, r *http.Request) {
			writeJSONReply(w, map[string]any{"issuer": h.URL + "/" + hostileTenant + "/v2.0",
				"token_endpoint":         b.URL + "/" + hostileTenant + "/oauth2/v2.0/token",
				"authorization_endpoint": h.URL + "/" + hostileTenant + "/oauth2/v2.0/authorize"})
		})
		c := h.run(t, defender.RetryPolicy{})[defender.CheckToken]
		if c.Status != defender.Pass {
			t.Errorf("token check = %s, want a pass from the cloud's own https token endpoint", describe(c))
		}
		noCredentials(t, b)
		if n := len(b.arrivals()); n > 0 {
			t.Errorf("%d requests reached the plain-http listener; want none", n)
		}
	})
	t.Run("API and Graph on http", func(t *testing.T) {
		h := startHostile(t)
		b := startBystander(t, false)
		h.apiURL, h.graphURL = b.URL, b.URL
		checks := h.run(t, defender.RetryPolicy{})
		for _, id := range []defender.CheckID{defender.CheckSensorHealth, defender.CheckServiceHealth} {
			if c := checks[id]; c.Status != defender.Fail || !strings.Contains(c.Message, "plain http") {
				t.Errorf("%s = %s, want a failure naming plain http", id, describe(c))
			}
		}
		noCredentials(t, b)
	})
}

func noCredentials(t *testing.T, b *bystander) {
	t.Helper()
	for _, a := range b.arrivals() {
		if strings.Contains(a.Body, hostileSecret) || a.Authorization != "" {
			t.Errorf("a credential went over plain http: %s %s", a.Method, a.Path)
		}
	}
}
