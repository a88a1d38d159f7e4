package defender

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// tenantMetadata answers MSAL's request for a tenant's OpenID configuration
// without a round trip. MSAL fetches that document before a tenant's first
// token only to learn where to post for it, and Entra ID's v2.0 token
// endpoint is fixed per cloud: "POST /{tenant}/oauth2/v2.0/token", the
// tenant "in GUID or domain-name format" ("Microsoft identity platform and
// the OAuth 2.0 client credentials flow", first case). Answered here, the
// token request starts at once, beside the engine's own discovery, which
// still proves the tenant exists in this cloud: a tenant's critical path is
// two replies (discovery and the token together, then the data calls), not
// three, and nine requests, not ten. An unknown tenant is refused by the
// token endpoint with the same AADSTS90002 discovery would have given.
type tenantMetadata struct {
	base  http.RoundTripper
	login *url.URL
}

// withTenantMetadata is c with MSAL's metadata requests to cloud's login
// host answered locally (see tenantMetadata).
func withTenantMetadata(c *http.Client, cloud Cloud) *http.Client {
	login, err := url.Parse(cloud.LoginURL)
	if err != nil || login.Host == "" {
		return c
	}
	out := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = tenantMetadata{base: base, login: login}
	return &out
}

// metadataPath is the tail of the document's path after /{tenant}.
const metadataPath = "/v2.0/.well-known/openid-configuration"

func (m tenantMetadata) RoundTrip(req *http.Request) (*http.Response, error) {
	tenant, ok := m.tenantOf(req)
	if !ok {
		return m.base.RoundTrip(req)
	}
	body := metadataDocument(m.login, tenant)
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Content-Length": {strconv.Itoa(len(body))}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// tenantOf reports whether req asks the login host for a tenant's OpenID
// configuration, and for which tenant. The tenant is what the engine gave
// MSAL (WithTenantID): a GUID or a domain, already checked by ParseTenant.
func (m tenantMetadata) tenantOf(req *http.Request) (string, bool) {
	if req.Method != http.MethodGet || !sameOrigin(req.URL, m.login) {
		return "", false
	}
	rest, ok := strings.CutSuffix(req.URL.Path, metadataPath)
	tenant := strings.TrimPrefix(rest, "/")
	if !ok || tenant == "" || strings.Contains(tenant, "/") {
		return "", false
	}
	if t, err := ParseTenant(tenant); err != nil || t != strings.ToLower(tenant) {
		return "", false
	}
	return tenant, true
}

// metadataDocument is the part of the OpenID configuration MSAL reads: the
// token and authorization endpoints and the issuer, whose host MSAL compares
// with the authority's (ValidateIssuerMatchesAuthority).
func metadataDocument(login *url.URL, tenant string) []byte {
	base := login.Scheme + "://" + login.Host + "/" + url.PathEscape(tenant)
	b, _ := json.Marshal(struct {
		TokenEndpoint         string `json:"token_endpoint"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		Issuer                string `json:"issuer"`
	}{base + "/oauth2/v2.0/token", base + "/oauth2/v2.0/authorize", base + "/v2.0"})
	return b
}

// CloseIdleConnections passes on to the base transport.
func (m tenantMetadata) CloseIdleConnections() {
	if c, ok := m.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
