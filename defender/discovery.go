package defender

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/paratira/mdeconnect/defender/problem"
)

// TenantInfo is what OpenID discovery says about a tenant.
type TenantInfo struct {
	// Input is what was asked for: a GUID or a domain.
	Input string `json:"input"`
	// TenantID is the tenant's GUID.
	TenantID    string `json:"tenant_id"`
	Issuer      string `json:"issuer"`
	RegionScope string `json:"region_scope,omitempty"`
	// RegionSubScope is tenant_region_sub_scope: "GCC", "DODCON", "DOD" for
	// US Government tenants (community evidence), empty for most.
	RegionSubScope string `json:"region_sub_scope,omitempty"`
	CloudInstance  string `json:"cloud_instance,omitempty"`
}

type openIDConfig struct {
	Issuer                string `json:"issuer"`
	TokenEndpoint         string `json:"token_endpoint"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TenantRegionScope     string `json:"tenant_region_scope"`
	TenantRegionSubScope  string `json:"tenant_region_sub_scope"`
	CloudInstanceName     string `json:"cloud_instance_name"`
}

// discover resolves a tenant (GUID or domain) through OpenID discovery,
// which needs no sign-in: it proves the tenant exists in this cloud.
func discover(ctx context.Context, g getter, cloud Cloud, tenant string) (TenantInfo, error) {
	u := cloud.LoginURL + "/" + url.PathEscape(tenant) + "/v2.0/.well-known/openid-configuration"
	r, err := g.get(ctx, u, "")
	if err != nil {
		return TenantInfo{}, networkError(err, cloud.LoginURL)
	}
	if r.Status != 200 {
		return TenantInfo{}, entraReplyError(r, tenant, cloud)
	}
	var doc openIDConfig
	if err := json.Unmarshal(r.Body, &doc); err != nil || doc.Issuer == "" {
		return TenantInfo{}, unexpectedReply(r, "OpenID configuration")
	}
	tid := guidInText.FindString(doc.Issuer)
	if tid == "" {
		tid = guidInText.FindString(doc.TokenEndpoint)
	}
	if tid == "" {
		return TenantInfo{}, unexpectedReply(r, "OpenID configuration without a tenant ID")
	}
	return TenantInfo{Input: tenant, TenantID: strings.ToLower(tid), Issuer: doc.Issuer,
		RegionScope: doc.TenantRegionScope, RegionSubScope: doc.TenantRegionSubScope, CloudInstance: doc.CloudInstanceName}, nil
}

// entraReplyError classifies an Entra ID error reply from cloud.
func entraReplyError(r reply, tenant string, cloud Cloud) *Error {
	e, ok := ParseEntraError(r.Body)
	if !ok {
		return unexpectedReply(r, "Entra ID reply")
	}
	code := e.Classify()
	if r.Status == http.StatusTooManyRequests {
		// "Client and server throttling" (MSAL.NET docs): for the client
		// credentials grant, Entra ID replies "429 Too Many Requests, with
		// a Retry-After: 60 header" when it throttles the app, whatever the
		// AADSTS code in the body (often 50196, a request loop).
		code = problem.Throttled
	}
	d := e.Diagnostics(r.Status)
	d.URL = r.URL
	// The renderers put the problem's title in front; the message says what Entra said.
	return &Error{Problem: code, Msg: entraMessage(e, code, tenant, cloud), Diag: d}
}

func aadstsLabel(codes []int) string {
	if len(codes) == 0 {
		return "no AADSTS code"
	}
	return fmt.Sprintf("AADSTS%d", codes[0])
}

// unexpectedReply is a reply that is not what Microsoft sends: HTML from a
// proxy or captive portal, a truncated body, another shape.
func unexpectedReply(r reply, what string) *Error {
	kind := "an unreadable reply"
	if isHTML(r) {
		kind = "an HTML page (a proxy, captive portal or outage page?)"
	}
	return &Error{Problem: problem.ServiceError,
		Msg:  fmt.Sprintf("expected %s but got %s with HTTP %d", what, kind, r.Status),
		Diag: Diagnostics{HTTPStatus: r.Status, URL: r.URL}}
}

func isHTML(r reply) bool {
	return strings.Contains(r.Header.Get("Content-Type"), "html") || strings.HasPrefix(strings.TrimSpace(string(r.Body)), "<")
}

// networkError explains a failure to reach host in terms a user can act on.
func networkError(err error, host string) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	// The guarded client's own refusals (a redirect elsewhere, a reply over
	// its bound) are already classified: keep them.
	if e := new(Error); errors.As(err, &e) {
		return e
	}
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	var dnsErr *net.DNSError
	detail := oneLine(err.Error())
	msg := fmt.Sprintf("could not reach %s: %s", host, detail)
	switch {
	case errors.As(err, &ue), errors.As(err, &he), strings.Contains(err.Error(), "certificate"):
		msg = fmt.Sprintf("the TLS certificate of %s is not trusted here: behind a proxy doing TLS inspection, point SSL_CERT_FILE at its CA bundle (%s)", host, detail)
	case errors.Is(err, errCutReply):
		msg = fmt.Sprintf("the connection to %s was cut while reading its reply (reset by the server or a proxy): test again; if it keeps happening, check the proxy or firewall (%s)", host, detail)
	case errors.As(err, &dnsErr):
		msg = fmt.Sprintf("%s could not be resolved (DNS): check the network, or HTTPS_PROXY if you need a proxy (%s)", host, detail)
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout"):
		msg = fmt.Sprintf("%s did not answer in time: check the network or proxy, then test again", host)
	}
	return &Error{Problem: problem.NetworkError, Msg: msg, Err: err}
}

// oneLine folds a multi-line error (MSAL's wrap their causes on new lines)
// into one line for a check's message.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
