package defender

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/problem"
)

func TestDefenderHealth(t *testing.T) {
	op := func(svc, status, id string) healthOverview {
		return healthOverview{Service: svc, Status: status, ID: id}
	}
	others := []healthOverview{
		op("Microsoft Defender for Cloud Apps", "serviceDegradation", "cloudappsecurity"),
		op("Microsoft Defender for Identity", "serviceInterruption", "AzureATP"),
		op("Exchange Online", "investigating", "Exchange"),
	}
	type healthCase struct {
		name   string
		xdr    []healthOverview
		status Status
		msgHas string
	}
	xdr := func(status string) []healthOverview {
		return []healthOverview{op("Microsoft Defender XDR", status, "Microsoft365Defender")}
	}
	tests := []healthCase{
		{"operational", xdr("serviceOperational"), Pass, "operational"},
		{"renamed, matched by id", []healthOverview{op("Microsoft 365 Defender", "serviceDegradation", "Microsoft365Defender")}, Warn, "serviceDegradation"},
		{"matched by name without id", []healthOverview{op("Microsoft Defender XDR", "extendedRecovery", "")}, Warn, "extendedRecovery"},
		{"absent: other Defender services do not count", nil, Pass, "not among them"},
		{"unknown status", xdr("unknownFutureValue"), Pass, "not an open issue"},
	}
	for _, closed := range []string{"serviceRestored", "postIncidentReviewPublished", "falsePositive", "resolved", "resolvedExternal", "mitigated", "mitigatedExternal"} {
		tests = append(tests, healthCase{closed, xdr(closed), Pass, "closed"})
	}
	for _, open := range []string{"investigating", "restoringService", "verifyingService", "serviceDegradation", "serviceInterruption", "extendedRecovery", "investigationSuspended", "confirmed", "reported"} {
		tests = append(tests, healthCase{open, xdr(open), Warn, open})
	}
	for _, tt := range tests {
		o := defenderHealth(append(append([]healthOverview{}, others...), tt.xdr...))
		if o.status != tt.status || !strings.Contains(o.message, tt.msgHas) {
			t.Errorf("%s: %s %q, want %s with %q", tt.name, o.status, o.message, tt.status, tt.msgHas)
		}
		if tt.status == Warn && o.problem != problem.ServiceError {
			t.Errorf("%s: problem %s", tt.name, o.problem)
		}
	}
}

func TestCloudMismatch(t *testing.T) {
	info := func(instance, scope, sub string) TenantInfo {
		return TenantInfo{TenantID: "t", CloudInstance: instance, RegionScope: scope, RegionSubScope: sub}
	}
	tests := []struct {
		cloud    string
		info     TenantInfo
		mismatch bool
		definite bool
		suggest  string
	}{
		{"global", info("microsoftonline.com", "NA", ""), false, false, ""},
		{"global", info("", "", ""), false, false, ""},
		{"global", info("microsoftonline.us", "USGov", "DODCON"), true, true, "gcc-high"},
		{"global", info("microsoftonline.us", "USGov", "DOD"), true, true, "dod"},
		{"global", info("microsoftonline.us", "USGov", ""), true, true, ""},
		{"global", info("microsoftonline.com", "USGov", "GCC"), true, false, "gcc"},
		{"gcc", info("microsoftonline.com", "USGov", "GCC"), false, false, ""},
		{"gcc", info("microsoftonline.com", "EU", ""), true, false, "global"},
		{"gcc-high", info("microsoftonline.us", "USGov", "DODCON"), false, false, ""},
		{"gcc-high", info("microsoftonline.us", "USGov", ""), false, false, ""},
		{"gcc-high", info("microsoftonline.us", "USGov", "DOD"), true, false, "dod"},
		{"dod", info("microsoftonline.com", "NA", ""), true, true, "global"},
		{"global", info("partner.microsoftonline.cn", "AS", ""), true, true, ""},
	}
	for _, tt := range tests {
		c, _ := LookupCloud(tt.cloud)
		e, definite := cloudMismatch(c, tt.info)
		if (e != nil) != tt.mismatch || definite != tt.definite {
			t.Errorf("%s %+v: mismatch %v definite %v, want %v %v", tt.cloud, tt.info, e != nil, definite, tt.mismatch, tt.definite)
			continue
		}
		if e != nil && (e.Problem != problem.WrongCloud || e.SuggestedCloud != tt.suggest || !strings.Contains(e.Msg, "set to the "+tt.cloud+" cloud")) {
			t.Errorf("%s %+v: %+v", tt.cloud, tt.info, e)
		}
	}
}

