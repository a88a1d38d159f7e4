package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

// runFaulty executes a command line as harness.run does, but over client and
// under ctx, as a user on a broken network who may press Ctrl+C.
func (h *harness) runFaulty(ctx context.Context, client *http.Client, stdin string, args ...string) run {
	h.t.Helper()
	var out, errOut bytes.Buffer
	a := h.app(stdin, &out, &errOut)
	a.httpClient = client
	return execute(ctx, a, args, &out, &errOut)
}

// dialing is a client of the fake cloud whose every connection is made by dial.
func dialing(c *defendertest.Cloud, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
	cl := c.Client()
	cl.Transport.(*http.Transport).DialContext = dial
	return cl
}

// answering is a client of the fake cloud whose requests to host get reply
// instead (a throttling gateway, say).
func answering(c *defendertest.Cloud, hostURL string, reply func(*http.Request) *http.Response) *http.Client {
	base := c.Client()
	host := strings.TrimPrefix(hostURL, "https://")
	return &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if req.URL.Host == host {
			return reply(req), nil
		}
		return base.Transport.RoundTrip(req)
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// throttled is Defender's 429 with a Retry-After of seconds.
func throttled(seconds string) func(*http.Request) *http.Response {
	return func(req *http.Request) *http.Response {
		return &http.Response{StatusCode: http.StatusTooManyRequests, Request: req,
			Header: http.Header{"Retry-After": {seconds}, "Content-Type": {"application/json"}},
			Body:   io.NopCloser(strings.NewReader(`{"error":{"code":"TooManyRequests","message":"Rate limit is exceeded. Try again in 3600 seconds.","target":"c0ffee"}}`))}
	}
}

// TestNetworkFaultsAtTheCommandLine runs `mdeconnect test` into each fault a
// corporate network throws, and checks what the user reads: the problem code,
// a message that says what to do, exit 3, within a bounded time.
func TestNetworkFaultsAtTheCommandLine(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy := h.scenario("healthy").TenantID
	refused := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "tcp", "127.0.0.1:1")
	}
	noDNS := func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no such host", Name: "login.microsoftonline.com", IsNotFound: true}
	}
	tests := []struct {
		name    string
		client  *http.Client
		tenant  string
		code    int
		problem string   // in --json
		says    []string // in the text output
		within  time.Duration
	}{
		{"connection reset mid-body", h.cloud.Client(), h.scenario("connection-reset").TenantID, 3, "network_error",
			[]string{"✗ Service health and status      Network error", "cut while reading its reply", "Check your network, proxy (HTTPS_PROXY)"}, 15 * time.Second},
		{"hung server", h.cloud.Client(), h.scenario("hung").TenantID, 3, "network_error",
			[]string{"did not answer in time: check the network or proxy, then test again"}, 10 * time.Second},
		{"untrusted certificate", &http.Client{}, healthy, 3, "network_error",
			[]string{"is not trusted here", "proxy doing TLS inspection", "SSL_CERT_FILE"}, 15 * time.Second},
		{"DNS failure", dialing(h.cloud, noDNS), healthy, 3, "network_error",
			[]string{"could not be resolved (DNS)", "HTTPS_PROXY"}, 15 * time.Second},
		{"connection refused", dialing(h.cloud, refused), healthy, 3, "network_error",
			[]string{"could not reach", "connection refused"}, 15 * time.Second},
		{"429 storm", h.cloud.Client(), h.scenario("always-throttled").TenantID, 3, "throttled",
			[]string{"Microsoft throttled /api/machines (HTTP 429) and the retry budget ran out"}, 30 * time.Second},
		{"Retry-After beyond the budget", answering(h.cloud, h.cloud.APIURL, throttled("3600")), healthy, 3, "throttled",
			[]string{"retry budget ran out; it asked to wait 3600 s"}, 10 * time.Second},
		{"429 then recovery", h.cloud.Client(), h.scenario("throttled-then-ok").TenantID, 0, "",
			[]string{"8 passed"}, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // the slow ones wait on timers, not the CPU
			// The --json run goes alongside: the hung and throttled ones take their time.
			jsonRun := make(chan run, 1)
			go func() {
				jsonRun <- h.runFaulty(context.Background(), tt.client, secret, "test", "--tenant", tt.tenant, "--client-secret-stdin", "--timeout", "3s", "--json")
			}()
			start := time.Now()
			r := h.runFaulty(context.Background(), tt.client, secret, "test", "--tenant", tt.tenant, "--client-secret-stdin", "--timeout", "3s")
			took := time.Since(start)
			t.Logf("exit %d after %v:\n%s%s", r.code, took.Round(time.Millisecond), r.stdout, r.stderr)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d", r.code, tt.code)
			}
			for _, want := range tt.says {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("the output does not say %q", want)
				}
			}
			if took > tt.within {
				t.Errorf("took %v, want at most %v", took, tt.within)
			}
			if j := <-jsonRun; tt.problem != "" {
				if !strings.Contains(j.stdout, `"problem": "`+tt.problem+`"`) {
					t.Errorf("--json names no %s problem:\n%s", tt.problem, j.stdout)
				}
			}
		})
	}
}

