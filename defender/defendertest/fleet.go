package defendertest

import (
	"crypto/sha256"
	"fmt"
)

// Fleet returns n healthy tenants with distinct, deterministic IDs and
// domains (fleet-0001 ...), for measuring many-tenant runs: each has its own
// tokens, data and rate-limit counters, as real customers' tenants do.
func Fleet(n int) []Scenario {
	base, _ := Lookup("healthy")
	out := make([]Scenario, n)
	for i := range out {
		s := base
		s.Name = fmt.Sprintf("fleet-%04d", i+1)
		s.TenantID = fleetGUID(i + 1)
		s.Domain = fmt.Sprintf("contosofleet%04d.onmicrosoft.com", i+1)
		s.Description = "a healthy tenant of a many-tenant fleet"
		out[i] = s
	}
	return out
}

func fleetGUID(i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "mdeconnect fleet tenant %d", i))
	h[6] = h[6]&0x0f | 0x40 // version 4
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