// ResolveTenant refuses a tenant of another sign-in cloud, with the facts.
func TestResolveTenantInAnotherCloud(t *testing.T) {
	e := startFake(t, defendertest.Options{}).engine(t, Config{ClientID: ParatiraClientID})
	gov, _ := defendertest.Lookup("us-gov-tenant")
	info, err := e.ResolveTenant(context.Background(), gov.Domain)
	var de *Error
	if !errors.As(err, &de) || de.Problem != problem.WrongCloud || de.SuggestedCloud != "gcc-high" || info.TenantID != gov.TenantID {
		t.Errorf("us-gov-tenant: %+v, %v", info, err)
	}
	gcc, _ := defendertest.Lookup("gcc-tenant")
	if info, err := e.ResolveTenant(context.Background(), gcc.TenantID); err != nil || info.RegionSubScope != "GCC" {
		t.Errorf("a GCC tenant is only a hint until the test: %+v, %v", info, err)
	}
}

func TestCheckClientID(t *testing.T) {
	for _, tt := range []struct {
		cloud, id string
		refused   bool
	}{
		{"global", ParatiraClientID, false},
		{"gcc", ParatiraClientID, false},
		{"gcc-high", ParatiraClientID, true},
		{"dod", strings.ToUpper(ParatiraClientID), true},
		{"gcc-high", "11111111-2222-3333-4444-555555555555", false},
	} {
		c, _ := LookupCloud(tt.cloud)
		err := c.CheckClientID(tt.id)
		var ce *ClientIDError
		if errors.As(err, &ce) != tt.refused {
			t.Errorf("%s %s: %v", tt.cloud, tt.id, err)
		}
		if tt.refused && (ce.Cloud != tt.cloud || !strings.Contains(err.Error(), "own client ID") || !strings.Contains(err.Error(), "Paratira support")) {
			t.Errorf("%s: %v", tt.cloud, err)
		}
	}
}

func TestLoginOverrideMustBeAnHTTPSOrigin(t *testing.T) {
	global, _ := LookupCloud("global")
	for _, tt := range []struct {
		value, why string
	}{
		{"https://login.example.com", ""},
		{"https://127.0.0.1:8443/", ""},
		{"http://127.0.0.1:8443", "only https"},
		{"https://login.example.com/tenant", "path"},
		{"https://login.example.com/?x=1", "path, query"},
		{"https://login.example.com#f", "fragment"},
		{"https://user:pw@login.example.com", "user name"},
		{"login.example.com", "absolute"},
	} {
		c, err := global.FromEnv(func(k string) string {
			if k == EnvLoginURL {
				return tt.value
			}
			return ""
		})
		var oe *OverrideError
		switch {
		case tt.why == "" && (err != nil || c.LoginURL != strings.TrimRight(tt.value, "/")):
			t.Errorf("%q: %v %s", tt.value, err, c.LoginURL)
		case tt.why != "" && (!errors.As(err, &oe) || oe.Setting != EnvLoginURL || !strings.Contains(err.Error(), tt.why) || !strings.Contains(err.Error(), "origin alone")):
			t.Errorf("%q: %v, want a refusal naming %s", tt.value, err, tt.why)
		}
	}
	// The API and Graph overrides still take http (a local proxy).
	if _, err := global.Overrides("", "http://127.0.0.1:9/x", "http://127.0.0.1:9"); err != nil {
		t.Errorf("API override over http: %v", err)
	}
}