// TestTokenExpiresDuringLongRun: tokens that live 1.5 s, a cloud at 100 ms a
// reply and eight tenants one at a time: tokens run out mid-run and are
// fetched again, and nothing fails.
func TestTokenExpiresDuringLongRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.cloud = defendertest.NewTestCloud(t, defendertest.Options{TokenLifetime: 1500 * time.Millisecond, Latency: 100 * time.Millisecond})
	h.env["MDECONNECT_LOGIN_URL"], h.env["MDECONNECT_API_URL"], h.env["MDECONNECT_GRAPH_URL"] = h.cloud.LoginURL, h.cloud.APIURL, h.cloud.GraphURL
	args := []string{"test", "--parallel", "1", "--client-secret-stdin"}
	names := []string{"many-devices", "healthy", "empty", "unlicensed", "flaky", "throttled-then-ok", "extra-write-roles", "missing-role"}
	for _, n := range names {
		args = append(args, "--tenant", h.scenario(n).TenantID+"="+n)
	}
	r := h.runFaulty(context.Background(), h.cloud.Client(), secret, args...)
	// missing-role fails by design; nothing else may.
	if r.code != 3 || strings.Count(r.stdout, "✗") > 2 || strings.Contains(r.stdout, "Invalid Authorization") || strings.Contains(r.stdout, "refused the token") {
		t.Fatalf("exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	again := 0
	for _, n := range names {
		if h.cloud.Stats().TokenRequests[h.scenario(n).TenantID]["defender"] > 1 {
			again++
		}
	}
	if again == 0 {
		t.Errorf("no token was fetched again: the run was too short to test expiry")
	}
	t.Logf("%d of %d tenants fetched a new Defender token mid-run", again, len(names))
}

// TestCtrlCAtEveryPhase cancels add, test NAME, test --all and an ad hoc test
// before they start, while signing in, while fetching data and as the data
// comes back: each exits 130 saying "Cancelled.", promptly, writes nothing to
// the store (byte for byte), and leaves no goroutine behind.
func TestCtrlCAtEveryPhase(t *testing.T) {
	h := newHarness(t)
	h.addHealthy("Contoso")
	// Every reply takes 250 ms, so a request is on its way when Ctrl+C comes.
	h.cloud.SetLatency(250 * time.Millisecond)
	healthy := h.scenario("healthy").TenantID
	commands := map[string][]string{
		"add":         {"add", "--name", "Fabrikam", "--tenant", h.scenario("empty").TenantID + "=Fabrikam", "--client-secret-stdin"},
		"test NAME":   {"test", "Contoso"},
		"test --all":  {"test", "--all"},
		"test ad hoc": {"test", "--tenant", healthy, "--client-secret-stdin"},
	}
	// The phases are moments of the exchange, not times, so an engine with
	// more or fewer round trips is cancelled in each all the same. at says
	// whether req (on its way, resp nil; or answered) is the moment.
	apiHost := strings.TrimPrefix(h.cloud.APIURL, "https://")
	phases := []struct {
		name string
		at   func(req *http.Request, resp *http.Response) bool
	}{
		{"before it starts", nil},
		{"while signing in", func(req *http.Request, resp *http.Response) bool {
			return resp == nil && strings.HasSuffix(req.URL.Path, "/oauth2/v2.0/token")
		}},
		{"while fetching data", func(req *http.Request, resp *http.Response) bool { return resp == nil && req.URL.Host == apiHost }},
		{"as the data comes back", func(req *http.Request, resp *http.Response) bool { return resp != nil && req.URL.Host == apiHost }},
	}
	before := runtime.NumGoroutine()
	var (
		mu      sync.Mutex
		clients []*http.Client
	)
	// The sixteen runs go at once: each waits on the fake's latency, none
	// may change the store, and this test runs alone (it counts goroutines).
	t.Run("phases", func(t *testing.T) {
		for name, args := range commands {
			for _, ph := range phases {
				t.Run(name+" "+ph.name, func(t *testing.T) {
					t.Parallel()
					files := h.storeBytes()
					client := h.cloud.Client()
					mu.Lock()
					clients = append(clients, client)
					mu.Unlock()
					ctx, cancel := context.WithCancel(context.Background())
					var once sync.Once
					var pressed time.Time
					press := func() { once.Do(func() { pressed = time.Now(); cancel() }) }
					if ph.at == nil {
						press()
					}
					watched := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
						if ph.at != nil && ph.at(req, nil) {
							press()
						}
						resp, err := client.Transport.RoundTrip(req)
						if err == nil && ph.at != nil && ph.at(req, resp) {
							press()
						}
						return resp, err
					})}
					r := h.runFaulty(ctx, watched, secret, args...)
					ended := time.Now()
					press() // a run that never reached its moment is not cancelled late
					cancel()
					client.CloseIdleConnections()
					if r.code != exitCancelled || !strings.Contains(r.stderr, "Cancelled.") {
						t.Errorf("%s cancelled %s: exit %d, want 130 and \"Cancelled.\"\n%s%s", name, ph.name, r.code, r.stdout, r.stderr)
					}
					if late := ended.Sub(pressed); late > time.Second {
						t.Errorf("%s cancelled %s: ended %v later", name, ph.name, late)
					}
					if now := h.storeBytes(); !reflect.DeepEqual(files, now) {
						t.Errorf("%s cancelled %s changed the store", name, ph.name)
					}
				})
			}
		}
	})
	// A connection whose request was cancelled goes back to the pool once its
	// stream is reset; the process would exit here, the test closes them.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+4 && time.Now().Before(deadline) {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+4 {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left (from %d):\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// Pasting the secret's ID instead of its value is the commonest mistake: the
// command says so before the sign-in fails.
func TestSecretIDWarns(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("3f1e2d4c-5b6a-4978-8a1b-2c3d4e5f6a7b\n", "test", "--tenant", h.scenario("healthy").TenantID, "--client-secret-stdin")
	if r.code != 3 || !strings.Contains(r.stderr, "looks like a secret ID") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if r := h.run(secret, "test", "--tenant", h.scenario("healthy").TenantID, "--client-secret-stdin"); strings.Contains(r.stderr, "secret ID") {
		t.Errorf("a real secret was taken for an ID:\n%s", r.stderr)
	}
}
