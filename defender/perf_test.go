package defender

// Helpers for bench_test.go that need the engine's insides or a second
// process. They are exported only to this package's tests (the export_test
// idiom): the fake cloud runs in a child process so the benchmark's peak
// memory is the engine's alone, and the sequential baseline is built from the
// engine's own discovery, token and check functions.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

// Environment of the child test process that serves the fake cloud.
const (
	envFakeTenants = "MDECONNECT_BENCH_FAKE_TENANTS"
	envFakeLatency = "MDECONNECT_BENCH_FAKE_LATENCY"
)

// TestFakeCloudProcess is not a test: run by StartFakeCloudProcess in a child
// process, it serves a fleet until its stdin closes.
func TestFakeCloudProcess(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(envFakeTenants))
	if err != nil {
		t.Skip("runs only as the fake-cloud child of a benchmark")
	}
	latency, err := time.ParseDuration(os.Getenv(envFakeLatency))
	if err != nil {
		t.Fatal(err)
	}
	if err := defendertest.ServeFleet(n, latency, os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// FakeCloudProcess is a fleet served by a child process.
type FakeCloudProcess struct {
	*defendertest.FleetProcess
	Tenants []Target
	pool    *x509.CertPool
}

// StartFakeCloudProcess starts a child serving n healthy tenants, every reply
// delayed by latency, and stops it when tb ends.
func StartFakeCloudProcess(tb testing.TB, n int, latency time.Duration) *FakeCloudProcess {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFakeCloudProcess$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), envFakeTenants+"="+strconv.Itoa(n), envFakeLatency+"="+latency.String())
	cmd.Stderr = os.Stderr
	p := &FakeCloudProcess{FleetProcess: defendertest.StartFleetProcess(tb, cmd)}
	p.pool = p.CertPool()
	for i, id := range p.FleetHandshake.Tenants {
		p.Tenants = append(p.Tenants, Target{TenantID: id, Customer: fmt.Sprintf("fleet-%04d", i+1)})
	}
	return p
}

// Client is the engine's default client for parallel, trusting the fake's
// CA, with the connections it opens counted by host.
func (p *FakeCloudProcess) Client(parallel int) (*http.Client, *Dials) {
	c := DefaultHTTPClient(parallel)
	t := c.Transport.(*http.Transport)
	t.TLSClientConfig = &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12}
	d := &Dials{byAddr: map[string]int{}}
	var dialer net.Dialer
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		d.mu.Lock()
		d.byAddr[addr]++
		d.mu.Unlock()
		return dialer.DialContext(ctx, network, addr)
	}
	return c, d
}

// Dials counts the connections a client opened, by host:port.
type Dials struct {
	mu     sync.Mutex
	byAddr map[string]int
}

// Max is the most connections opened to one host; Total, to all.
func (d *Dials) Max() (most, total int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range d.byAddr {
		most, total = max(most, n), total+n
	}
	return most, total
}

// Stats are the child's request counts.
func (p *FakeCloudProcess) Stats(tb testing.TB) defendertest.Stats {
	tb.Helper()
	s, err := p.FleetProcess.Stats()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// ResetStats zeroes the child's request counts.
func (p *FakeCloudProcess) ResetStats(tb testing.TB) {
	tb.Helper()
	if err := p.FleetProcess.ResetStats(); err != nil {
		tb.Fatal(err)
	}
}

// SequentialTenant is the baseline a naive tool would be: the same discovery,
// token and check functions as validateTenant, one call after another (the
// Graph token after the Defender one, each data check after the last). Only
// the exposure check's two GETs still overlap, inside that check.
func SequentialTenant(ctx context.Context, e *Engine, t Target) (TenantResult, error) {
	sign, err := e.signIn()
	if err != nil {
		return TenantResult{}, err
	}
	tok, err := sign.forTenant()
	if err != nil {
		return TenantResult{}, err
	}
	r := &tenantRun{e: e, g: e.g, tok: tok, cloud: e.cfg.Cloud, target: t,
		results: map[CheckID]CheckResult{}, started: map[CheckID]time.Time{}}
	r.begin(CheckTenant)
	info, err := discover(ctx, r.g, r.cloud, t.TenantID)
	if err != nil {
		return TenantResult{}, err
	}
	r.info = &info
	r.end(ctx, CheckTenant, pass("%s", describeTenant(info)))
	r.begin(CheckToken)
	d, err := tok.get(ctx, t.TenantID, ResourceDefender)
	if err != nil {
		return TenantResult{}, err
	}
	g, err := tok.get(ctx, t.TenantID, ResourceGraph)
	if err != nil {
		return TenantResult{}, err
	}
	r.defender, r.graph = &d, &g
	r.end(ctx, CheckToken, tokenOutcome(r.defender, nil))
	r.begin(CheckPermissions)
	r.end(ctx, CheckPermissions, checkPermissions(r))
	for _, c := range dataChecks {
		r.begin(c.id)
		r.end(ctx, c.id, c.run(ctx, r))
	}
	r.begin(CheckServiceHealth)
	r.end(ctx, CheckServiceHealth, checkServiceHealth(ctx, r))
	return r.result(), nil
}

// Peak is the most memory a measured function held.
type Peak struct {
	// RSS is the process's resident high-water mark (VmHWM) during the run.
	RSS uint64
	// Heap is the largest Go heap (live and not yet collected objects) seen
	// by sampling every millisecond.
	Heap uint64
}

// MeasurePeak runs fn with the process's memory high-water mark reset first,
// so the peak is fn's (and the runtime's baseline), not an earlier run's.
func MeasurePeak(tb testing.TB, fn func()) Peak {
	tb.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	// Writing 5 resets VmHWM to the current RSS (Linux 4.0 and later).
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Fatalf("resetting the RSS high-water mark: %v", err)
	}
	var peak Peak
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak.Heap = max(peak.Heap, s[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	peak.RSS = vmHWM(tb)
	return peak
}

func vmHWM(tb testing.TB) uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no VmHWM in /proc/self/status")
	return 0
}
