package defender

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	"github.com/paratira/mdeconnect/defender/problem"
	"golang.org/x/sync/singleflight"
)

// Resources a token is asked for.
const (
	ResourceDefender = "defender"
	ResourceGraph    = "graph"
)

// Token is an app-only access token with its decoded claims.
type Token struct {
	Value      string
	ExpiresOn  time.Time
	AcquiredAt time.Time
	Claims     Claims
	// Opaque is set when the token could not be decoded; Claims are then empty.
	Opaque bool
}

// stale reports whether t should be replaced before use: it expires within a
// tenth of its lifetime (at most a minute), so a request cannot outlive it.
func (t Token) stale(now time.Time) bool {
	skew := min(time.Minute, t.ExpiresOn.Sub(t.AcquiredAt)/10)
	return now.Add(skew).After(t.ExpiresOn)
}

// signIn is an engine's app registration: its credential and the client
// MSAL sends through. It makes one MSAL client per tenant run (forTenant):
// MSAL's in-memory token cache is a list it scans on every lookup, so one
// client shared by a whole fleet made each token cost more than the last
// (issue 15: 10 % of the CPU at 5,000 tenants). A client per tenant holds
// that tenant's two tokens, and is dropped with the run.
type signIn struct {
	cloud    Cloud
	clientID string
	cred     confidential.Credential
	opts     []confidential.Option
	retry    RetryPolicy
}

func newSignIn(cloud Cloud, clientID, secret string, hc *http.Client, retry RetryPolicy) (*signIn, error) {
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("the client secret cannot be used: %w", err)
	}
	s := &signIn{cloud: cloud, clientID: clientID, cred: cred, retry: retry.withDefaults(), opts: []confidential.Option{
		// Guarded: no redirect elsewhere, no secret over http, replies
		// bounded (MSAL reads them whole); see guarded. MSAL's request for
		// the tenant's metadata is answered without a round trip (see
		// tenantMetadata).
		confidential.WithHTTPClient(withTenantMetadata(guarded(hc), cloud)),
		// Custom hosts (proxies, the sandbox) are not in Microsoft's list of
		// instances; asking would also call login.microsoftonline.com first.
		confidential.WithInstanceDiscovery(cloud.IsMicrosoftLogin()),
		// MSAL_FORCE_REGION in the environment would rewrite the host.
		confidential.WithAzureRegion("DisableMsalForceRegion"),
	}}
	// One client now, so a login URL MSAL refuses fails the engine, not
	// every tenant.
	if _, err := s.forTenant(); err != nil {
		return nil, err
	}
	return s, nil
}

// forTenant returns a new MSAL client for one tenant's run.
func (s *signIn) forTenant() (*tokens, error) {
	c, err := confidential.New(s.cloud.LoginURL+"/organizations", s.clientID, s.cred, s.opts...)
	if err != nil {
		return nil, fmt.Errorf("setting up sign-in for client ID %s: %w", s.clientID, err)
	}
	return &tokens{cloud: s.cloud, client: c, retry: s.retry}, nil
}

// tokens gets one tenant's app-only tokens through MSAL: a confidential
// client on the /organizations authority asks for the tenant through
// WithTenantID, and concurrent cold requests for one resource share one
// call, since MSAL does not deduplicate them itself.
type tokens struct {
	cloud  Cloud
	client confidential.Client
	retry  RetryPolicy
	group  singleflight.Group
	// bodies holds each failed reply's body, read once (see bodyOf).
	bodies sync.Map
}

func (t *tokens) scope(resource string) string {
	if resource == ResourceGraph {
		return t.cloud.GraphScope
	}
	return t.cloud.DefenderScope
}

// get returns a token for tenant and resource, from MSAL's cache when it can.
func (t *tokens) get(ctx context.Context, tenant, resource string) (Token, error) {
	key := tenant + "/" + resource
	v, err, _ := t.group.Do(key, func() (any, error) { return t.acquire(ctx, tenant, resource) })
	if err != nil {
		return Token{}, err
	}
	return v.(Token), nil
}

