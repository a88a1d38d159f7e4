package defender_test

import (
	"context"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
)

// A throttled request waits out Retry-After and tries again; the token it
// first carried can expire meanwhile. Each try must carry a live token:
// before, the tries resent the stale one and every data check failed with
// "refused the token (HTTP 401 Invalid Authorization payload.)".
func TestTokenExpiringDuringRetryAfterIsReacquired(t *testing.T) {
	t.Parallel() // waits on timers, not the CPU
	c := startCloud(t, defendertest.Options{TokenLifetime: 1500 * time.Millisecond, Latency: 250 * time.Millisecond})
	sc, _ := defendertest.Lookup("throttled-then-ok")
	e := newEngine(t, c, defender.Config{Retry: defender.DefaultRetry})
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
