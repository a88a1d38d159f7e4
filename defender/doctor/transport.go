package doctor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Bounds on what Entra ID and Graph may send: a token reply is a few KB, a
// page of audit entries or sign-ins well under a megabyte per hundred.
const (
	maxLoginReply = 1 << 20
	maxGraphReply = 16 << 20
)

// errRedirect refuses every redirect: the endpoints doctor calls answer in
// place ("Microsoft identity platform and OAuth 2.0" flows, Graph's REST
// API), and each request carries a code, a device code or a token.
var errRedirect = errors.New("refused a redirect: Entra ID's and Microsoft Graph's endpoints answer in place, and this request carries credentials")

// guard wraps a transport: no credential over plain http, replies bounded,
// and the last failed reply from the sign-in server kept, since MSAL reads a
// device code poll's failed reply itself before it returns the error.
type guard struct {
	base  http.RoundTripper
	login string // scheme://host of the sign-in server

	mu        sync.Mutex
	lastError []byte
	lastCode  int
}

// guarded returns a client that sends through a guard.
func guarded(hc *http.Client, loginURL string) (*http.Client, *guard) {
	if hc == nil {
		hc = http.DefaultClient
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	g := &guard{base: base, login: strings.ToLower(strings.TrimRight(loginURL, "/"))}
	c := *hc
	c.Transport = g
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return errRedirect }
	return &c, g
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && (req.Header.Get("Authorization") != "" || req.Body != nil && req.Body != http.NoBody) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("refusing to send credentials over plain http to %s: Microsoft's endpoints are https (check MDECONNECT_*_URL)", req.URL.Host)
	}
	resp, err := g.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	fromLogin := strings.EqualFold(req.URL.Scheme+"://"+req.URL.Host, g.login)
	limit := int64(maxGraphReply)
	if fromLogin {
		limit = maxLoginReply
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, fmt.Errorf("the reply from %s held more than %d bytes: refused", req.URL.Host, limit)
	}
	resp.Body = &limited{rc: resp.Body, left: limit, host: req.URL.Host}
	if fromLogin && resp.StatusCode >= 400 {
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		g.mu.Lock()
		g.lastError, g.lastCode = b, resp.StatusCode
		g.mu.Unlock()
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return resp, nil
}

// CloseIdleConnections passes on to the base transport.
func (g *guard) CloseIdleConnections() {
	if c, ok := g.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// lastFailure is the sign-in server's last failed reply.
func (g *guard) lastFailure() (int, []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lastCode, g.lastError
}

// limited reads at most left bytes and fails on the byte after.
type limited struct {
	rc   io.ReadCloser
	left int64
	host string
	err  error
}

func (l *limited) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.rc.Read(p)
	if int64(n) > l.left {
		n, l.left = int(l.left), 0
		l.err = fmt.Errorf("the reply from %s is larger than mdeconnect accepts: refused", l.host)
		return n, l.err
	}
	l.left -= int64(n)
	return n, err
}

func (l *limited) Close() error { return l.rc.Close() }
