package defender

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Exchange is one HTTP request and its reply, redacted: no secret, token,
// Authorization header or cookie survives into it.
type Exchange struct {
	Time            time.Time         `json:"time"`
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	Status          int               `json:"status,omitempty"`
	DurationMS      int64             `json:"duration_ms"`
	RequestHeaders  map[string]string `json:"request_headers,omitempty"`
	RequestBody     string            `json:"request_body,omitempty"`
	ResponseHeaders map[string]string `json:"response_headers,omitempty"`
	ResponseBody    string            `json:"response_body,omitempty"`
	// Truncated is set when the response body was cut to maxTracedBody.
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"`
}

// maxTracedBody bounds what a trace keeps of one body, maxTraceTotal of all
// the bodies of a run (see TraceBudget).
const (
	maxTracedBody = 2 << 20
	maxTraceTotal = 256 << 20
)

// TraceBudget is what the Tracers of one run may keep of bodies in all, so a
// 200-tenant report or debug log stays a sane size. Share one among every
// Tracer of a run: a Tracer made per request with its own budget would never
// spend it. The zero value allows maxTraceTotal (256 MB).
type TraceBudget struct {
	// Max is the bytes of bodies to keep; 0 means 256 MB.
	Max  int64
	kept atomic.Int64
}

// take asks for n bytes and reports whether they may be kept.
func (b *TraceBudget) take(n int) bool {
	limit := b.Max
	if limit <= 0 {
		limit = maxTraceTotal
	}
	if b.kept.Add(int64(n)) > limit {
		b.kept.Add(-int64(n))
		return false
	}
	return true
}

// Redactor removes secrets from anything that is written down.
type Redactor struct {
	mu      sync.Mutex
	secrets []string
}

// Add registers a literal value (a client secret) to remove wherever it appears.
func (r *Redactor) Add(secret string) {
	if len(secret) < 4 {
		return
	}
	r.mu.Lock()
	r.secrets = append(r.secrets, secret, url.QueryEscape(secret))
	r.mu.Unlock()
}

const redacted = "[REDACTED]"

var (
	jwtRE         = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	secretFieldRE = regexp.MustCompile(`(?i)("?(?:client_secret|client_assertion|access_token|refresh_token|id_token|password|device_code|user_code|code_verifier)"?\s*[:=]\s*"?)([^"&\s,}]+)`)
	// An authorization code travels only in forms and query strings; in JSON
	// "code" is an error code (Forbidden, TooManyRequests) support needs.
	authCodeRE = regexp.MustCompile(`(?i)((?:^|[?&])code=)([^&\s#"\\]+)`)
)

// String redacts s: registered secrets, JWTs, and the values of secret-named
// fields in JSON, forms and query strings.
func (r *Redactor) String(s string) string {
	if r != nil {
		r.mu.Lock()
		for _, sec := range r.secrets {
			s = strings.ReplaceAll(s, sec, redacted)
		}
		r.mu.Unlock()
	}
	s = jwtRE.ReplaceAllString(s, redacted)
	s = authCodeRE.ReplaceAllString(s, "${1}"+redacted)
	return secretFieldRE.ReplaceAllString(s, "${1}"+redacted)
}

var secretHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Set-Cookie": true, "Proxy-Authorization": true}

func (r *Redactor) headers(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if secretHeaders[http.CanonicalHeaderKey(k)] {
			out[k] = redacted
			continue
		}
		out[k] = r.String(strings.Join(v, ", "))
	}
	return out
}

// Tracer is an http.RoundTripper that records every exchange, redacted, and
// hands it to OnExchange. Debug logs and support reports are built on it.
// It holds at most maxTracedBody of a reply: the rest streams to the caller.
type Tracer struct {
	Base       http.RoundTripper
	Redactor   *Redactor
	OnExchange func(Exchange)
	Now        func() time.Time
	// Budget bounds the bodies kept over a run; nil: this Tracer's own.
	Budget *TraceBudget
	own    TraceBudget
}

func (t *Tracer) budget() *TraceBudget {
	if t.Budget != nil {
		return t.Budget
	}
	return &t.own
}

// RoundTrip implements http.RoundTripper.
func (t *Tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	now := t.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	ex := Exchange{Time: start, Method: req.Method, URL: t.Redactor.String(req.URL.String()), RequestHeaders: t.Redactor.headers(req.Header)}
	if req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			raw, _ := io.ReadAll(io.LimitReader(b, maxTracedBody))
			b.Close()
			if t.budget().take(len(raw)) {
				ex.RequestBody = t.Redactor.String(string(raw))
			}
		}
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	ex.DurationMS = now().Sub(start).Milliseconds()
	if err != nil {
		ex.Error = t.Redactor.String(err.Error())
		t.emit(ex)
		return resp, err
	}
	// The trace keeps the first maxTracedBody bytes; the caller reads them
	// again, then the rest straight from the connection, so a huge reply is
	// never held here (the engine bounds what it reads).
	kept, rerr := io.ReadAll(io.LimitReader(resp.Body, maxTracedBody+1))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(kept), resp.Body), resp.Body}
	if rerr != nil {
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(kept), errReader{rerr}), resp.Body}
		ex.Error = t.Redactor.String(rerr.Error())
	}
	ex.Status = resp.StatusCode
	ex.ResponseHeaders = t.Redactor.headers(resp.Header)
	if len(kept) > maxTracedBody {
		kept, ex.Truncated = kept[:maxTracedBody], true
	}
	// Past the run's budget, bodies are noted, not kept.
	if !t.budget().take(len(kept)) {
		kept, ex.Truncated = nil, true
	}
	ex.ResponseBody = t.Redactor.String(string(kept))
	t.emit(ex)
	return resp, nil
}

// readCloser reads from one reader and closes another: the trace's copy of a
// body's start, then the body itself.
type readCloser struct {
	io.Reader
	io.Closer
}

func (t *Tracer) emit(ex Exchange) {
	if t.OnExchange != nil {
		t.OnExchange(ex)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
