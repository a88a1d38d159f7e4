package defender

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/paratira/mdeconnect/defender/problem"
)

// maxRedirects matches net/http's default: more is a loop.
const maxRedirects = 10

// checkRedirect follows a redirect only to the origin (scheme, host and
// port) the request was first sent to. Every request the engine sends
// carries a credential: a token request the client secret in its body (a
// 307 or 308 sends the body again), an API request its bearer token (which
// net/http keeps on a redirect to another port, and to http). Microsoft
// documents fixed endpoints, no redirect: "The service base URI is:
// https://api.security.microsoft.com", regional servers being ones "you can
// use", not ones it sends you to ("Supported Microsoft Defender for Endpoint
// APIs"); the token endpoint is the one discovery names. A redirect elsewhere
// is a proxy, a portal or an attack. Nothing that worked breaks: net/http
// already dropped the bearer on a redirect to another host.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("stopped after 10 redirects")
	}
	from := via[0].URL
	if !sameOrigin(from, req.URL) {
		return &Error{Problem: problem.ServiceError,
			Msg: fmt.Sprintf("Microsoft redirected the request to %s elsewhere (to %s); refused: mdeconnect follows no redirect to another scheme, host or port, since the request carries credentials",
				origin(from), origin(req.URL))}
	}
	return nil
}

// sameOrigin compares scheme, host and port, the default port made explicit.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// origin is scheme://host[:port] of u, bounded: the host came from a server.
func origin(u *url.URL) string {
	return clipField(strings.ToLower(u.Scheme)+"://"+u.Host, 256)
}
