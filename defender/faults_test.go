package defender_test

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/problem"
)

func TestTokenExpiringMidRunIsReacquired(t *testing.T) {
	t.Parallel() // waits on timers, not the CPU
	c := startCloud(t, defendertest.Options{TokenLifetime: 1500 * time.Millisecond, Latency: 400 * time.Millisecond})
	sc, _ := defendertest.Lookup("many-devices")
	e := newEngine(t, c, defender.Config{Retry: defender.RetryPolicy{PerRequest: 10 * time.Second, Budget: 20 * time.Second}})
	res, err := e.Validate(context.Background(), []defender.Target{{TenantID: sc.TenantID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range res.Tenants[0].Checks {
		if ch.Status != defender.Pass {
			t.Errorf("%s = %s %s: %s", ch.ID, ch.Status, ch.Problem, ch.Message)
		}
	}
	if n := c.Stats().TokenRequests[sc.TenantID]["defender"]; n < 2 {
		t.Errorf("the expired token was never replaced: %d token requests", n)
	}
}

// faultClient returns a client whose every connection fails like dial does.
func faultClient(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dial
	return &http.Client{Transport: tr}
}

func TestNetworkFaultsSayWhatToDo(t *testing.T) {
	c := startCloud(t, defendertest.Options{})
	sc, _ := defendertest.Lookup("healthy")
	tests := []struct {
		name   string
		client *http.Client
		msgHas string
	}{
		{"untrusted certificate", &http.Client{}, "SSL_CERT_FILE"},
		{"DNS failure", faultClient(func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, &net.DNSError{Err: "no such host", Name: "login.microsoftonline.com", IsNotFound: true}
		}), "DNS"},
		{"connection refused", faultClient(func(ctx context.Context, network, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", "127.0.0.1:1")
		}), "could not reach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cloud, err := defender.LookupCloud("global")
			if err != nil {
				t.Fatal(err)
			}
			if cloud, err = cloud.Overrides(c.LoginURL, c.APIURL, c.GraphURL); err != nil {
				t.Fatal(err)
			}
			e2, err := defender.New(defender.Config{Cloud: cloud, ClientID: defendertest.SandboxClientID, ClientSecret: defendertest.SandboxClientSecret,
				HTTPClient: tt.client, Retry: defender.RetryPolicy{Attempts: 2, BaseDelay: 10 * time.Millisecond, Budget: time.Second, PerRequest: time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := e2.Validate(context.Background(), []defender.Target{{TenantID: sc.TenantID}})
			if err != nil {
				t.Fatal(err)
			}
			ten, _ := res.Tenants[0].Check(defender.CheckTenant)
			if ten.Problem != problem.NetworkError || !strings.Contains(ten.Message, tt.msgHas) {
				t.Errorf("tenant check = %s %q, want network_error mentioning %q", ten.Problem, ten.Message, tt.msgHas)
			}
			tok, _ := res.Tenants[0].Check(defender.CheckToken)
			if tok.Problem != problem.NetworkError {
				t.Errorf("token check = %s %q", tok.Problem, tok.Message)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestRetryAfterBeyondBudgetFailsFast(t *testing.T) {
	c := startCloud(t, defendertest.Options{})
	sc, _ := defendertest.Lookup("always-throttled")
	e := newEngine(t, c, defender.Config{Retry: defender.RetryPolicy{Attempts: 5, BaseDelay: 10 * time.Millisecond, Budget: 500 * time.Millisecond, PerRequest: time.Second}})
	start := time.Now()
	res, err := e.Validate(context.Background(), []defender.Target{{TenantID: sc.TenantID}})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("waited %v although Microsoft asked for more than the budget", d)
	}
	ch, _ := res.Tenants[0].Check(defender.CheckSensorHealth)
	if ch.Problem != problem.Throttled || !strings.Contains(ch.Message, "asked to wait") {
		t.Errorf("sensor check = %s %q", ch.Problem, ch.Message)
	}
}

func TestCancelAtEveryPhaseLeavesNoGoroutine(t *testing.T) {
	c := startCloud(t, defendertest.Options{Latency: 300 * time.Millisecond})
	sc, _ := defendertest.Lookup("healthy")
	client := c.Client()
	before := runtime.NumGoroutine()
	// A tenant takes two replies: discovery and the tokens (0-300 ms), then
	// the data calls (300-600 ms); 1 s is after the end.
	for _, after := range []time.Duration{0, 50 * time.Millisecond, 350 * time.Millisecond, 450 * time.Millisecond, 1000 * time.Millisecond} {
		e := newEngine(t, c, defender.Config{HTTPClient: client})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(after, cancel)
		start := time.Now()
		res, err := e.Validate(ctx, []defender.Target{{TenantID: sc.TenantID}})
		if err == nil && after < time.Second {
			t.Errorf("cancel after %v: no error", after)
		}
		if err != nil && (res.OK || !res.Cancelled) {
			t.Errorf("cancel after %v: a cancelled run reads ok=%v cancelled=%v", after, res.OK, res.Cancelled)
		}
		if d := time.Since(start) - after; d > 500*time.Millisecond {
			t.Errorf("cancel after %v: returned %v later", after, d)
		}
		for _, ch := range res.Tenants[0].Checks {
			if ch.Status == defender.Fail {
				t.Errorf("cancel after %v: %s failed (%s) instead of being skipped", after, ch.ID, ch.Message)
			}
		}
		cancel()
	}
	client.CloseIdleConnections()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before+4 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+4 {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left (from %d):\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
