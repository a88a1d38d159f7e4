package defender

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// RetryPolicy bounds how hard a request is retried. Every wait counts against
// Budget, so a run's worst case is known in advance.
type RetryPolicy struct {
	// Attempts is the most tries of one request, first included.
	Attempts int
	// BaseDelay is the first backoff after a 5xx or network fault; it doubles.
	BaseDelay time.Duration
	// Budget caps the total time of one request, its tries and waits together.
	Budget time.Duration
	// PerRequest caps a single try, so a hung server cannot hang a run.
	PerRequest time.Duration
}

// DefaultRetry suits interactive use: a throttled or flaky tenant recovers,
// a broken one fails within seconds.
var DefaultRetry = RetryPolicy{Attempts: 4, BaseDelay: 250 * time.Millisecond, Budget: 20 * time.Second, PerRequest: 20 * time.Second}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = DefaultRetry.Attempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultRetry.BaseDelay
	}
	if p.Budget <= 0 {
		p.Budget = DefaultRetry.Budget
	}
	if p.PerRequest <= 0 {
		p.PerRequest = DefaultRetry.PerRequest
	}
	return p
}

// reply is a completed HTTP exchange.
type reply struct {
	URL    string
	Status int
	Header http.Header
	Body   []byte
}

// getter sends GET requests with retries on 429, 5xx and network faults,
// through a guarded client (see guarded).
type getter struct {
	client *http.Client
	retry  RetryPolicy
}

// get fetches url with a fixed bearer token (if any); see getWith. Without a
// token it is a discovery request, whose reply is small.
func (g getter) get(ctx context.Context, url, token string) (reply, error) {
	if token == "" {
		return g.getLimited(ctx, url, nil, maxSmallReply)
	}
	return g.getWith(ctx, url, func(context.Context) (string, error) { return token, nil })
}

// getWith fetches an API url, asking token (nil for none) for the bearer
// before every try: a Retry-After wait can outlast the token it would resend.
// A non-2xx reply that is not worth retrying comes back as a reply, not an
// error; err is a network fault or cancellation after the retries, a
// *tokenError, or an *Error (a refused redirect, a reply past its limit).
func (g getter) getWith(ctx context.Context, url string, token bearer) (reply, error) {
	return g.getLimited(ctx, url, token, maxBody)
}

// getLimited is getWith with the reply bounded to limit bytes.
func (g getter) getLimited(ctx context.Context, url string, token bearer, limit int64) (reply, error) {
	return g.getStream(ctx, url, token, limit, nil)
}

// getStream is getLimited handing a 2xx reply's body to consume as it
// arrives, instead of reading it whole: the returned reply has no Body. An
// error consume returns is the reading's (a cut connection is retried);
// consume keeps what it decoded, and why it refused the JSON, itself.
func (g getter) getStream(ctx context.Context, url string, token bearer, limit int64, consume func(io.Reader) error) (reply, error) {
	p := g.retry.withDefaults()
	// spent is what the budget has paid: tries and waits, not the time a
	// token took, which is a request of its own with its own budget.
	var spent time.Duration
	delay := p.BaseDelay
	for attempt := 1; ; attempt++ {
		var tok string
		if token != nil {
			var err error
			if tok, err = token(ctx); err != nil {
				return reply{URL: url}, &tokenError{err}
			}
		}
		// The first try may take PerRequest (--timeout); a retry only what
		// is left of the budget.
		timeout := p.PerRequest
		if attempt > 1 {
			timeout = min(timeout, p.Budget-spent)
		}
		start := time.Now()
		r, err := g.once(ctx, url, tok, timeout, limit, consume)
		last := time.Since(start)
		spent += last
		wait, asked, retry := retryAfter(r, err, delay)
		if !retry || attempt >= p.Attempts || ctx.Err() != nil {
			return r, err
		}
		// The budget covers the whole request: another try as slow as this
		// one, after the wait, must fit in what is left.
		if spent+wait+last > p.Budget {
			return r, err
		}
		noteRetry(ctx, attempt, wait, r.Status, asked)
		if serr := sleep(ctx, wait); serr != nil {
			return r, serr
		}
		spent += wait
		delay *= 2
	}
}

// tokenError is a failure to get the bearer for a request, which is the
// token's problem (consent, secret), not the network's.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

func (g getter) once(ctx context.Context, url, token string, timeout time.Duration, limit int64, consume func(io.Reader) error) (reply, error) {
	ctx, cancel := context.WithTimeout(withReplyLimit(ctx, limit), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return reply{URL: url}, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := guarded(g.client).Do(req)
	if err != nil {
		return reply{URL: url}, err
	}
	defer resp.Body.Close()
	var body []byte
	if consume != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		err = consume(resp.Body)
	} else {
		body, err = readBody(resp)
	}
	r := reply{URL: url, Status: resp.StatusCode, Header: resp.Header, Body: body}
	var e *Error
	switch {
	case err == nil:
		return r, nil
	case errors.As(err, &e):
		return r, e
	case ctx.Err() != nil:
		// The try's time ran out mid-reply: the server was too slow, the
		// connection was not cut (or the user cancelled).
		return r, fmt.Errorf("reading the reply from %s: %w", req.URL.Host, ctx.Err())
	}
	return r, fmt.Errorf("%w (%s): %w", errCutReply, req.URL.Host, err)
}

// readBody reads a reply into a buffer sized by its Content-Length, when it
// has one (the guard has checked it against the limit), so a large page is
// not copied over and over as it grows.
func readBody(resp *http.Response) ([]byte, error) {
	buf := make([]byte, 0, max(512, resp.ContentLength+1))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := resp.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// errCutReply marks a reply whose body stopped before its end: the connection
// was reset by the server or by something in between.
var errCutReply = errors.New("the connection was cut while reading the reply")

// retryAfter decides whether a result is worth another try, and after how
// long; asked says the wait is the reply's Retry-After.
func retryAfter(r reply, err error, backoff time.Duration) (wait time.Duration, asked, retry bool) {
	if err != nil {
		// A try that timed out met a hung server: trying again only doubles
		// the wait. A refusal (*Error) would be refused again.
		var e *Error
		return backoff, false, !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &e)
	}
	switch r.Status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if s, perr := strconv.Atoi(r.Header.Get("Retry-After")); perr == nil && s >= 0 {
			return time.Duration(s) * time.Second, true, true
		}
		return backoff, false, true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return backoff, false, true
	}
	return 0, false, false
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

const userAgent = "mdeconnect"