func TestRateLimitsBookPerTenantPerAPI(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	l := newRateLimits(func() time.Time { return now })
	far := now.Add(time.Hour)
	for i := range 30 {
		if wait, held := l.reserve("a", "/api/deviceavinfo", far); wait != 0 || held != nil {
			t.Fatalf("call %d: wait %v held %v", i+1, wait, held)
		}
	}
	if wait, held := l.reserve("b", "/api/deviceavinfo", far); wait != 0 || held != nil {
		t.Errorf("another tenant waited %v", wait)
	}
	if wait, held := l.reserve("a", "/api/machines", far); wait != 0 || held != nil {
		t.Errorf("another API waited %v", wait)
	}
	if wait, held := l.reserve("a", "/api/exposureScore", time.Time{}); wait != 0 || held != nil {
		t.Errorf("an API without a documented limit waited %v", wait)
	}
	// The 31st call in the minute waits for the first to leave the window,
	// or is held back when its request's time would run out first.
	if _, held := l.reserve("a", "/API/DeviceAvInfo", now.Add(20*time.Second)); held == nil || !errors.Is(held, context.DeadlineExceeded) {
		t.Errorf("31st call with 20 s left: held %v", held)
	}
	if wait, held := l.reserve("a", "/api/deviceavinfo", far); held != nil || wait != time.Minute {
		t.Errorf("31st call: wait %v held %v, want a minute", wait, held)
	}
	// An hour's limit: 1,000 calls, whatever their spread.
	l = newRateLimits(func() time.Time { return now })
	for i := range 1000 {
		now = now.Add(3 * time.Second)
		if _, held := l.reserve("a", "/api/deviceavinfo", time.Time{}); held != nil {
			t.Fatalf("call %d held", i+1)
		}
	}
	first := now.Add(-999 * 3 * time.Second)
	if wait, _ := l.reserve("a", "/api/deviceavinfo", time.Time{}); now.Add(wait) != first.Add(time.Hour) {
		t.Errorf("1,001st call waits %v, want until an hour after the first", wait)
	}
}

// Validating one tenant again and again through engines that share their
// RateLimits never sends a 31st deviceavinfo call in a minute: the fake,
// enforcing Microsoft's limits, never throttles, and the engine says why it
// held the call back.
func TestRepeatedValidationsStayUnderTheLimits(t *testing.T) {
	t.Parallel() // waits on timers, not the CPU
	c := startFake(t, defendertest.Options{RateLimits: true})
	limits := NewRateLimits()
	sc, _ := defendertest.Lookup("healthy")
	var last Result
	for range 31 {
		e := c.engine(t, Config{Limits: limits, Retry: RetryPolicy{Attempts: 2, BaseDelay: 10 * time.Millisecond, Budget: time.Second, PerRequest: 500 * time.Millisecond}})
		// A domain and its GUID are one tenant.
		var err error
		if last, err = e.Validate(context.Background(), []Target{{TenantID: sc.Domain}}); err != nil {
			t.Fatal(err)
		}
	}
	st := c.Stats()
	if n := st.APIRequests[sc.TenantID]["/api/deviceavinfo"]; n != 30 || st.RateLimited[sc.TenantID] != 0 {
		t.Errorf("%d deviceavinfo calls reached the fake, %d throttled; want 30 and none", n, st.RateLimited[sc.TenantID])
	}
	av, _ := last.Tenants[0].Check(CheckUpdateCompliance)
	if av.Status != Fail || av.Problem != problem.Throttled || !strings.Contains(av.Message, "held back") {
		t.Errorf("31st update compliance check: %s %s %q", av.Status, av.Problem, av.Message)
	}
	if m, _ := last.Tenants[0].Check(CheckSensorHealth); m.Status != Pass {
		t.Errorf("machines (100 a minute) was held back too: %q", m.Message)
	}
}

