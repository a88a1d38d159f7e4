package defender_test

// A hostile Microsoft cloud: one loopback TLS listener serving discovery, the
// token endpoint, the Defender API and Graph, each route good by default and
// replaced by a test with whatever a hostile server would send. Other
// listeners (plain http, another port, "another host") record what reaches
// them, so a test can prove a credential never did.

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
)

const (
	hostileTenant = "7d1f3c52-9a4e-4b0c-8f21-6e5a0b9c3d47"
	hostileSecret = "Hx8Q~hostile.secret_value-0123456789abc"
)

// Routes of the hostile cloud.
const (
	routeDiscovery = "discovery"
	routeToken     = "token"
	routeMachines  = "machines"
	routeAVInfo    = "avinfo"
	routeExposure  = "exposure"
	routeConfig    = "config"
	routeRecs      = "recs"
	routeHealth    = "health"
)

type hostile struct {
	*httptest.Server
	// apiURL and graphURL, when set, replace the API and Graph base URLs.
	apiURL, graphURL string
	mu               sync.Mutex
	routes           map[string]http.HandlerFunc
}

func startHostile(t testing.TB) *hostile {
	t.Helper()
	h := &hostile{routes: map[string]http.HandlerFunc{}}
	h.Server = quietServer(http.HandlerFunc(h.serve), true)
	t.Cleanup(h.Close)
	return h
}

// on replaces route's handler.
func (h *hostile) on(route string, f http.HandlerFunc) {
	h.mu.Lock()
	h.routes[route] = f
	h.mu.Unlock()
}

func routeOf(path string) string {
	switch {
	case strings.HasSuffix(path, "/v2.0/.well-known/openid-configuration"):
		return routeDiscovery
	case strings.HasSuffix(path, "/oauth2/v2.0/token"):
		return routeToken
	case path == "/api/machines":
		return routeMachines
	case path == "/api/deviceavinfo":
		return routeAVInfo
	case path == "/api/exposureScore":
		return routeExposure
	case path == "/api/configurationScore":
		return routeConfig
	case path == "/api/recommendations":
		return routeRecs
	case path == "/v1.0/admin/serviceAnnouncement/healthOverviews":
		return routeHealth
	}
	return ""
}

func (h *hostile) serve(w http.ResponseWriter, r *http.Request) {
	route := routeOf(r.URL.Path)
	h.mu.Lock()
	f := h.routes[route]
	h.mu.Unlock()
	if f == nil {
		f = h.good(route)
	}
	f(w, r)
}

// good is what a healthy tenant's Microsoft would answer on route.
func (h *hostile) good(route string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch route {
		case routeDiscovery:
			base := h.URL + "/" + hostileTenant
			writeJSONReply(w, map[string]any{"issuer": base + "/v2.0", "token_endpoint": base + "/oauth2/v2.0/token",
				"authorization_endpoint": base + "/oauth2/v2.0/authorize", "tenant_region_scope": "EU",
				"cloud_instance_name": "microsoftonline.com"})
		case routeToken:
			_ = r.ParseForm()
			writeJSONReply(w, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
				"access_token": hostileJWT(r.PostForm.Get("scope"))})
		case routeMachines:
			io.WriteString(w, `{"value":[{"healthStatus":"Active","onboardingStatus":"Onboarded"}]}`)
		case routeAVInfo:
			io.WriteString(w, `{"value":[{"avIsSignatureUpToDate":"true","avIsEngineUpToDate":"true","avIsPlatformUpToDate":"true"}]}`)
		case routeExposure, routeConfig:
			io.WriteString(w, `{"time":"2026-01-01T00:00:00Z","score":42}`)
		case routeRecs:
			io.WriteString(w, `{"value":[{"recommendationName":"Update","severityScore":8}]}`)
		case routeHealth:
			io.WriteString(w, `{"value":[{"service":"Microsoft Defender for Endpoint","status":"serviceOperational"}]}`)
		default:
			http.NotFound(w, r)
		}
	}
}

