package defender

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/paratira/mdeconnect/defender/problem"
)

// Config is what an Engine needs. Only Cloud and ClientID are required to
// resolve tenants; validation needs the secret too.
type Config struct {
	Cloud        Cloud
	ClientID     string
	ClientSecret string
	// HTTPClient carries every request (MSAL's too); nil means a default
	// client honouring HTTPS_PROXY and SSL_CERT_FILE.
	HTTPClient *http.Client
	// Parallel bounds how many tenants are validated at once.
	Parallel int
	Retry    RetryPolicy
	// OnEvent receives progress; it is called from many goroutines.
	OnEvent func(Event)
	Now     func() time.Time
	// Limits keeps each tenant's calls to each Defender API under
	// Microsoft's documented limits. Share one between the engines of a run
	// (test --all builds one per connector); nil gives the engine its own.
	Limits *RateLimits
}

// DefaultParallel validates this many tenants at once. Measured on a 2-core
// machine (README, Performance: 1,000 tenants, 200 ms a reply, the fake
// cloud on the same cores): 20 takes 21.6 s (1.08x its ideal), 50 10.7 s
// (1.34x), 100 5.8 s, 200 4.4 s, 400 3.5 s, near the CPU floor; the time
// keeps falling as parallelism grows, and the memory of the replies in
// flight grows with it (peak RSS 33, 55, 77, 113, 161 MB). 50 keeps a
// run of 5,000 tenants under 80 MB. Microsoft documents its limits per API
// (machines 100 calls a minute and 1,500 an hour, deviceavinfo 30 a minute
// and 1,000 an hour), and RateLimits keeps each tenant's calls under them
// whatever the parallelism. On a machine with more cores, 100 to 200
// halves the time again for a fleet, at about 80 to 110 MB.
const DefaultParallel = 50

// Engine validates connectors against one cloud with one app registration.
type Engine struct {
	cfg Config
	g   getter
	// client is cfg.HTTPClient with the run's limits: the engine's requests
	// and MSAL's go through it (the pool underneath is cfg.HTTPClient's).
	client *http.Client
	limits *RateLimits
	once   sync.Once
	sign   *signIn
	serr   error
}

// New checks cfg and returns an Engine.
func New(cfg Config) (*Engine, error) {
	if cfg.Cloud.LoginURL == "" {
		c, err := LookupCloud("global")
		if err != nil {
			return nil, err
		}
		cfg.Cloud = c
	}
	if !IsGUID(cfg.ClientID) {
		return nil, fmt.Errorf("the client ID %q is not a GUID: use Paratira's application (client) ID, %s", clip(cfg.ClientID, 60), ParatiraClientID)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = DefaultHTTPClient(cfg.Parallel)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Retry = cfg.Retry.withDefaults()
	e := &Engine{cfg: cfg}
	limits := cfg.Limits
	if limits == nil {
		limits = NewRateLimits()
	}
	e.useLimits(limits)
	return e, nil
}

// useLimits books e's API calls against limits.
func (e *Engine) useLimits(limits *RateLimits) {
	e.limits = limits
	e.client = limitedClient(e.cfg.HTTPClient, limits)
	e.g = getter{client: e.client, retry: e.cfg.Retry}
}

// ParatiraClientID is the application (client) ID of Paratira's multi-tenant app.
const ParatiraClientID = "00e8252c-0847-49c6-95d9-c0045d19f13c"

// DefaultHTTPClient is a client for many concurrent requests to few hosts.
// Its transport comes from net/http, so HTTPS_PROXY and SSL_CERT_FILE work.
func DefaultHTTPClient(parallel int) *http.Client {
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = parallel * 4
	t.MaxIdleConns = parallel * 8
	return &http.Client{Transport: t}
}

// ResolveTenant checks what a user typed and finds the tenant's GUID through
// OpenID discovery, which needs no sign-in. A tenant that signs in on another
// cloud's host is a WrongCloud *Error, returned with what discovery said.
func (e *Engine) ResolveTenant(ctx context.Context, input string) (TenantInfo, error) {
	t, err := ParseTenant(input)
	if err != nil {
		return TenantInfo{}, &Error{Problem: problem.TenantNotFound, Msg: err.Error(), Err: err}
	}
	info, err := discover(ctx, e.g, e.cfg.Cloud, t)
	if err != nil {
		return TenantInfo{}, err
	}
	info = info.clean()
	// A tenant of another sign-in cloud gets no token here: say so now. A
	// mere hint (a GCC tenant in the global cloud) waits for the tenant check.
	if cerr, definite := cloudMismatch(e.cfg.Cloud, info); definite {
		return info, cerr
	}
	return info, nil
}

// signIn sets up the engine's sign-in once: the credential and MSAL's options.
func (e *Engine) signIn() (*signIn, error) {
	e.once.Do(func() {
		if e.cfg.ClientSecret == "" {
			e.serr = errors.New("no client secret: pass it on stdin with --client-secret-stdin or in MDECONNECT_CLIENT_SECRET")
			return
		}
		e.sign, e.serr = newSignIn(e.cfg.Cloud, e.cfg.ClientID, e.cfg.ClientSecret, e.client, e.cfg.Retry)
	})
	return e.sign, e.serr
}

// Ready reports whether the engine can sign in at all (a secret is set and
// MSAL accepts the login URL), without a request: Validate and ValidateJobs
// stop with this error before they start.
func (e *Engine) Ready() error {
	_, err := e.signIn()
	return err
}

// Validate runs every check for every target, Parallel tenants at a time
// (see ValidateJobs). Results keep the targets' order. A cancelled context
// ends the run early; the checks it interrupted say so.
func (e *Engine) Validate(ctx context.Context, targets []Target) (Result, error) {
	if err := e.Ready(); err != nil {
		return Result{}, err
	}
	start := e.cfg.Now()
	res := Result{Tenants: make([]TenantResult, len(targets)), OK: true}
	jobs := make([]Job, len(targets))
	for i, t := range targets {
		jobs[i] = Job{Engine: e, Target: t}
	}
	if err := ValidateJobs(ctx, e.cfg.Parallel, jobs, func(i int, t TenantResult) { res.Tenants[i] = t }); err != nil {
		return Result{}, err
	}
	for _, t := range res.Tenants {
		res.OK = res.OK && t.OK
	}
	if ctx.Err() != nil {
		// Interrupted checks are skipped, not passed: nothing was proven.
		res.OK, res.Cancelled = false, true
	}
	res.DurationMS = e.cfg.Now().Sub(start).Milliseconds()
	return res, ctx.Err()
}

func (e *Engine) emit(ev Event) {
	if e.cfg.OnEvent != nil {
		e.cfg.OnEvent(ev)
	}
}
