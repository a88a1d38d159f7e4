package defendertest

import (
	"context"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of what the fake cloud was asked.
type Stats struct {
	// TokenRequests counts POSTs to the token endpoint: tenant ID -> resource
	// ("defender", "graph", or "other" for a scope it rejected) -> count.
	TokenRequests map[string]map[string]int
	// Requests counts every request attributable to a tenant (discovery,
	// token, consent, Defender API, Graph) by tenant ID.
	Requests map[string]int
	// Total counts every request, attributable or not.
	Total int
	// APIRequests counts authenticated Defender API requests by tenant ID and path.
	APIRequests map[string]map[string]int
	// RateLimited counts, by tenant ID, the Defender API requests answered
	// 429 for going over their API's documented limit (Options.RateLimits).
	RateLimited map[string]int
}

func newStats() Stats {
	return Stats{TokenRequests: map[string]map[string]int{}, Requests: map[string]int{},
		APIRequests: map[string]map[string]int{}, RateLimited: map[string]int{}}
}

// tenantState is a tenant's run-time state; Cloud.mu guards it.
type tenantState struct {
	scenario  Scenario
	consented bool
	tokens    map[string]int         // successful tokens per resource
	hits      map[string]int         // Defender API requests per path
	calls     map[string][]time.Time // accepted calls per path in the last hour (Options.RateLimits)
	// data is the tenant's data set while it is among the most recently
	// used (see tenantData); dataMu is held while it is built.
	dataMu sync.Mutex
	data   atomic.Pointer[dataset]
}

func newTenantStates(list []Scenario) map[string]*tenantState {
	m := make(map[string]*tenantState, len(list))
	for _, s := range list {
		m[strings.ToLower(s.TenantID)] = &tenantState{
			scenario:  s,
			consented: s.consent != consentAbsent && s.consent != consentAbsentSP,
			tokens:    map[string]int{},
			hits:      map[string]int{},
			calls:     map[string][]time.Time{},
		}
	}
	return m
}

// tenant finds a tenant's state by GUID; callers hold c.mu.
func (c *Cloud) tenant(id string) *tenantState { return c.tenants[strings.ToLower(id)] }

// Stats returns a snapshot of the request counts.
func (c *Cloud) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Stats{TokenRequests: make(map[string]map[string]int, len(c.stats.TokenRequests)),
		Requests: maps.Clone(c.stats.Requests), Total: c.stats.Total,
		APIRequests: make(map[string]map[string]int, len(c.stats.APIRequests)), RateLimited: maps.Clone(c.stats.RateLimited)}
	for tid, m := range c.stats.TokenRequests {
		s.TokenRequests[tid] = maps.Clone(m)
	}
	for tid, m := range c.stats.APIRequests {
		s.APIRequests[tid] = maps.Clone(m)
	}
	return s
}

// ResetStats zeroes the request counts; scenario state (consent, fault
// counters) is kept.
func (c *Cloud) ResetStats() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats = newStats()
}

// attribute counts a request for s's tenant and applies its extra latency;
// false means the request ended while waiting.
func (c *Cloud) attribute(ctx context.Context, s Scenario) bool {
	c.mu.Lock()
	c.stats.Requests[s.TenantID]++
	c.mu.Unlock()
	return c.sleep(ctx, s.ExtraLatency)
}

func (c *Cloud) countToken(tid, resource string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.stats.TokenRequests[tid]
	if m == nil {
		m = map[string]int{}
		c.stats.TokenRequests[tid] = m
	}
	m[resource]++
}

// hit counts a Defender API request to path and returns its 1-based number.
func (c *Cloud) hit(tid, path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenant(tid)
	if t == nil {
		return 0
	}
	t.hits[path]++
	return t.hits[path]
}

// consented reports whether tid's admin consent stands.
func (c *Cloud) consented(tid string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenant(tid)
	return t != nil && t.consented
}

// issued records a successful token for resource and returns the roles it
// carries, playing consent propagation and revocation.
func (c *Cloud) issued(s Scenario, resource string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tenant(s.TenantID)
	t.tokens[resource]++
	n := t.tokens[resource]
	switch {
	case s.token == tokenRolesLag && n <= 2:
		return nil
	case s.token == tokenConsentRevokes && resource == resourceDefender && n == 2:
		t.consented = false
	}
	if resource == resourceGraph {
		return s.GraphRoles
	}
	return s.DefenderRoles
}

// keptDatasets is how many tenants' data sets a cloud keeps built. A data
// set is a pure function of the tenant and the cloud's epoch, so one that
// was let go is built again, the same, when asked for. A fleet of 5,000
// healthy tenants held about a gigabyte otherwise, which the fake's garbage
// collector scanned on the cores a benchmark measures; a run asks for a
// tenant's data within moments, far fewer tenants at once than this.
const keptDatasets = 512

// tenantData is the tenant's deterministic data set, built on first use.
func (c *Cloud) tenantData(tid string) *dataset {
	c.mu.Lock()
	t := c.tenant(tid)
	c.mu.Unlock()
	if d := t.data.Load(); d != nil {
		return d
	}
	t.dataMu.Lock() // a tenant's data calls come at once: build it once
	defer t.dataMu.Unlock()
	if d := t.data.Load(); d != nil {
		return d
	}
	d := newDataset(t.scenario, c.epoch)
	t.data.Store(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.built) == keptDatasets {
		c.built[c.oldest].data.Store(nil)
		c.built[c.oldest] = t
		c.oldest = (c.oldest + 1) % keptDatasets
	} else {
		c.built = append(c.built, t)
	}
	return d
}
