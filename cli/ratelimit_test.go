package cli

import (
	"fmt"
	"testing"
)

// Each connector's engine counted its own calls, so several connectors of
// one tenant in `test --all` could together exceed Microsoft's documented
// per-API limit (deviceavinfo: 30 calls a minute): every engine of a process
// books against one set of limits.
func TestTestAllKeepsEachTenantUnderTheAPILimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tid := h.scenario("healthy").TenantID
	const connectors = 32 // one process, 32 deviceavinfo calls without a shared limit
	for i := range connectors {
		if r := h.run(secret, "add", "--name", fmt.Sprintf("C%02d", i), "--tenant", tid+"=Contoso", "--client-secret-stdin", "--skip-test"); r.code != 0 {
			t.Fatalf("add: exit %d\n%s", r.code, r.stderr)
		}
	}
	h.run("", "test", "--all")
	if n := h.cloud.Stats().APIRequests[tid]["/api/deviceavinfo"]; n > 30 {
		t.Errorf("%d deviceavinfo calls for one tenant within a minute: the documented limit is 30", n)
	}
}
