package defender

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/defender/problem"
)

// Waiting describes a consent that has not propagated yet, between tries.
type Waiting struct {
	// Missing says per tenant what is still missing.
	Missing map[string]string
	// Next is when the next try starts; Left is the time left to wait.
	Next time.Duration
	Left time.Duration
	Try  int
}

// PropagationPending reports whether a tenant's failure looks like a consent
// that has not reached the token yet: the app is not in the tenant yet, or
// its token lacks roles. It says, briefly, what is still missing.
func PropagationPending(t TenantResult) (string, bool) {
	if tok, ok := t.Check(CheckToken); ok && tok.Problem == problem.ConsentMissing {
		return "the app is not in the tenant yet", true
	}
	p, ok := t.Check(CheckPermissions)
	if !ok || p.Status != Fail || p.Problem != problem.InsufficientPermissions {
		return "", false
	}
	if missing := MissingRoles(t); len(missing) > 0 && len(missing) < len(requiredRoles) {
		return "still missing " + strings.Join(missing, ", "), true
	}
	return "no roles in the tokens yet", true
}

// MissingRoles lists the required roles a tenant's tokens lack. A resource
// whose token could not be had counts as lacking all of its roles.
func MissingRoles(t TenantResult) []string {
	var out []string
	for _, req := range requiredRoles {
		roles := t.Claims[req.resource].Roles
		if !slices.ContainsFunc(req.accepts, func(a string) bool { return slices.Contains(roles, a) }) {
			out = append(out, req.name)
		}
	}
	return out
}

// WaitForConsent validates targets and, while some fail only because a fresh
// consent has not propagated, re-tests those tenants with backoff until they
// pass or wait runs out. Each try uses a new engine from newEngine, since the
// token cache would otherwise hand back the token without roles; every try
// books its calls against the first engine's RateLimits, so the re-tests
// stay under Microsoft's per-API limits too (at most a few calls a minute
// per API: tries are 10 s apart or more in practice).
func WaitForConsent(ctx context.Context, newEngine func() (*Engine, error), targets []Target, wait, firstDelay time.Duration, onWait func(Waiting)) (Result, error) {
	start := time.Now()
	deadline := start.Add(wait)
	delay := firstDelay
	var res Result
	var limits *RateLimits
	pending := targets
	for try := 1; ; try++ {
		e, err := newEngine()
		if err != nil {
			return res, err
		}
		if limits == nil {
			limits = e.limits
		} else {
			e.useLimits(limits)
		}
		r, err := e.Validate(ctx, pending)
		res = merge(res, r, targets)
		res.DurationMS = time.Since(start).Milliseconds()
		if err != nil {
			return res, err
		}
		missing := map[string]string{}
		pending = pending[:0:0]
		for _, t := range r.Tenants {
			if why, ok := PropagationPending(t); ok {
				missing[t.TenantID] = why
				pending = append(pending, Target{TenantID: t.TenantID, Customer: t.Customer})
			}
		}
		left := time.Until(deadline)
		if len(pending) == 0 || left <= 0 {
			return res, nil
		}
		delay = min(delay, left)
		if onWait != nil {
			onWait(Waiting{Missing: missing, Next: delay, Left: left, Try: try})
		}
		if err := sleep(ctx, delay); err != nil {
			return res, err
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// merge puts a re-test's tenants into the previous result, keeping order.
func merge(prev, next Result, order []Target) Result {
	if len(prev.Tenants) == 0 {
		return next
	}
	byID := map[string]TenantResult{}
	for _, t := range prev.Tenants {
		byID[t.TenantID] = t
	}
	for _, t := range next.Tenants {
		byID[t.TenantID] = t
	}
	out := Result{OK: true, Cancelled: next.Cancelled}
	for _, tg := range order {
		t := byID[tg.TenantID]
		out.Tenants = append(out.Tenants, t)
		out.OK = out.OK && t.OK
	}
	return out
}

// String says what a wait is waiting for, for a status line.
func (w Waiting) String() string {
	ids := make([]string, 0, len(w.Missing))
	for id := range w.Missing {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%s: %s", id, w.Missing[id]))
	}
	return fmt.Sprintf("waiting for consent to propagate (try %d; next in %s, %s left): %s",
		w.Try, w.Next.Round(time.Second), w.Left.Round(time.Second), strings.Join(parts, "; "))
}
