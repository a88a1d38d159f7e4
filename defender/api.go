package defender

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"

	"github.com/paratira/mdeconnect/internal/num"

	"github.com/paratira/mdeconnect/defender/problem"
)

// listing is what a bounded list fetch returned.
type listing[T any] struct {
	Items []T
	// Truncated is true when more pages existed than were fetched.
	Truncated bool
	Pages     int
}

// fetchList GETs an OData list and follows @odata.nextLink up to maxPages,
// so a check stays fast on a tenant with a hundred thousand devices. All its
// pages together hold at most maxListItems items in maxListBytes: a hostile
// or broken server cannot make a check count millions of empty objects.
// Each page is decoded as it arrives (see scanner), never held whole.
func fetchList[T any, P listItem[T]](ctx context.Context, g getter, base, path string, token bearer, maxPages int) (listing[T], error) {
	var out listing[T]
	var read int64
	next := base + path
	for next != "" {
		if out.Pages == maxPages {
			out.Truncated = true
			break
		}
		left := int64(maxListBytes) - read
		var (
			items []T
			link  string
			full  bool
			bad   error // the JSON was refused
		)
		var n int64
		var head []byte
		r, err := fetchStream(ctx, g, next, token, min(maxBody, left), func(body io.Reader) error {
			// A retried page starts over.
			s := newScanner(body)
			defer s.done()
			items, link, full, bad = decodePage[T, P](s, maxListItems-len(out.Items))
			n, head = s.n, s.head
			if bad != nil && s.readErr() != nil {
				return s.readErr() // not bad JSON: the connection failed or the reply went past its bound
			}
			return nil
		})
		var tl *tooLarge
		if errors.As(err, &tl) && tl.limit < maxBody {
			return out, listTooLong(path, out.Pages+1, sizeLabel(maxListBytes), len(out.Items), out.Pages, read)
		}
		if err != nil {
			return out, err
		}
		read += n
		if bad != nil {
			r.Body = head
			return out, unexpectedReply(r, "JSON from "+hostOf(next))
		}
		out.Items = append(out.Items, items...)
		out.Pages++
		if full {
			return out, listTooLong(path, out.Pages, num.Thousands(maxListItems)+" items", len(out.Items), out.Pages, read)
		}
		next = link
		if next != "" && !trustedNext(next, base) {
			return out, &Error{Problem: problem.ServiceError,
				Msg: fmt.Sprintf("the API's next page points to another host (%s): refusing to send the token there", clipField(hostOf(next), 256))}
		}
	}
	return out, nil
}

// listTooLong says what a check counted when its list went past a bound on
// page: items from pages, read bytes in all.
func listTooLong(path string, page int, bound string, items, pages int, read int64) *Error {
	of := "pages"
	if pages == 1 {
		of = "page"
	}
	return &Error{Problem: problem.ServiceError,
		Msg: fmt.Sprintf("the list %s went past %s on page %d (%s items counted from %d %s, %s read); refused: Microsoft sends far less for this check",
			pathOf(path), bound, page, num.Thousands(items), pages, of, sizeLabel(read))}
}

// listItem is an entry of an OData list, read field by field in one pass
// (see scanner): field reads the value of key, when key is one of the
// item's fields, and reports whether it was. Keys compare ignoring case, as
// encoding/json's do.
type listItem[T any] interface {
	*T
	field(s *scanner, key []byte) (bool, error)
}

// decodePage reads an OData page, keeping at most room items; full is true
// when the page held more. Only the fields a check reads are decoded, every
// string clipped to maxField, so a 10 MB service name does not become a
// 10 MB message; the rest is checked and skipped.
func decodePage[T any, P listItem[T]](s *scanner, room int) (items []T, next string, full bool, err error) {
	if err := s.expect('{'); err != nil {
		return nil, "", false, err
	}
	for more := s.peek() != '}'; more; {
		key, err := s.key()
		if err != nil {
			return nil, "", false, err
		}
		switch {
		case bytes.EqualFold(key, keyValue):
			if items, full, err = decodeItems[T, P](s, items, room); err != nil || full {
				return items, "", full, err
			}
		case bytes.EqualFold(key, keyNextLink):
			if next, err = s.strWhole(); err != nil {
				return nil, "", false, err
			}
		default:
			if err := s.skip(); err != nil {
				return nil, "", false, err
			}
		}
		if more, err = s.more('}'); err != nil {
			return nil, "", false, err
		}
	}
	return items, next, false, s.expect('}')
}

var (
	keyValue    = []byte("value")
	keyNextLink = []byte("@odata.nextLink")
)

// decodeItems appends the items of a JSON array (or null) to items.
func decodeItems[T any, P listItem[T]](s *scanner, items []T, room int) ([]T, bool, error) {
	if s.peek() == 'n' {
		return items, false, s.literal("null")
	}
	if err := s.expect('['); err != nil {
		return items, false, err
	}
	for more := s.peek() != ']'; more; {
		if len(items) >= room {
			return items, true, nil
		}
		var v T
		if err := decodeItem[T, P](s, &v); err != nil {
			return items, false, err
		}
		items = append(items, v)
		var err error
		if more, err = s.more(']'); err != nil {
			return items, false, err
		}
	}
	return items, false, s.expect(']')
}

