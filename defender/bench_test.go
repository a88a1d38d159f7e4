package defender_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
)

// benchLatency is what the fake cloud adds to every reply: Microsoft's
// endpoints take a few hundred milliseconds from a customer's site.
const benchLatency = 300 * time.Millisecond

// idealPath is the shortest one tenant can take, in replies. MSAL fetches the
// tenant's OpenID configuration, then POSTs for the token: two replies. The
// engine's own discovery of the tenant runs beside them, and both tokens
// share MSAL's discovery, so they add nothing. Then every data call starts at
// once and each healthy list fits one page: one reply. Three in all.
const idealPath = 3 * benchLatency

// fleetSizes are the runs the issue asks for.
var fleetSizes = []int{1, 10, 50, 200}

func processEngine(b *testing.B, p *defender.FakeCloudProcess, parallel int) *defender.Engine {
	b.Helper()
	cloud, err := defender.LookupCloud("global")
	if err != nil {
		b.Fatal(err)
	}
	if cloud, err = cloud.Overrides(p.LoginURL, p.APIURL, p.GraphURL); err != nil {
		b.Fatal(err)
	}
	e, err := defender.New(defender.Config{Cloud: cloud, ClientID: defendertest.SandboxClientID,
		ClientSecret: defendertest.SandboxClientSecret, Parallel: parallel, HTTPClient: p.Client(parallel)})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// validate runs one cold validation (new engine, empty token cache) and fails
// the benchmark unless every tenant passed.
func validate(b *testing.B, p *defender.FakeCloudProcess, parallel int, targets []defender.Target) time.Duration {
	b.Helper()
	e := processEngine(b, p, parallel)
	start := time.Now()
	res, err := e.Validate(context.Background(), targets)
	d := time.Since(start)
	if err != nil || !res.OK {
		b.Fatalf("validation failed: %v %+v", err, res)
	}
	return d
}

// BenchmarkOneTenant compares one tenant's wall time with the ideal path and
// with the same checks run one after another (defender.SequentialTenant).
func BenchmarkOneTenant(b *testing.B) {
	p := defender.StartFakeCloudProcess(b, 1, benchLatency)
	var wall, seq time.Duration
	for b.Loop() {
		wall += validate(b, p, 0, p.Tenants)
		e := processEngine(b, p, 1)
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
	b.ReportMetric(ms(seq), "seq_ms")
	b.ReportMetric(float64(seq)/float64(wall), "x_faster_than_seq")
}

// BenchmarkFleet validates 1 to 200 tenants at DefaultParallel against
// ceil(n/parallel) one-tenant runs, with the fake's request counts and the
// engine process's peak memory (the fake runs in a child process).
func BenchmarkFleet(b *testing.B) {
	benchmarkFleet(b, defender.DefaultParallel, fleetSizes)
}

// BenchmarkParallel200 is 200 tenants at other parallelisms, for tuning
// DefaultParallel; bench.sh does not run it.
func BenchmarkParallel200(b *testing.B) {
	for _, par := range []int{10, 20, 50, 100, 200} {
		b.Run(fmt.Sprintf("parallel=%d", par), func(b *testing.B) { benchmarkFleet(b, par, []int{200}) })
	}
}

func benchmarkFleet(b *testing.B, parallel int, sizes []int) {
	p := defender.StartFakeCloudProcess(b, sizes[len(sizes)-1], benchLatency)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("tenants=%d", n), func(b *testing.B) {
			targets := p.Tenants[:n]
			unit := validate(b, p, parallel, targets[:1])
			var wall time.Duration
			var peak defender.Peak
			var f fleetCounts
			for b.Loop() {
				p.ResetStats(b)
				pk := defender.MeasurePeak(b, func() { wall += validate(b, p, parallel, targets) })
				peak.RSS, peak.Heap = max(peak.RSS, pk.RSS), max(peak.Heap, pk.Heap)
				f = countFleet(b, p, targets)
			}
			wall /= time.Duration(b.N)
			target := time.Duration((n+parallel-1)/parallel) * unit
			b.ReportMetric(ms(wall), "wall_ms")
			b.ReportMetric(ms(target), "target_ms")
			b.ReportMetric(float64(wall)/float64(target), "x_target")
			b.ReportMetric(float64(f.tokensMax), "tokens/tenant/resource")
			b.ReportMetric(float64(f.requestsMax), "requests/tenant")
			b.ReportMetric(float64(peak.RSS)/(1<<20), "peak_rss_MB")
			b.ReportMetric(float64(peak.Heap)/(1<<20), "peak_heap_MB")
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
