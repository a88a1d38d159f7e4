package defender

// Helpers for bench_test.go that need the engine's insides or a second
// process. They are exported only to this package's tests (the export_test
// idiom): the fake cloud runs in a child process so the benchmark's peak
// memory is the engine's alone, and the sequential baseline is built from the
// engine's own discovery, token and check functions.

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
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

// handshake is the child's first line on stdout.
type handshake struct {
	LoginURL, APIURL, GraphURL, StatsURL string
	CAPEM                                []byte
	Tenants                              []Target
}

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
	fleet := defendertest.Fleet(n)
	c, err := defendertest.Start(defendertest.Options{Latency: latency, Scenarios: fleet})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { _ = json.NewEncoder(w).Encode(c.Stats()) })
	mux.HandleFunc("POST /reset", func(http.ResponseWriter, *http.Request) { c.ResetStats() })
	go func() { _ = http.Serve(ln, mux) }()
	h := handshake{LoginURL: c.LoginURL, APIURL: c.APIURL, GraphURL: c.GraphURL,
		StatsURL: "http://" + ln.Addr().String(), CAPEM: c.CACertPEM()}
	for _, s := range fleet {
		h.Tenants = append(h.Tenants, Target{TenantID: s.TenantID, Customer: s.Name})
	}
	line, _ := json.Marshal(h)
	fmt.Fprintf(os.Stdout, "%s\n", line)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// FakeCloudProcess is a fleet served by a child process.
type FakeCloudProcess struct {
	handshake
	pool *x509.CertPool
}

// StartFakeCloudProcess starts a child serving n healthy tenants, every reply
// delayed by latency, and stops it when tb ends.
func StartFakeCloudProcess(tb testing.TB, n int, latency time.Duration) *FakeCloudProcess {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFakeCloudProcess$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), envFakeTenants+"="+strconv.Itoa(n), envFakeLatency+"="+latency.String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		tb.Fatalf("the fake-cloud child said nothing: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	p := &FakeCloudProcess{pool: x509.NewCertPool()}
	if err := json.Unmarshal(line, &p.handshake); err != nil {
		tb.Fatalf("the fake-cloud child's handshake %q: %v", line, err)
	}
	p.pool.AppendCertsFromPEM(p.CAPEM)
	return p
}

// Client is the engine's default client for parallel, trusting the fake's CA.
func (p *FakeCloudProcess) Client(parallel int) *http.Client {
	c := DefaultHTTPClient(parallel)
	c.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: p.pool, MinVersion: tls.VersionTLS12}
	return c
}

// Stats are the child's request counts.
func (p *FakeCloudProcess) Stats(tb testing.TB) defendertest.Stats {
	tb.Helper()
	resp, err := http.Get(p.StatsURL + "/stats")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var s defendertest.Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		tb.Fatal(err)
	}
	return s
}

// ResetStats zeroes the child's request counts.
func (p *FakeCloudProcess) ResetStats(tb testing.TB) {
	tb.Helper()
	resp, err := http.Post(p.StatsURL+"/reset", "", nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
}

// SequentialTenant is the baseline a naive tool would be: the same discovery,
// token and check functions as validateTenant, one call after another (the
// Graph token after the Defender one, each data check after the last). Only
// the exposure check's two GETs still overlap, inside that check.
func SequentialTenant(ctx context.Context, e *Engine, t Target) (TenantResult, error) {
	tok, err := e.tokens()
	if err != nil {
		return TenantResult{}, err
	}
	r := &tenantRun{e: e, g: e.g, cloud: e.cfg.Cloud, target: t,
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
