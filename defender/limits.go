package defender

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/paratira/mdeconnect/defender/problem"
)

// Bounds on what Microsoft may send. Replies come from servers mdeconnect
// does not control (a proxy, a captive portal, a hijacked name), so every
// one is bounded before it is read, decompressed size included.
const (
	// maxSmallReply bounds a token, discovery or instance-discovery reply:
	// Entra ID's are a few KB (a token is under 10 KB, a discovery document
	// about 2 KB), so 1 MB is generous.
	maxSmallReply = 1 << 20
	// maxBody bounds one API page; a page of 10,000 devices is about 20 MB.
	maxBody = 64 << 20
	// maxListItems bounds the items a check counts over all its pages: the
	// most a check asks for is 3 pages of 10,000 devices.
	maxListItems = 100_000
	// maxListBytes bounds the bytes a check reads over all its pages: two
	// full pages at the page cap; three real pages of devices are ~60 MB.
	maxListBytes = 128 << 20
	// maxField bounds each string read from a reply (a service name, an
	// error message): the sanitiser clips further for the screen.
	maxField = 4 << 10
)

// replyLimitKey carries a request's reply limit to guard.
type replyLimitKey struct{}

// withReplyLimit sets the most bytes a reply to requests made with ctx may hold.
func withReplyLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, replyLimitKey{}, n)
}

// replyLimit is ctx's reply limit; MSAL's requests carry none, so they get
// the small one.
func replyLimit(ctx context.Context) int64 {
	if n, ok := ctx.Value(replyLimitKey{}).(int64); ok && n > 0 {
		return n
	}
	return maxSmallReply
}

// guarded returns a copy of c that follows no redirect to another origin,
// never sends a credential over plain http, and bounds every reply body.
// The engine sends through it, and so does MSAL.
func guarded(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	if _, ok := c.Transport.(guard); ok {
		return c
	}
	g := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	g.Transport = guard{base: base}
	g.CheckRedirect = checkRedirect
	return &g
}

// guard is the RoundTripper behind guarded.
type guard struct{ base http.RoundTripper }

func (g guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := plainCredentials(req); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := g.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	limit := replyLimit(req.Context())
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, tooLargeError(req.URL.Host, limit)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: limit, host: req.URL.Host, limit: limit, ctx: req.Context()}
	return resp, nil
}

// CloseIdleConnections passes on to the base transport, so closing a
// guarded client's idle connections closes the shared pool's.
func (g guard) CloseIdleConnections() {
	if c, ok := g.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// plainCredentials refuses a request that would carry a credential over
// plain http: an Authorization header, or a body (the engine's only bodies
// are token requests, which hold the client secret).
func plainCredentials(req *http.Request) error {
	if req.URL.Scheme != "http" {
		return nil
	}
	what := ""
	switch {
	case req.Header.Get("Authorization") != "":
		what = "an access token"
	case req.Body != nil && req.Body != http.NoBody:
		what = "the client secret"
	default:
		return nil
	}
	return &Error{Problem: problem.ServiceError,
		Msg: fmt.Sprintf("refusing to send %s over plain http to %s: Microsoft's endpoints are https (check MDECONNECT_*_URL and the proxy)", what, clipField(req.URL.Host, 256))}
}

// tooLarge marks a reply that went past its limit.
type tooLarge struct {
	host  string
	limit int64
}

func (e *tooLarge) Error() string {
	return fmt.Sprintf("the reply from %s held more than %s", e.host, sizeLabel(e.limit))
}

func tooLargeError(host string, limit int64) *Error {
	host = clipField(host, 256)
	return &Error{Problem: problem.ServiceError,
		Msg: fmt.Sprintf("the reply from %s held more than %s: refused, since Microsoft's replies here are far smaller (a proxy or a hostile server?)", host, sizeLabel(limit)),
		Err: &tooLarge{host: host, limit: limit}}
}

// limitedBody reads at most limit bytes and fails on the byte after.
type limitedBody struct {
	rc    io.ReadCloser
	left  int64
	limit int64
	host  string
	ctx   context.Context
	err   error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n = int(b.left)
		b.left = 0
		b.err = tooLargeError(b.host, b.limit)
		return n, b.err
	}
	b.left -= int64(n)
	if err == io.EOF && b.ctx.Err() != nil {
		// net/http may end a body cut by the request's deadline with a
		// plain EOF: the reply was not complete, its time ran out.
		err = b.ctx.Err()
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// sizeLabel is n bytes in the user's terms: "1 MB", "64 MB", "900 KB".
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// clipField bounds a string read from a reply to max bytes, cut on a rune
// boundary, "…" marking the cut. The copy lets a huge original be freed.
func clipField(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return string([]byte(s[:cut])) + "…"
}