// decodeItem reads one object (or null, as the zero item) into v.
func decodeItem[T any, P listItem[T]](s *scanner, v *T) error {
	if s.peek() == 'n' {
		return s.literal("null")
	}
	if err := s.expect('{'); err != nil {
		return err
	}
	s.depth = 1
	defer func() { s.depth = 0 }()
	for more := s.peek() != '}'; more; {
		key, err := s.key()
		if err != nil {
			return err
		}
		known, err := P(v).field(s, key)
		if err != nil {
			return err
		}
		if !known {
			if err := s.skip(); err != nil {
				return err
			}
		}
		if more, err = s.more('}'); err != nil {
			return err
		}
	}
	return s.expect('}')
}

// clipStrings bounds every string in v (fields, slices, nested structs) to maxField.
func clipStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() && v.Len() > maxField {
			v.SetString(clipField(v.String(), maxField))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			clipStrings(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			clipStrings(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			clipStrings(v.Elem())
		}
	}
}

// bearer returns the access token to send; it re-acquires one that has
// expired or is about to, so a long run outlives its tokens.
type bearer func(ctx context.Context) (string, error)

// fetchJSON GETs url and decodes its JSON body into v, classifying failures.
func fetchJSON(ctx context.Context, g getter, u string, token bearer, v any) error {
	r, err := fetchReply(ctx, g, u, token, maxBody)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return unexpectedReply(r, "JSON from "+hostOf(u))
	}
	clipStrings(reflect.ValueOf(v))
	return nil
}

// fetchReply GETs url and returns its 2xx reply of at most limit bytes; any
// other outcome is a classified error. A 401 is retried once when a fresh
// token differs from the one refused.
func fetchReply(ctx context.Context, g getter, u string, token bearer, limit int64) (reply, error) {
	return fetchStream(ctx, g, u, token, limit, nil)
}

// fetchStream is fetchReply handing a 2xx reply's body to consume (see
// getter.getStream) instead of returning it.
func fetchStream(ctx context.Context, g getter, u string, token bearer, limit int64, consume func(io.Reader) error) (reply, error) {
	var sent string
	sending := func(ctx context.Context) (string, error) {
		t, err := token(ctx)
		sent = t
		return t, err
	}
	r, err := g.getStream(ctx, u, sending, limit, consume)
	if err == nil && r.Status == 401 {
		if again, terr := token(ctx); terr == nil && again != sent {
			r, err = g.getStream(ctx, u, sending, limit, consume)
		}
	}
	var te *tokenError
	var e *Error
	var held *heldBack
	switch {
	case errors.As(err, &te):
		return r, te.err
	case errors.As(err, &e):
		// A refused redirect, a reply past its limit: already explained.
		return r, e
	case errors.As(err, &held):
		// Not sent: the tenant's calls to this API would go over its limit.
		return r, held.asError(u)
	case err != nil:
		return r, networkError(err, hostOf(u))
	case r.Status < 200 || r.Status > 299:
		return r, apiReplyError(r)
	}
	return r, nil
}

// apiReplyError classifies a Defender API or Graph error reply.
func apiReplyError(r reply) *Error {
	e, ok := ParseAPIError(r.Body)
	clipStrings(reflect.ValueOf(&e).Elem())
	if !ok {
		if r.Status == 429 || r.Status == 404 {
			e = APIError{Code: fmt.Sprint(r.Status)}
		} else {
			return withStatusProblem(unexpectedReply(r, "a reply"), r)
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
		switch p := e.Permissions(); {
		case len(p) > 0:
			msg = fmt.Sprintf("%s was refused: the app lacks %s", pathOf(r.URL), strings.Join(p, " or "))
		case isGraph(r.URL):
			msg = fmt.Sprintf("%s was refused (HTTP 403 %s: %s): the app lacks the Microsoft Graph permission ServiceHealth.Read.All, which only a Global Administrator or Privileged Role Administrator can grant",
				pathOf(r.URL), e.Code, firstLine(e.Message))
		default:
			msg = fmt.Sprintf("%s was refused (HTTP 403 %s: %s): the token is valid but lacks a permission this API needs", pathOf(r.URL), e.Code, firstLine(e.Message))
		}
	case problem.ConsentMissing:
		// The token was issued moments ago (and a 401 is retried once with
		// a new one), so an expired token is unlikely.
		msg = fmt.Sprintf("%s refused the token Entra ID had just issued (HTTP 401 %s): this usually means the token is for another API or cloud than the one called "+
			"(check the chosen cloud and any API URL override), or that consent was removed minutes ago", pathOf(r.URL), firstLine(e.Message))
	}
	return &Error{Problem: code, Msg: msg, Diag: d}
}

// withStatusProblem classifies a reply whose body is no API error: a 401 or
// 403 means what its status says ("Common Microsoft Defender for Endpoint
// API errors"), unless the body is an HTML page, which is a proxy's or a
// captive portal's and stays an unexpected reply.
func withStatusProblem(e *Error, r reply) *Error {
	if isHTML(r) {
		return e
	}
	switch r.Status {
	case 401:
		e.Problem = problem.ConsentMissing
		e.Msg = fmt.Sprintf("%s refused the token (HTTP 401 without an error body)", pathOf(r.URL))
	case 403:
		e.Problem = problem.InsufficientPermissions
		e.Msg = fmt.Sprintf("%s was refused (HTTP 403 without an error body): the token lacks a permission this API needs", pathOf(r.URL))
	}
	return e
}

// isGraph reports whether u is a Microsoft Graph call (its paths start with
// the API version).
func isGraph(u string) bool {
	p := pathOf(u)
	return strings.HasPrefix(p, "/v1.0/") || strings.HasPrefix(p, "/beta/")
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
