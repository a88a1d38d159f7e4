package defender_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/problem"
)

// startCloud starts the fake cloud and an engine pointed at it through the
// same overrides a user would set, with the real MSAL client and HTTP stack.
func startCloud(t testing.TB, opts defendertest.Options) *defendertest.Cloud {
	t.Helper()
	c, err := defendertest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newEngine(t testing.TB, c *defendertest.Cloud, cfg defender.Config) *defender.Engine {
	t.Helper()
	cloud, err := defender.LookupCloud("global")
	if err != nil {
		t.Fatal(err)
	}
	cloud, err = cloud.Overrides(c.LoginURL, c.APIURL, c.GraphURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Cloud = cloud
	if cfg.ClientID == "" {
		cfg.ClientID = defendertest.SandboxClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = defendertest.SandboxClientSecret
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = c.Client()
	}
	if cfg.Retry == (defender.RetryPolicy{}) {
		cfg.Retry = defender.RetryPolicy{Attempts: 4, BaseDelay: 20 * time.Millisecond, Budget: 3 * time.Second, PerRequest: 5 * time.Second}
	}
	e, err := defender.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type want struct {
	status  defender.Status
	problem problem.Code
}

// expectations lists, per scenario, every check that does not simply pass.
var expectations = map[string]map[defender.CheckID]want{
	"healthy":                   {},
	"tenant-not-found":          skippedAfterTenant(problem.TenantNotFound),
	"us-gov-tenant":             skippedAfterTenant(problem.WrongCloud),
	"gcc-tenant":                {defender.CheckTenant: {defender.Warn, problem.WrongCloud}},
	"consent-missing":           tokenFailure(problem.ConsentMissing, true),
	"service-principal-missing": tokenFailure(problem.ConsentMissing, true),
	"opaque-token":              {defender.CheckPermissions: {defender.Warn, problem.ServiceError}},
	"invalid-secret":            tokenFailure(problem.InvalidClientSecret, true),
	"secret-expired":            tokenFailure(problem.ClientSecretExpired, true),
	"conditional-access":        tokenFailure(problem.ConditionalAccessBlocked, true),
	"app-disabled":              tokenFailure(problem.AppDisabled, true),
	"defender-not-provisioned":  tokenFailure(problem.DefenderNotProvisioned, false),
	"graph-role-missing": {
		defender.CheckPermissions:   {defender.Fail, problem.InsufficientPermissions},
		defender.CheckServiceHealth: {defender.Fail, problem.InsufficientPermissions},
	},
	"forbidden-endpoint": {defender.CheckRecommendations: {defender.Fail, problem.InsufficientPermissions}},
	"missing-role": {
		defender.CheckPermissions:   {defender.Fail, problem.InsufficientPermissions},
		defender.CheckExposureScore: {defender.Fail, problem.InsufficientPermissions},
	},
	"no-roles": {
		defender.CheckPermissions: {defender.Fail, problem.InsufficientPermissions}, defender.CheckSensorHealth: {defender.Fail, problem.InsufficientPermissions},
		defender.CheckUpdateCompliance: {defender.Fail, problem.InsufficientPermissions}, defender.CheckExposureScore: {defender.Fail, problem.InsufficientPermissions},
		defender.CheckRecommendations: {defender.Fail, problem.InsufficientPermissions}, defender.CheckServiceHealth: {defender.Fail, problem.InsufficientPermissions},
	},
	"unlicensed": {
		defender.CheckExposureScore:   {defender.Warn, problem.LimitedData},
		defender.CheckRecommendations: {defender.Warn, problem.LimitedData},
	},
	"empty": {
		defender.CheckSensorHealth: {defender.Warn, problem.LimitedData}, defender.CheckUpdateCompliance: {defender.Warn, problem.LimitedData},
		defender.CheckRecommendations: {defender.Warn, problem.LimitedData},
	},
	"throttled-then-ok": {},
	"always-throttled": {
		defender.CheckSensorHealth: {defender.Fail, problem.Throttled}, defender.CheckUpdateCompliance: {defender.Fail, problem.Throttled},
		defender.CheckExposureScore: {defender.Fail, problem.Throttled}, defender.CheckRecommendations: {defender.Fail, problem.Throttled},
	},
	"flaky":             {},
	"garbled":           {defender.CheckSensorHealth: {defender.Fail, problem.ServiceError}},
	"slow":              {},
	"many-devices":      {},
	"extra-write-roles": {defender.CheckPermissions: {defender.Warn, problem.ExcessPermissions}},
	"consent-propagating": {
		defender.CheckPermissions: {defender.Fail, problem.InsufficientPermissions}, defender.CheckSensorHealth: {defender.Fail, problem.InsufficientPermissions},
		defender.CheckUpdateCompliance: {defender.Fail, problem.InsufficientPermissions}, defender.CheckExposureScore: {defender.Fail, problem.InsufficientPermissions},
		defender.CheckRecommendations: {defender.Fail, problem.InsufficientPermissions}, defender.CheckServiceHealth: {defender.Fail, problem.InsufficientPermissions},
	},
	"consent-revoked-later":     {},
	"consent-non-admin":         {},
	"consent-other-directory":   {},
	"consent-app-misconfigured": {},
	"defender-incident-closed":  {},
	"defender-incident-open":    {defender.CheckServiceHealth: {defender.Warn, problem.ServiceError}},
	"connection-reset":          {defender.CheckSensorHealth: {defender.Fail, problem.NetworkError}},
	"hung":                      {defender.CheckUpdateCompliance: {defender.Fail, problem.NetworkError}},
}

// skippedAfterTenant: the tenant check fails with p and every other check is skipped.
func skippedAfterTenant(p problem.Code) map[defender.CheckID]want {
	m := map[defender.CheckID]want{}
	for _, id := range defender.CheckIDs() {
		m[id] = want{defender.Skip, ""}
	}
	m[defender.CheckTenant] = want{defender.Fail, p}
	return m
}

// showLater are the scenarios whose problem a first test does not show: it
// comes at consent time, or on a later run.
var showLater = map[string]bool{"consent-revoked-later": true, "consent-non-admin": true,
	"consent-other-directory": true, "consent-app-misconfigured": true}

// tokenFailure: the token check fails; with graphToo the Graph token fails the same way.
func tokenFailure(p problem.Code, graphToo bool) map[defender.CheckID]want {
	m := map[defender.CheckID]want{defender.CheckToken: {defender.Fail, p}, defender.CheckPermissions: {defender.Skip, ""}}
	for _, id := range []defender.CheckID{defender.CheckSensorHealth, defender.CheckUpdateCompliance, defender.CheckExposureScore, defender.CheckRecommendations} {
		m[id] = want{defender.Skip, ""}
	}
	if graphToo {
		m[defender.CheckServiceHealth] = want{defender.Fail, p}
	}
	return m
}

func TestEveryScenario(t *testing.T) {
	c := startCloud(t, defendertest.Options{})
	for _, sc := range defendertest.Scenarios() {
		exp, ok := expectations[sc.Name]
		if !ok {
			t.Errorf("scenario %s has no expectations in this test", sc.Name)
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, c, defender.Config{})
			res, err := e.Validate(context.Background(), []defender.Target{{TenantID: sc.TenantID, Customer: "Contoso"}})
			if err != nil {
				t.Fatal(err)
			}
			tr := res.Tenants[0]
			var seen []problem.Code
			for _, id := range defender.CheckIDs() {
				got, ran := tr.Check(id)
				if !ran {
					t.Fatalf("check %s missing", id)
				}
				w, listed := exp[id]
				if !listed {
					w = want{defender.Pass, ""}
				}
				if got.Status != w.status || got.Problem != w.problem {
					t.Errorf("%s = %s/%s (%s), want %s/%s", id, got.Status, got.Problem, got.Message, w.status, w.problem)
				}
				if got.Message == "" {
					t.Errorf("%s has no message", id)
				}
				if (got.Status == defender.Fail || got.Status == defender.Warn) && got.Remedy == "" {
					t.Errorf("%s: %s without a remedy", id, got.Status)
				}
				if got.Problem != "" && !slices.Contains(seen, got.Problem) {
					seen = append(seen, got.Problem)
				}
			}
			wantOK := !slices.ContainsFunc(tr.Checks, func(c defender.CheckResult) bool { return c.Status == defender.Fail })
			if tr.OK != wantOK || res.OK != wantOK {
				t.Errorf("ok = %v/%v, want %v", tr.OK, res.OK, wantOK)
			}
			// The listing the sandbox prints must promise what a test shows.
			// Two scenarios show their problem elsewhere: at consent time, or on a later run.
			if !showLater[sc.Name] && !sameSet(seen, sc.Reproduces) {
				t.Errorf("reported problems %v, scenario promises %v", seen, sc.Reproduces)
			}
		})
	}
}

func sameSet(a, b []problem.Code) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func TestHealthyFigures(t *testing.T) {
	c := startCloud(t, defendertest.Options{})
	sc, _ := defendertest.Lookup("healthy")
	e := newEngine(t, c, defender.Config{})
	res, err := e.Validate(context.Background(), []defender.Target{{TenantID: sc.Domain}})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Tenants[0]
	if tr.Info == nil || tr.Info.TenantID != sc.TenantID {
		t.Fatalf("domain %s did not resolve to %s: %+v", sc.Domain, sc.TenantID, tr.Info)
	}
	sensors, _ := tr.Check(defender.CheckSensorHealth)
	if !strings.HasPrefix(sensors.Message, "137 devices: 120 active, 9 inactive, 8 no sensor data") {
		t.Errorf("sensor message = %q", sensors.Message)
	}
	// deviceavinfo has more rows than devices (a row per device and
	// antivirus state): the check counts devices. The 9 inactive devices
	// have stale signatures, the 8 without sensor data report "Unknown".
	av, _ := tr.Check(defender.CheckUpdateCompliance)
	if av.Message != "137 devices: signatures up to date on 120, engine on 129, platform on 129" {
		t.Errorf("update compliance message = %q", av.Message)
	}
	if roles := tr.Claims[defender.ResourceDefender].Roles; !slices.Contains(roles, "Machine.Read.All") {
		t.Errorf("defender roles = %v", roles)
	}
}

func TestOneTokenRequestPerTenantPerResource(t *testing.T) {
	t.Parallel() // waits on timers, not the CPU
	c := startCloud(t, defendertest.Options{})
	var targets []defender.Target
	for _, name := range []string{"healthy", "many-devices", "unlicensed", "empty", "flaky"} {
		sc, _ := defendertest.Lookup(name)
		targets = append(targets, defender.Target{TenantID: sc.TenantID})
	}
	e := newEngine(t, c, defender.Config{Parallel: 5})
	if _, err := e.Validate(context.Background(), targets); err != nil {
		t.Fatal(err)
	}
	// A second run asks again, once: a run's tokens are its own (a client
	// per tenant run keeps MSAL's cache small), so a consent changed
	// between runs shows in the next.
	if _, err := e.Validate(context.Background(), targets); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	for _, tg := range targets {
		for _, res := range []string{"defender", "graph"} {
			if n := st.TokenRequests[tg.TenantID][res]; n != 2 {
				t.Errorf("tenant %s resource %s: %d token requests over two runs, want 1 each", tg.TenantID, res, n)
			}
		}
	}
}

func TestCancelledRunEndsPromptly(t *testing.T) {
	c := startCloud(t, defendertest.Options{Latency: 2 * time.Second})
	sc, _ := defendertest.Lookup("healthy")
	e := newEngine(t, c, defender.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := e.Validate(ctx, []defender.Target{{TenantID: sc.TenantID}})
	if err == nil {
		t.Fatal("a cancelled run reported no error")
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("cancel took %v", d)
	}
}