// WaitForConsent's re-tests book their calls against the first try's limits.
func TestWaitForConsentSharesLimits(t *testing.T) {
	c := startFake(t, defendertest.Options{})
	var engines []*Engine
	newEngine := func() (*Engine, error) {
		e := c.engine(t, Config{})
		engines = append(engines, e)
		return e, nil
	}
	sc, _ := defendertest.Lookup("consent-propagating")
	res, err := WaitForConsent(context.Background(), newEngine, []Target{{TenantID: sc.TenantID}}, 10*time.Second, 10*time.Millisecond, nil)
	if err != nil || !res.OK {
		t.Fatalf("%v %+v", err, res)
	}
	if len(engines) < 2 {
		t.Fatalf("%d tries", len(engines))
	}
	for i, e := range engines[1:] {
		if e.limits != engines[0].limits || e.g.client.Transport.(*limitedTransport).limits != engines[0].limits {
			t.Errorf("try %d books against its own limits", i+2)
		}
	}
}

// A missing service principal (AADSTS7000229) is consent still to come:
// WaitForConsent waits for it like for AADSTS700016.
func TestWaitForConsentWaitsOnAMissingServicePrincipal(t *testing.T) {
	c := startFake(t, defendertest.Options{})
	newEngine := func() (*Engine, error) { return c.engine(t, Config{}), nil }
	sc, _ := defendertest.Lookup("service-principal-missing")
	var waits []Waiting
	res, err := WaitForConsent(context.Background(), newEngine, []Target{{TenantID: sc.TenantID}}, 10*time.Second, 10*time.Millisecond, func(w Waiting) {
		waits = append(waits, w)
		c.SetConsent(sc.TenantID, true) // the admin accepts meanwhile
	})
	if err != nil || !res.OK || len(waits) != 1 || waits[0].Missing[sc.TenantID] != "the app is not in the tenant yet" {
		t.Errorf("ok=%v err=%v waits=%+v", res.OK, err, waits)
	}
}

// Machine.ReadWrite.All lists machines but is not documented for device
// antivirus data: it does not stand in for Machine.Read.All.
func TestReadWriteDoesNotCoverDeviceAVInfo(t *testing.T) {
	s, _ := defendertest.Lookup("healthy")
	s.Name, s.TenantID, s.Domain = "readwrite-only", "00000000-0000-4000-8000-0000000000aa", "readwriteonly.onmicrosoft.com"
	s.DefenderRoles = []string{"Machine.ReadWrite.All", "Score.Read.All", "SecurityRecommendation.Read.All"}
	e := startFake(t, defendertest.Options{Scenarios: []defendertest.Scenario{s}}).engine(t, Config{})
	res, err := e.Validate(context.Background(), []Target{{TenantID: s.TenantID}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[CheckID]Status{CheckPermissions: Fail, CheckSensorHealth: Pass, CheckUpdateCompliance: Fail}
	for id, st := range want {
		ch, _ := res.Tenants[0].Check(id)
		if ch.Status != st || (st == Fail && (ch.Problem != problem.InsufficientPermissions || !strings.Contains(ch.Message, "Machine.Read.All"))) {
			t.Errorf("%s: %s %s %q, want %s", id, ch.Status, ch.Problem, ch.Message, st)
		}
	}
}

// fakeCloud starts the fake cloud for an internal test; its engines point at
// it through the overrides a user would set (fakeEngine).
type fakeCloud struct {
	*defendertest.Cloud
	cloud Cloud
}

func startFake(t *testing.T, opts defendertest.Options) fakeCloud {
	t.Helper()
	c, err := defendertest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cloud, _ := LookupCloud("global")
	if cloud, err = cloud.Overrides(c.LoginURL, c.APIURL, c.GraphURL); err != nil {
		t.Fatal(err)
	}
	return fakeCloud{c, cloud}
}

// engine is an engine on f with the sandbox app and cfg's other fields.
func (f fakeCloud) engine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	cfg.Cloud, cfg.HTTPClient = f.cloud, f.Client()
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = defendertest.SandboxClientID, defendertest.SandboxClientSecret
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
