package defender

import (
	"context"
	"errors"
	"fmt"
	"github.com/paratira/mdeconnect/defender/problem"
	"net/http"
	"sync"
	"time"
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
}

// DefaultParallel validates this many tenants at once. Microsoft's limits are
// per tenant (100 calls a minute), and one tenant's validation makes ten, so
// parallelism across tenants costs no tenant its budget. At 300 ms a reply,
// 50 validates 200 tenants in about 5 s (20: 10 s) in under 50 MB; beyond 50
// a 2-core machine is busy and the time no longer falls (README, Performance).
const DefaultParallel = 50

// Engine validates connectors against one cloud with one app registration.
type Engine struct {
	cfg  Config
	g    getter
	once sync.Once
	tok  *tokens
	terr error
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
	return &Engine{cfg: cfg, g: getter{client: cfg.HTTPClient, retry: cfg.Retry}}, nil
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
// OpenID discovery, which needs no sign-in.
func (e *Engine) ResolveTenant(ctx context.Context, input string) (TenantInfo, error) {
	t, err := ParseTenant(input)
	if err != nil {
		return TenantInfo{}, &Error{Problem: problem.TenantNotFound, Msg: err.Error(), Err: err}
	}
	return discover(ctx, e.g, e.cfg.Cloud, t)
}

func (e *Engine) tokens() (*tokens, error) {
	e.once.Do(func() {
		if e.cfg.ClientSecret == "" {
			e.terr = errors.New("no client secret: pass it on stdin with --client-secret-stdin or in MDECONNECT_CLIENT_SECRET")
			return
		}
		e.tok, e.terr = newTokens(e.cfg.Cloud, e.cfg.ClientID, e.cfg.ClientSecret, e.cfg.HTTPClient, e.cfg.Retry)
	})
	return e.tok, e.terr
}

// Validate runs every check for every target, tenants concurrently up to
// Parallel. Results keep the targets' order. A cancelled context ends the run
// early; the checks it interrupted say so.
func (e *Engine) Validate(ctx context.Context, targets []Target) (Result, error) {
	tok, err := e.tokens()
	if err != nil {
		return Result{}, err
	}
	start := e.cfg.Now()
	res := Result{Tenants: make([]TenantResult, len(targets)), OK: true}
	sem := make(chan struct{}, e.cfg.Parallel)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
			}
			res.Tenants[i] = e.validateTenant(ctx, tok, t)
		}()
	}
	wg.Wait()
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
