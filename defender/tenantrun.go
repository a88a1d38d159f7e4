package defender

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/paratira/mdeconnect/defender/problem"
)

// tenantRun is one tenant's validation in flight.
type tenantRun struct {
	e        *Engine
	g        getter
	tok      *tokens
	tenant   string
	cloud    Cloud
	target   Target
	info     *TenantInfo
	defender *Token
	graph    *Token

	mu      sync.Mutex
	results map[CheckID]CheckResult
	started map[CheckID]time.Time
}

// dataChecks run concurrently once the Defender token is there.
var dataChecks = []struct {
	id  CheckID
	run func(context.Context, *tenantRun) outcome
}{
	{CheckSensorHealth, checkSensorHealth},
	{CheckUpdateCompliance, checkUpdateCompliance},
	{CheckExposureScore, checkExposureScore},
	{CheckRecommendations, checkRecommendations},
}

// validateTenant runs a tenant's checks. Discovery and both token requests
// start together, so the critical path is the slowest of them plus the
// slowest data call, not the sum of every call.
func (e *Engine) validateTenant(ctx context.Context, t Target) TenantResult {
	r := &tenantRun{e: e, g: e.g, cloud: e.cfg.Cloud, target: t,
		results: map[CheckID]CheckResult{}, started: map[CheckID]time.Time{}}
	e.emit(Event{Kind: TenantStarted, TenantID: t.TenantID})
	tenant, err := ParseTenant(t.TenantID)
	if err != nil {
		r.begin(CheckTenant)
		r.end(ctx, CheckTenant, outcome{status: Fail, problem: problem.TenantNotFound, message: err.Error()})
		r.skipRest("skipped: the tenant ID is not valid")
		return r.result()
	}
	r.tenant = tenant
	r.begin(CheckTenant)
	r.begin(CheckToken)
	// A client of the tenant's own: its token cache holds this tenant's
	// tokens only, and goes when the run ends (see signIn).
	tok, err := e.sign.forTenant()
	if err != nil {
		r.end(ctx, CheckToken, failed(err))
		r.end(ctx, CheckTenant, skip("skipped: sign-in could not be set up (see the token check)"))
		r.skipRest("skipped: sign-in could not be set up (see the token check)")
		return r.result()
	}
	r.tok = tok
	var defErr, graphErr, discErr error
	parallel(ctx,
		func(ctx context.Context) error {
			info, err := discover(r.forCheck(ctx, CheckTenant), r.g, r.cloud, tenant)
			r.info, discErr = &info, err
			return nil
		},
		func(ctx context.Context) error {
			t, err := tok.get(r.forCheck(ctx, CheckToken), tenant, ResourceDefender)
			r.defender, defErr = tokenPtr(t, err), err
			return nil
		},
		func(ctx context.Context) error {
			// Graph's token is asked for now too; its wait shows on the
			// token check, the one running.
			t, err := tok.get(r.forCheck(ctx, CheckToken), tenant, ResourceGraph)
			r.graph, graphErr = tokenPtr(t, err), err
			return nil
		})
	if !r.endTenant(ctx, discErr) {
		return r.result()
	}
	defErr, graphErr = r.explainWrongCloud(defErr), r.explainWrongCloud(graphErr)
	r.end(ctx, CheckToken, tokenOutcome(r.defender, defErr))
	r.runAfterTokens(ctx, defErr, graphErr)
	return r.result()
}

// endTenant ends the tenant check from discovery's answer, comparing the
// tenant's cloud with the chosen one; false means the other checks are
// skipped, since no token can be had.
func (r *tenantRun) endTenant(ctx context.Context, discErr error) bool {
	if discErr != nil {
		r.info = nil
		r.end(ctx, CheckTenant, failed(discErr))
		switch asError(discErr).Problem {
		case problem.TenantNotFound:
			r.skipRest("skipped: the tenant was not found")
			return false
		case problem.WrongCloud:
			r.skipRest("skipped: the tenant is in another Microsoft cloud (see the tenant check)")
			return false
		}
		return true
	}
	cerr, definite := cloudMismatch(r.cloud, *r.info)
	switch {
	case cerr == nil:
		r.end(ctx, CheckTenant, pass("%s", describeTenant(*r.info)))
	case definite:
		r.end(ctx, CheckTenant, failed(cerr))
		r.skipRest("skipped: the tenant is in another Microsoft cloud (see the tenant check)")
		return false
	default:
		o := failed(cerr)
		o.status = Warn
		r.end(ctx, CheckTenant, o)
	}
	return true
}

// explainWrongCloud says, for a cross-cloud token refusal, where discovery
// placed the tenant.
func (r *tenantRun) explainWrongCloud(err error) error {
	if err == nil {
		return nil
	}
	if e := asError(err); e.Problem == problem.WrongCloud {
		return wrongCloudToken(e, r.cloud, r.info, r.tenant)
	}
	return err
}

