package defender_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
)

// benchLatency is what the fake cloud adds to every reply: Microsoft's
// endpoints take a few hundred milliseconds from a customer's site.
const benchLatency = 200 * time.Millisecond

// idealPath is the shortest one tenant can take, in replies: discovery and
// both token requests start together (MSAL needs no discovery of its own:
// the token endpoint is fixed per cloud), one reply; then every data call
// starts at once and each healthy list fits one page, one reply. Two in all.
const idealPath = 2 * benchLatency

// fleetSizes are the runs issue 15 asks for, up to an MSP's whole fleet.
// MDECONNECT_BENCH_FLEET (comma-separated sizes) replaces them.
func fleetSizes() []int {
	sizes := []int{1, 10, 200, 1000, 5000}
	if env := os.Getenv("MDECONNECT_BENCH_FLEET"); env != "" {
		sizes = nil
		for _, f := range strings.Split(env, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
				sizes = append(sizes, n)
			}
		}
	}
	return sizes
}

// benchEngine is a cold engine (empty token cache, a new connection pool)
// for the fake, and the dials its client makes.
func benchEngine(b *testing.B, p *defender.FakeCloudProcess, parallel int) (*defender.Engine, *defender.Dials) {
	b.Helper()
	cloud, err := defender.LookupCloud("global")
	if err != nil {
		b.Fatal(err)
	}
	if cloud, err = cloud.Overrides(p.LoginURL, p.APIURL, p.GraphURL); err != nil {
		b.Fatal(err)
	}
	hc, dials := p.Client(parallel)
	b.Cleanup(hc.CloseIdleConnections)
	e, err := defender.New(defender.Config{Cloud: cloud, ClientID: defendertest.SandboxClientID,
		ClientSecret: defendertest.SandboxClientSecret, Parallel: parallel, HTTPClient: hc})
	if err != nil {
		b.Fatal(err)
	}
	return e, dials
}

// run is what one cold validation measured.
type run struct {
	wall  time.Duration
	cpu   time.Duration
	fake  time.Duration // the fake cloud's CPU
	peak  defender.Peak
	dials int // the most connections opened to one host
}

// validate runs one cold validation and fails the benchmark unless every
// tenant passed.
func validate(b *testing.B, p *defender.FakeCloudProcess, parallel int, targets []defender.Target) run {
	b.Helper()
	e, dials := benchEngine(b, p, parallel)
	var r run
	cpu, fake := defender.CPUTime(b), p.CPU()
	r.peak = defender.MeasurePeak(b, func() {
		start := time.Now()
		res, err := e.Validate(context.Background(), targets)
		r.wall = time.Since(start)
		if err != nil || !res.OK {
			b.Fatalf("validation failed: %v %+v", err, res)
		}
	})
	r.cpu, r.fake = defender.CPUTime(b)-cpu, p.CPU()-fake
	r.dials, _ = dials.Max()
	return r
}

// warm makes the fake ready untimed (its signing key, the first tenant's data).
func warm(b *testing.B, p *defender.FakeCloudProcess) {
	b.Helper()
	validate(b, p, 1, p.Tenants[:1])
}

// BenchmarkOneTenant compares one tenant's wall time with the ideal path and
// with the same checks run one after another (defender.SequentialTenant).
func BenchmarkOneTenant(b *testing.B) {
	p := defender.StartFakeCloudProcess(b, 1, benchLatency)
	warm(b, p)
	var wall, seq time.Duration
	var f fleetCounts
	for b.Loop() {
		p.ResetStats(b)
		wall += validate(b, p, 0, p.Tenants).wall
		f = countFleet(b, p, p.Tenants)
		e, _ := benchEngine(b, p, 1)
		start := time.Now()
		res, err := defender.SequentialTenant(context.Background(), e, p.Tenants[0])
		seq += time.Since(start)
		if err != nil || !res.OK {
			b.Fatalf("sequential validation failed: %v %+v", err, res)
		}
	}
	wall, seq = wall/time.Duration(b.N), seq/time.Duration(b.N)
	b.ReportMetric(ms(wall), "wall_ms")
	b.ReportMetric(ms(idealPath), "ideal_ms")
	b.ReportMetric(float64(wall)/float64(idealPath), "x_ideal")
	b.ReportMetric(float64(f.requestsMax), "requests/tenant")
	b.ReportMetric(ms(seq), "seq_ms")
	b.ReportMetric(float64(seq)/float64(wall), "x_faster_than_seq")
}

