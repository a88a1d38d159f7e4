package defender

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/paratira/mdeconnect/defender/problem"
)

// page is the OData envelope the Defender API and Graph use for lists.
type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// listing is what a bounded list fetch returned.
type listing[T any] struct {
	Items []T
	// Truncated is true when more pages existed than were fetched.
	Truncated bool
	Pages     int
}

// fetchList GETs an OData list and follows @odata.nextLink up to maxPages,
// so a check stays fast on a tenant with a hundred thousand devices.
func fetchList[T any](ctx context.Context, g getter, base, path string, token bearer, maxPages int) (listing[T], error) {
	var out listing[T]
	next := base + path
	for next != "" {
		if out.Pages == maxPages {
			out.Truncated = true
			break
		}
		var p page[T]
		if err := fetchJSON(ctx, g, next, token, &p); err != nil {
			return out, err
		}
		out.Items = append(out.Items, p.Value...)
		out.Pages++
		next = p.NextLink
		if next != "" && !trustedNext(next, base) {
			return out, &Error{Problem: problem.ServiceError,
				Msg: fmt.Sprintf("the API's next page points to another host (%s): refusing to send the token there", hostOf(next))}
		}
	}
	return out, nil
}

// bearer returns the access token to send; it re-acquires one that has
// expired or is about to, so a long run outlives its tokens.
type bearer func(ctx context.Context) (string, error)

// fetchJSON GETs url and decodes its JSON body into v, classifying failures.
// A 401 is retried once when a fresh token differs from the one refused.
func fetchJSON(ctx context.Context, g getter, u string, token bearer, v any) error {
	var sent string
	sending := func(ctx context.Context) (string, error) {
		t, err := token(ctx)
		sent = t
		return t, err
	}
	r, err := g.getWith(ctx, u, sending)
	if err == nil && r.Status == 401 {
		if again, terr := token(ctx); terr == nil && again != sent {
			r, err = g.getWith(ctx, u, sending)
		}
	}
	var te *tokenError
	if errors.As(err, &te) {
		return te.err
	}
	if err != nil {
		return networkError(err, hostOf(u))
	}
	if r.Status < 200 || r.Status > 299 {
		return apiReplyError(r)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return unexpectedReply(r, "JSON from "+hostOf(u))
	}
	return nil
}

// apiReplyError classifies a Defender API or Graph error reply.
func apiReplyError(r reply) *Error {
	e, ok := ParseAPIError(r.Body)
	if !ok {
		if r.Status == 429 || r.Status == 404 {
			e = APIError{Code: fmt.Sprint(r.Status)}
		} else {
			return withStatusProblem(unexpectedReply(r, "a reply"), r.Status)
		}
	}
	code := e.Classify(r.Status)
	d := e.Diagnostics(r.Status)
	d.URL = r.URL
	msg := fmt.Sprintf("HTTP %d %s: %s", r.Status, e.Code, firstLine(e.Message))
	switch code {
	case problem.Throttled:
		msg = fmt.Sprintf("Microsoft throttled %s (HTTP 429) and the retry budget ran out", pathOf(r.URL))
		if ra := r.Header.Get("Retry-After"); ra != "" {
			msg += fmt.Sprintf("; it asked to wait %s s", ra)
		}
	case problem.InsufficientPermissions:
		if p := e.Permissions(); len(p) > 0 {
			msg = fmt.Sprintf("%s was refused: the app lacks %s", pathOf(r.URL), strings.Join(p, " or "))
		} else {
			msg = fmt.Sprintf("%s was refused: %s", pathOf(r.URL), firstLine(e.Message))
		}
	case problem.ConsentMissing:
		msg = fmt.Sprintf("%s refused the token (HTTP 401 %s)", pathOf(r.URL), firstLine(e.Message))
	}
	return &Error{Problem: code, Msg: msg, Diag: d}
}

func withStatusProblem(e *Error, status int) *Error {
	switch {
	case status == 401:
		e.Problem = problem.ConsentMissing
	case status == 403:
		e.Problem = problem.LimitedData
	}
	return e
}

func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Host
}

func pathOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Path
}

// trustedNext accepts a next page on the API's own origin or on a Microsoft
// host (regional APIs may link to the global one); never elsewhere, since the
// token goes with it.
func trustedNext(next, base string) bool {
	pn, err1 := url.Parse(next)
	pb, err2 := url.Parse(base)
	if err1 != nil || err2 != nil {
		return false
	}
	if pn.Scheme == pb.Scheme && strings.EqualFold(pn.Host, pb.Host) {
		return true
	}
	h := strings.ToLower(pn.Hostname())
	return pn.Scheme == "https" && (strings.HasSuffix(h, ".microsoft.com") || strings.HasSuffix(h, ".microsoft.us"))
}