func (t *tokens) acquire(ctx context.Context, tenant, resource string) (Token, error) {
	// Retries stay within the budget, as for API requests (getLimited): the
	// first try may take its full time, a retry only what is left.
	var spent time.Duration
	delay := t.retry.BaseDelay
	for attempt := 1; ; attempt++ {
		timeout := 2 * t.retry.PerRequest
		if attempt > 1 {
			timeout = min(timeout, t.retry.Budget-spent)
		}
		start := time.Now()
		res, err := t.acquireOnce(ctx, tenant, resource, timeout)
		last := time.Since(start)
		spent += last
		if err == nil {
			// Microsoft ("Access tokens in the Microsoft identity platform"):
			// "Don't attempt to validate or read tokens for any API you don't
			// own ... Tokens for Microsoft services can use a special format
			// that will not validate as a JWT, and may also be encrypted." A
			// token that does not decode is kept: the API is its judge.
			claims, cerr := DecodeClaims(res.AccessToken)
			return Token{Value: res.AccessToken, ExpiresOn: res.ExpiresOn, AcquiredAt: time.Now(), Claims: claims, Opaque: cerr != nil}, nil
		}
		cerr := t.classify(err, tenant)
		wait, asked := tokenRetryAfter(err, delay)
		if !transient(cerr) || attempt >= t.retry.Attempts || ctx.Err() != nil || spent+wait+last > t.retry.Budget {
			return Token{}, cerr
		}
		noteRetry(ctx, attempt, wait, asError(cerr).Diag.HTTPStatus, asked)
		if serr := sleep(ctx, wait); serr != nil {
			return Token{}, serr
		}
		spent += wait
		delay *= 2
	}
}

// tokenRetryAfter is how long to wait before another try for a token: the
// reply's Retry-After when it is a 429 or 503 that gives one (asked), else
// backoff. Microsoft ("Client and server throttling", MSAL.NET): "For
// client_credentials grant ... Microsoft Entra ID will reply with 429 Too
// Many Requests, with a Retry-After: 60 header"; trying again sooner is
// what MSAL's own client throttling refuses. A wait past the budget ends
// the tries: the tenant is reported throttled.
func tokenRetryAfter(err error, backoff time.Duration) (wait time.Duration, asked bool) {
	var ce msalerrors.CallErr
	if !errors.As(err, &ce) || ce.Resp == nil {
		return backoff, false
	}
	wait, asked, _ = retryAfter(reply{Status: ce.Resp.StatusCode, Header: ce.Resp.Header}, nil, backoff)
	if !asked {
		return backoff, false
	}
	return wait, true
}

// acquireOnce is one try, bounded like other requests (MSAL would otherwise
// allow itself 30 s); a cold try is one request, the token's (the tenant's
// metadata is answered locally, see tenantMetadata).
func (t *tokens) acquireOnce(ctx context.Context, tenant, resource string, timeout time.Duration) (confidential.AuthResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return t.client.AcquireTokenByCredential(ctx, []string{t.scope(resource)}, confidential.WithTenantID(tenant))
}

// bodyOf reads an MSAL error reply's body once. MSAL may hand one reply to
// every caller that shared a failed request of its own (a discovery it
// made), and a body can be read only once.
func (t *tokens) bodyOf(resp *http.Response) []byte {
	v, _ := t.bodies.LoadOrStore(resp, sync.OnceValue(func() []byte {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		return b
	}))
	return v.(func() []byte)()
}

// transient reports whether a token failure is worth another try: a network
// fault, a 5xx (the reference-error-codes `error` table: temporarily_unavailable,
// "Retry the request") or a 429. Everything else is an answer.
func transient(err error) bool {
	var e *Error
	if !errors.As(err, &e) || errors.Is(err, context.DeadlineExceeded) {
		// A try that timed out met a hung endpoint: another only doubles the wait.
		return false
	}
	return e.Problem == problem.NetworkError || (e.Problem == problem.ServiceError && e.Diag.HTTPStatus >= 500) ||
		e.Diag.HTTPStatus == http.StatusTooManyRequests
}

// classify turns an MSAL failure into a problem. MSAL reports a non-2xx reply
// as a CallErr whose body holds Entra's JSON error.
func (t *tokens) classify(err error, tenant string) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if e := new(Error); errors.As(err, &e) {
		// The guarded client refused (a redirect elsewhere, a reply past its limit).
		return e
	}
	var ce msalerrors.CallErr
	if errors.As(err, &ce) && ce.Resp != nil {
		r := reply{Status: ce.Resp.StatusCode, Header: ce.Resp.Header, Body: t.bodyOf(ce.Resp)}
		if ce.Req != nil {
			r.URL = ce.Req.URL.String()
		}
		return entraReplyError(r, tenant, t.cloud)
	}
	msg := err.Error()
	if strings.Contains(msg, "unable to resolve an endpoint") && !isNetErr(err) {
		return &Error{Problem: problem.ServiceError, Msg: "Entra ID's sign-in endpoint could not be resolved: " + msg, Err: err}
	}
	return networkError(err, t.cloud.LoginURL)
}
