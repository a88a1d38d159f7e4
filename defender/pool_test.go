package defender_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
)

// TestValidateJobsKeepsToItsWorkers: the jobs of several engines share one
// queue of parallel workers: never more tenants at once than workers, every
// job done once, the results handed over one at a time.
func TestValidateJobsKeepsToItsWorkers(t *testing.T) {
	c := startCloud(t, defendertest.Options{Latency: 20 * time.Millisecond})
	var running, most, inDone atomic.Int32
	track := func(ev defender.Event) {
		switch ev.Kind {
		case defender.TenantStarted:
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
		case defender.TenantFinished:
			running.Add(-1)
		}
	}
	hc := c.Client()
	var jobs []defender.Job
	for _, name := range []string{"healthy", "unlicensed", "empty", "missing-role"} {
		e := newEngine(t, c, defender.Config{OnEvent: track, HTTPClient: hc})
		sc, _ := defendertest.Lookup(name)
		for range 4 {
			jobs = append(jobs, defender.Job{Engine: e, Target: defender.Target{TenantID: sc.TenantID, Customer: name}})
		}
	}
	const workers = 3
	got := make([]int, len(jobs))
	err := defender.ValidateJobs(context.Background(), workers, jobs, func(i int, tr defender.TenantResult) {
		if inDone.Add(1) != 1 {
			t.Errorf("done called by two workers at once")
		}
		time.Sleep(time.Millisecond)
		got[i]++
		if tr.TenantID != jobs[i].Target.TenantID || tr.Customer != jobs[i].Target.Customer {
			t.Errorf("job %d: result of %s/%s", i, tr.TenantID, tr.Customer)
		}
		inDone.Add(-1)
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range got {
		if n != 1 {
			t.Errorf("job %d done %d times", i, n)
		}
	}
	if m := most.Load(); m > workers || m < 2 {
		t.Errorf("%d tenants at once with %d workers", m, workers)
	}
}

// TestValidateJobsRefusesAnEngineThatCannotSignIn: nothing runs when one
// engine has no secret.
func TestValidateJobsRefusesAnEngineThatCannotSignIn(t *testing.T) {
	c := startCloud(t, defendertest.Options{})
	good := newEngine(t, c, defender.Config{})
	cloud, _ := defender.LookupCloud("global")
	bad, err := defender.New(defender.Config{Cloud: cloud, ClientID: defendertest.SandboxClientID})
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := defendertest.Lookup("healthy")
	called := false
	err = defender.ValidateJobs(context.Background(), 2, []defender.Job{{Engine: good, Target: defender.Target{TenantID: sc.TenantID}},
		{Engine: bad, Target: defender.Target{TenantID: sc.TenantID}}}, func(int, defender.TenantResult) { called = true })
	if err == nil || called || c.Stats().Total != 0 {
		t.Errorf("err %v, called %v, %d requests", err, called, c.Stats().Total)
	}
}

// TestNineRequestsPerTenant: discovery, the two tokens and six data calls;
// MSAL's own request for the tenant's metadata never leaves the process.
func TestNineRequestsPerTenant(t *testing.T) {
	c := startCloud(t, defendertest.Options{})
	sc, _ := defendertest.Lookup("healthy")
	res, err := newEngine(t, c, defender.Config{}).Validate(context.Background(), []defender.Target{{TenantID: sc.TenantID}})
	if err != nil || !res.OK {
		t.Fatalf("%v %+v", err, res)
	}
	st := c.Stats()
	if n := st.Requests[sc.TenantID]; n != 9 {
		t.Errorf("%d requests for one tenant, want 9", n)
	}
	for _, r := range []string{defender.ResourceDefender, defender.ResourceGraph} {
		if n := st.TokenRequests[sc.TenantID][r]; n != 1 {
			t.Errorf("%s: %d token requests, want 1", r, n)
		}
	}
}

// TestOneConnectionPerHTTP2Host: sixteen tenants starting at once against a
// cloud that speaks HTTP/2 open one connection to each host, not one per
// request (net/http dials for every request that finds none: 95 per host for
// 50 tenants before the gate). Sixteen tenants put at most 80 requests at
// once on the busiest host (five data calls each), within the 100 streams
// net/http's HTTP/2 client allows a connection before the server's SETTINGS
// arrive: more would need a second connection on a slow machine, rightly.
func TestOneConnectionPerHTTP2Host(t *testing.T) {
	const tenants = 16
	c := startCloud(t, defendertest.Options{Scenarios: defendertest.Fleet(tenants), Latency: 50 * time.Millisecond})
	hc := c.Client()
	var mu sync.Mutex
	dials := map[string]int{}
	var d net.Dialer
	hc.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials[addr]++
		mu.Unlock()
		return d.DialContext(ctx, network, addr)
	}
	var targets []defender.Target
	for _, s := range c.Scenarios() {
		targets = append(targets, defender.Target{TenantID: s.TenantID})
	}
	res, err := newEngine(t, c, defender.Config{HTTPClient: hc, Parallel: tenants}).Validate(context.Background(), targets)
	if err != nil || !res.OK {
		t.Fatalf("%v, ok %v", err, res.OK)
	}
	if len(dials) != 3 {
		t.Errorf("dialled %v, want the three hosts", dials)
	}
	for addr, n := range dials {
		if n != 1 {
			t.Errorf("%s: %d connections for %d tenants at once", addr, n, tenants)
		}
	}
}

// TestHTTP1HostsAreNotSerialised: a host that answers in HTTP/1.1 (some
// TLS-inspecting proxies) needs a connection per request: requests to it
// still go at once.
func TestHTTP1HostsAreNotSerialised(t *testing.T) {
	var inFlight, most atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(100 * time.Millisecond)
		inFlight.Add(-1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"issuer":"x"}`))
	}))
	srv.TLS = &tls.Config{NextProtos: []string{"http/1.1"}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	hc := srv.Client()
	cloud, _ := defender.LookupCloud("global")
	cloud, err := cloud.Overrides(srv.URL, srv.URL, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	e, err := defender.New(defender.Config{Cloud: cloud, ClientID: defendertest.SandboxClientID, ClientSecret: "s", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { _, _ = e.ResolveTenant(context.Background(), "contoso.com") })
	}
	wg.Wait()
	if m := most.Load(); m < 5 {
		t.Errorf("at most %d requests at once to an HTTP/1.1 host: serialised", m)
	}
}
