package defendertest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Recording is what a support report kept of one run: every HTTP exchange,
// redacted, and the claims of the tokens it got. A Replay serves it back.
type Recording struct {
	// Bases are the recorded cloud's base URLs (login, API, Graph). The
	// replay serves all three on its own URL and rewrites them in replies.
	Bases     []string
	Exchanges []RecordedExchange
	// Claims are the recorded tokens' claims by tenant (as typed or its GUID,
	// any case) and resource ("defender", "graph").
	Claims map[string]map[string]TokenClaims
}

// RecordedExchange is one recorded request and its reply.
type RecordedExchange struct {
	// Tenant is the tenant ID of the request's bearer token, "" without one;
	// requests to the login server name their tenant in the path instead.
	Tenant string
	Method string
	URL    string
	// RequestBody is the (redacted) request body; a token request's scope
	// in it tells the Defender token from the Graph one.
	RequestBody string
	Status      int
	Header      map[string]string
	Body        string
	// Error is the transport error the client met, if any.
	Error string
}

// TokenClaims are the claims a replayed token is minted with.
type TokenClaims struct {
	Aud      string   `json:"aud"`
	Iss      string   `json:"iss"`
	TID      string   `json:"tid"`
	AppID    string   `json:"appid"`
	AppIDAcr string   `json:"appidacr,omitempty"`
	Roles    []string `json:"roles,omitempty"`
	Exp      int64    `json:"exp"`
	Nbf      int64    `json:"nbf,omitempty"`
	Iat      int64    `json:"iat,omitempty"`
	Ver      string   `json:"ver,omitempty"`
	IDTyp    string   `json:"idtyp,omitempty"`
	OID      string   `json:"oid,omitempty"`
}

// ReplayOptions configure a Replay. The zero value is ready to use.
type ReplayOptions struct {
	Addr    string        // listen host:port, default "127.0.0.1:0"
	Latency time.Duration // added before every reply
}

// Replay serves a Recording over loopback TLS: each request gets the next
// recorded reply with the same method, path, query and tenant (the last one
// again once they run out). Token replies whose token was redacted carry a
// fresh token with the recorded claims, so MSAL and the checks accept them.
type Replay struct {
	URL string

	rec     Recording
	opts    ReplayOptions
	certs   *certificates
	signer  *signer
	srv     *http.Server
	done    chan struct{}
	closing sync.Once

	mu     sync.Mutex
	queues map[string][]int // key -> indexes into rec.Exchanges
	served map[string]int
	missed []string
}

// StartReplay starts serving rec.
func StartReplay(rec Recording, opts ReplayOptions) (*Replay, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("replay address %q: %w", opts.Addr, err)
	}
	r := &Replay{rec: rec, opts: opts, done: make(chan struct{}), queues: map[string][]int{}, served: map[string]int{}}
	if r.certs, err = newCertificates(time.Now().UTC(), host); err != nil {
		return nil, err
	}
	if r.signer, err = newSigner(); err != nil {
		return nil, err
	}
	for i, ex := range rec.Exchanges {
		u, err := url.Parse(ex.URL)
		if err != nil {
			continue
		}
		form, _ := url.ParseQuery(ex.RequestBody)
		k := replayKey(ex.Method, u, ex.Tenant, form.Get("scope"))
		r.queues[k] = append(r.queues[k], i)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("replay listening on %s: %w", opts.Addr, err)
	}
	r.URL = "https://" + ln.Addr().String()
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{r.certs.leaf}, MinVersion: tls.VersionTLS12}}
	go func() {
		if err := r.srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			ln.Close()
		}
	}()
	return r, nil
}

// Close stops the server and releases requests it holds.
func (r *Replay) Close() {
	r.closing.Do(func() {
		close(r.done)
		r.srv.Close()
	})
}

// CACertPEM is the replay's CA certificate in PEM.
func (r *Replay) CACertPEM() []byte { return slices.Clone(r.certs.caPEM) }

// Client is an HTTP client that trusts the replay's CA.
func (r *Replay) Client() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: r.certs.pool.Clone(), MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t}
}

// CertPool trusts the replay's CA only.
func (r *Replay) CertPool() *x509.CertPool { return r.certs.pool.Clone() }

// Missed lists the requests that had no recorded reply ("METHOD path").
func (r *Replay) Missed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.missed)
}

// replayKey is what requests are matched on: method, path, the query's
// non-empty parameters in order, the bearer token's tenant and the scope of
// a token request.
func replayKey(method string, u *url.URL, tenant, scope string) string {
	q := url.Values{}
	for k, vs := range u.Query() {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	return strings.ToUpper(method) + " " + strings.ToLower(u.EscapedPath()) + "?" + q.Encode() + " " + strings.ToLower(tenant) + " " + resourceScope(scope)
}

// next takes the recorded exchange for key, repeating the last one.
func (r *Replay) next(key, what string) (RecordedExchange, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queues[key]
	if len(q) == 0 {
		r.missed = append(r.missed, what)
		return RecordedExchange{}, false
	}
	i := min(r.served[key], len(q)-1)
	r.served[key]++
	return r.rec.Exchanges[q[i]], true
}

// sleep waits d unless the request or the replay ends first.
func (r *Replay) sleep(req *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-req.Context().Done():
	case <-r.done:
	}
	return false
}

// resourceScope is a token request's scope without the OpenID words MSAL adds.
func resourceScope(scope string) string {
	words := slices.DeleteFunc(strings.Fields(strings.ToLower(scope)), func(w string) bool {
		return w == "openid" || w == "offline_access" || w == "profile" || w == "email"
	})
	slices.Sort(words)
	return strings.Join(words, " ")
}