// BenchmarkFleet validates 1 to 5,000 tenants at DefaultParallel against the
// ideal, ceil(n/parallel) x two replies, with the engine's CPU per tenant,
// peak memory and connections (the fake runs in a child process).
func BenchmarkFleet(b *testing.B) {
	benchmarkFleet(b, defender.DefaultParallel, fleetSizes())
}

// BenchmarkParallel is 1,000 tenants at other parallelisms, for choosing
// DefaultParallel (README, Performance).
func BenchmarkParallel(b *testing.B) {
	for _, par := range []int{20, 50, 100, 200, 400} {
		b.Run(fmt.Sprintf("parallel=%d", par), func(b *testing.B) { benchmarkFleet(b, par, []int{1000}) })
	}
}

func benchmarkFleet(b *testing.B, parallel int, sizes []int) {
	p := defender.StartFakeCloudProcess(b, sizes[len(sizes)-1], benchLatency)
	warm(b, p)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("tenants=%d", n), func(b *testing.B) {
			targets := p.Tenants[:n]
			var sum run
			var f fleetCounts
			for b.Loop() {
				p.ResetStats(b)
				r := validate(b, p, parallel, targets)
				sum.wall += r.wall
				sum.cpu += r.cpu
				sum.fake += r.fake
				sum.peak.RSS, sum.peak.Heap = max(sum.peak.RSS, r.peak.RSS), max(sum.peak.Heap, r.peak.Heap)
				sum.dials = max(sum.dials, r.dials)
				f = countFleet(b, p, targets)
			}
			wall := sum.wall / time.Duration(b.N)
			ideal := time.Duration((n+parallel-1)/parallel) * idealPath
			b.ReportMetric(ms(wall), "wall_ms")
			b.ReportMetric(ms(ideal), "ideal_ms")
			b.ReportMetric(float64(wall)/float64(ideal), "x_ideal")
			b.ReportMetric(ms(sum.cpu)/float64(n*b.N), "cpu_ms/tenant")
			b.ReportMetric(ms(sum.fake)/float64(n*b.N), "fake_cpu_ms/tenant")
			b.ReportMetric(float64(f.tokensMax), "tokens/tenant/resource")
			b.ReportMetric(float64(f.requestsMax), "requests/tenant")
			b.ReportMetric(float64(sum.dials), "conns/host")
			b.ReportMetric(float64(sum.peak.RSS)/(1<<20), "peak_rss_MB")
			b.ReportMetric(float64(sum.peak.Heap)/(1<<20), "peak_heap_MB")
			b.ReportMetric(float64(parallel), "parallel")
		})
	}
}

type fleetCounts struct{ tokensMax, requestsMax int }

// countFleet reads the fake's counts and fails unless every tenant got
// exactly one token request per resource.
func countFleet(b *testing.B, p *defender.FakeCloudProcess, targets []defender.Target) fleetCounts {
	b.Helper()
	s := p.Stats(b)
	var f fleetCounts
	for _, t := range targets {
		for _, res := range []string{defender.ResourceDefender, defender.ResourceGraph} {
			got := s.TokenRequests[t.TenantID][res]
			if got != 1 {
				b.Errorf("tenant %s: %d token requests for %s, want 1", t.TenantID, got, res)
			}
			f.tokensMax = max(f.tokensMax, got)
		}
		f.requestsMax = max(f.requestsMax, s.Requests[t.TenantID])
	}
	return f
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
