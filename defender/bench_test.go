package defender_test

import (
	"context"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
)

// benchLatency is the delay the fake cloud adds to every reply.
const benchLatency = 100 * time.Millisecond

// criticalPath is discovery, token and the slowest data call: three replies.
const criticalPath = 3 * benchLatency

// fleetCloud starts the fake cloud serving n healthy tenants of their own.
func fleetCloud(b *testing.B, n int) (*defendertest.Cloud, []defender.Target) {
	fleet := defendertest.Fleet(n)
	c := startCloud(b, defendertest.Options{Latency: benchLatency, Scenarios: fleet})
	targets := make([]defender.Target, n)
	for i, s := range fleet {
		targets[i] = defender.Target{TenantID: s.TenantID, Customer: s.Name}
	}
	return c, targets
}

// BenchmarkValidateOneTenant measures one tenant against the critical path.
// ratio is wall time over (discovery + token + slowest data call).
func BenchmarkValidateOneTenant(b *testing.B) {
	c, targets := fleetCloud(b, 1)
	var total time.Duration
	for b.Loop() {
		e := newEngine(b, c, defender.Config{})
		start := time.Now()
		res, err := e.Validate(context.Background(), targets)
		total += time.Since(start)
		if err != nil || !res.OK {
			b.Fatalf("validation failed: %v %+v", err, res)
		}
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(float64(per.Milliseconds()), "ms/tenant")
	b.ReportMetric(float64(per)/float64(criticalPath), "x_critical_path")
}

// BenchmarkValidateFiftyTenants measures 50 tenants at default parallelism
// against one tenant's critical path.
func BenchmarkValidateFiftyTenants(b *testing.B) {
	c, targets := fleetCloud(b, 50)
	var total time.Duration
	for b.Loop() {
		e := newEngine(b, c, defender.Config{})
		start := time.Now()
		if _, err := e.Validate(context.Background(), targets); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	per := total / time.Duration(b.N)
	b.ReportMetric(float64(per.Milliseconds()), "ms/run")
	b.ReportMetric(float64(per)/float64(criticalPath), "x_critical_path")
}