func (r *tenantRun) runAfterTokens(ctx context.Context, defErr, graphErr error) {
	// The data calls count against the tenant's per-API limits; discovery
	// has run by now, so a domain and its GUID count as one tenant.
	key := r.tenant
	if r.info != nil {
		key = r.info.TenantID
	}
	ctx = withTenant(ctx, key)
	r.begin(CheckPermissions)
	if defErr != nil {
		r.end(ctx, CheckPermissions, skip("skipped: no Defender API token to read roles from"))
	} else {
		r.end(ctx, CheckPermissions, checkPermissions(r))
	}
	var jobs []func(context.Context) error
	for _, c := range dataChecks {
		if defErr != nil {
			r.begin(c.id)
			r.end(ctx, c.id, skip("skipped: no Defender API token (see the token check)"))
			continue
		}
		jobs = append(jobs, func(ctx context.Context) error {
			r.begin(c.id)
			r.end(ctx, c.id, c.run(r.forCheck(ctx, c.id), r))
			return nil
		})
	}
	jobs = append(jobs, func(ctx context.Context) error {
		r.begin(CheckServiceHealth)
		if graphErr != nil {
			o := failed(graphErr)
			if defErr != nil && asError(defErr).Problem == o.problem {
				// The same failure as the token check's: say so, not it again.
				o.message = "no Microsoft Graph token either (see the token check)"
			} else {
				o.message = "no Microsoft Graph token: " + o.message
			}
			r.end(ctx, CheckServiceHealth, o)
			return nil
		}
		r.end(ctx, CheckServiceHealth, checkServiceHealth(r.forCheck(ctx, CheckServiceHealth), r))
		return nil
	})
	parallel(ctx, jobs...)
}

// bearer hands out the tenant's token for resource, re-acquiring it once it
// goes stale (MSAL's cache then asks Entra ID for a new one).
func (r *tenantRun) bearer(resource string) bearer {
	return func(ctx context.Context) (string, error) {
		r.mu.Lock()
		cur := r.defender
		if resource == ResourceGraph {
			cur = r.graph
		}
		r.mu.Unlock()
		if cur != nil && !cur.stale(time.Now()) {
			return cur.Value, nil
		}
		t, err := r.tok.get(ctx, r.tenant, resource)
		if err != nil {
			return "", err
		}
		r.mu.Lock()
		if resource == ResourceGraph {
			r.graph = &t
		} else {
			r.defender = &t
		}
		r.mu.Unlock()
		return t.Value, nil
	}
}

func tokenOutcome(t *Token, err error) outcome {
	if err != nil {
		return failed(err)
	}
	if t.Opaque {
		return pass("app-only token issued (expires %s); its contents cannot be read, which Microsoft allows: tokens for its own APIs may change format or be encrypted",
			t.ExpiresOn.UTC().Format("15:04 MST"))
	}
	c := t.Claims
	return pass("app-only token for %s (app %s, expires %s)", c.Audience, c.AppID, c.Expires().UTC().Format("15:04 MST"))
}

func describeTenant(i TenantInfo) string {
	s := "tenant " + i.TenantID
	if i.Input != i.TenantID {
		s = fmt.Sprintf("%s resolves to tenant %s", i.Input, i.TenantID)
	}
	if i.RegionScope != "" {
		s += ", region " + i.RegionScope
	}
	return s
}

func tokenPtr(t Token, err error) *Token {
	if err != nil {
		return nil
	}
	return &t
}

// forCheck is ctx whose requests' retries are reported as Retrying events
// of check id.
func (r *tenantRun) forCheck(ctx context.Context, id CheckID) context.Context {
	return withRetryNote(ctx, func(attempt int, wait time.Duration, status int, asked bool) {
		r.e.emit(Event{Kind: Retrying, TenantID: r.target.TenantID, Check: id, Attempt: attempt, Wait: wait, Status: status, Asked: asked})
	})
}

func (r *tenantRun) begin(id CheckID) {
	r.mu.Lock()
	r.started[id] = r.e.cfg.Now()
	r.mu.Unlock()
	r.e.emit(Event{Kind: CheckStarted, TenantID: r.target.TenantID, Check: id})
}

func (r *tenantRun) end(ctx context.Context, id CheckID, o outcome) {
	if ctx.Err() != nil && o.status != Pass {
		o = skip("cancelled before it finished")
	}
	r.mu.Lock()
	res := CheckResult{ID: id, Status: o.status, Problem: o.problem, Message: clean(o.message), Diag: o.diag.clean(), SuggestedCloud: o.cloud,
		DurationMS: r.e.cfg.Now().Sub(r.started[id]).Milliseconds()}
	if o.status == Fail || o.status == Warn {
		res.Remedy = o.problem.Remedy()
	}
	r.results[id] = res
	r.mu.Unlock()
	r.e.emit(Event{Kind: CheckFinished, TenantID: r.target.TenantID, Check: id, Result: &res})
}

func (r *tenantRun) skipRest(why string) {
	for _, id := range CheckIDs() {
		if _, done := r.results[id]; !done {
			r.begin(id)
			r.end(context.Background(), id, skip("%s", why))
		}
	}
}

func (r *tenantRun) result() TenantResult {
	tr := TenantResult{TenantID: r.target.TenantID, Customer: r.target.Customer, OK: true, Claims: map[string]Claims{}}
	if r.info != nil {
		info := r.info.clean()
		tr.Info = &info
	}
	for _, id := range CheckIDs() {
		c := r.results[id]
		tr.Checks = append(tr.Checks, c)
		if c.Status == Fail {
			tr.OK = false
		}
	}
	if r.defender != nil && !r.defender.Opaque {
		tr.Claims[ResourceDefender] = r.defender.Claims.clean()
	}
	if r.graph != nil && !r.graph.Opaque {
		tr.Claims[ResourceGraph] = r.graph.Claims.clean()
	}
	r.e.emit(Event{Kind: TenantFinished, TenantID: r.target.TenantID, Tenant: &tr})
	return tr
}

// parallel runs fns concurrently and returns their errors in order.
func parallel(ctx context.Context, fns ...func(context.Context) error) []error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(ctx)
		}()
	}
	wg.Wait()
	return errs
}

// worst returns the first non-nil error.
func worst(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func errorsAs(err error, target **Error) bool { return errors.As(err, target) }

func isCancel(err error) bool { return errors.Is(err, context.Canceled) }