func writeJSONReply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// hostileJWT is an unsigned app-only token for scope with every role the
// checks need: the engine reads claims, it does not verify signatures.
func hostileJWT(scope string) string {
	aud, roles := "https://api.securitycenter.microsoft.com", []string{"Machine.Read.All", "Score.Read.All", "SecurityRecommendation.Read.All"}
	if strings.Contains(scope, "graph") {
		aud, roles = "https://graph.microsoft.com", []string{"ServiceHealth.Read.All"}
	}
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"aud": aud, "iss": "https://sts.windows.net/" + hostileTenant + "/",
		"tid": hostileTenant, "appid": defendertest.SandboxClientID, "roles": roles,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"typ":"JWT","alg":"RS256"}`)) + "." + enc(claims) + "." + enc([]byte("signature"))
}

// client trusts the test certificate and sends every *.example.com name to
// loopback, so "another host" is another name on this machine.
func (h *hostile) client() *http.Client {
	tr := h.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if host == "example.com" || strings.HasSuffix(host, ".example.com") {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

// engine is an engine pointed at h through the overrides a user would set.
func (h *hostile) engine(t testing.TB, retry defender.RetryPolicy) *defender.Engine {
	t.Helper()
	cloud, err := defender.LookupCloud("global")
	if err != nil {
		t.Fatal(err)
	}
	api, graph := cmp.Or(h.apiURL, h.URL), cmp.Or(h.graphURL, h.URL)
	if cloud, err = cloud.Overrides(h.URL, api, graph); err != nil {
		t.Fatal(err)
	}
	if retry == (defender.RetryPolicy{}) {
		retry = defender.RetryPolicy{Attempts: 2, BaseDelay: 10 * time.Millisecond, Budget: 5 * time.Second, PerRequest: 5 * time.Second}
	}
	e, err := defender.New(defender.Config{Cloud: cloud, ClientID: defendertest.SandboxClientID, ClientSecret: hostileSecret,
		HTTPClient: h.client(), Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// run validates the hostile tenant and returns its checks by id.
func (h *hostile) run(t testing.TB, retry defender.RetryPolicy) map[defender.CheckID]defender.CheckResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := h.engine(t, retry).Validate(ctx, []defender.Target{{TenantID: hostileTenant}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[defender.CheckID]defender.CheckResult{}
	for _, c := range res.Tenants[0].Checks {
		out[c.ID] = c
	}
	return out
}

// arrival is one request that reached a bystander listener.
type arrival struct {
	Method, Path, Authorization, Body string
}

// bystander is a listener a hostile reply points at; it records every
// request and answers an empty list, as a server harvesting credentials might.
type bystander struct {
	*httptest.Server
	mu  sync.Mutex
	got []arrival
}

func startBystander(t testing.TB, tls bool) *bystander {
	t.Helper()
	b := &bystander{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		b.mu.Lock()
		b.got = append(b.got, arrival{r.Method, r.URL.Path, r.Header.Get("Authorization"), string(body)})
		b.mu.Unlock()
		if routeOf(r.URL.Path) == routeToken {
			writeJSONReply(w, map[string]any{"token_type": "Bearer", "expires_in": 3599, "access_token": hostileJWT(r.FormValue("scope"))})
			return
		}
		io.WriteString(w, `{"value":[]}`)
	})
	b.Server = quietServer(h, tls)
	t.Cleanup(b.Close)
	return b
}

func (b *bystander) arrivals() []arrival {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]arrival(nil), b.got...)
}

// port is the bystander's port.
func (b *bystander) port() string {
	_, p, _ := net.SplitHostPort(b.Listener.Addr().String())
	return p
}

// quietServer starts a loopback server that does not log the handshakes and
// writes a refused or abandoned reply ends with.
func quietServer(h http.Handler, tls bool) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		s.StartTLS()
	} else {
		s.Start()
	}
	return s
}

// redirectTo answers every request with status and a Location on target,
// keeping the request's path and query.
func redirectTo(status int, target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, target+r.URL.RequestURI(), status)
	}
}

func describe(c defender.CheckResult) string {
	return fmt.Sprintf("%s %s %.300q", c.Status, c.Problem, c.Message)
}
