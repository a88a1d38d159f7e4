package defendertest

import (
	"net/http"
	"strings"
)

// Tenant path segments that name no tenant.
const (
	tenantOrganizations = "organizations"
	tenantCommon        = "common"
)

func (c *Cloud) loginHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", c.handleDiscovery)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", c.handleKeys)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", c.handleToken)
	mux.HandleFunc("GET /{tenant}/v2.0/adminconsent", c.handleConsentPage)
	mux.HandleFunc("GET /{tenant}/v2.0/adminconsent/decide", c.handleConsentDecision)
	return mux
}

// resolution is what a {tenant} path segment turned out to be.
type resolution int

const (
	resolvedTenant    resolution = iota // a tenant that exists
	resolvedMulti                       // organizations or common
	resolvedMalformed                   // neither a GUID nor a domain
	resolvedUnknown                     // well-formed, but no such tenant
)

// resolve maps a tenant GUID or domain to its scenario. A scenario whose
// tenant does not exist (tenant-not-found) resolves as unknown but is still
// returned, so its requests are attributed to it.
func (c *Cloud) resolve(id string) (Scenario, resolution) {
	switch {
	case strings.EqualFold(id, tenantOrganizations), strings.EqualFold(id, tenantCommon):
		return Scenario{}, resolvedMulti
	case !isGUID(id) && !isDomain(id):
		return Scenario{}, resolvedMalformed
	}
	s, ok := c.lookup(id)
	if !ok { // names never pass isGUID or isDomain, so s matched by ID or domain
		return Scenario{}, resolvedUnknown
	}
	if s.token == tokenNoTenant {
		return s, resolvedUnknown
	}
	return s, resolvedTenant
}

// lookup is lookupIn(c.opts.Scenarios, key) by the index of their names,
// IDs and domains (a fleet has thousands, each resolved for discovery and
// both tokens); a key the index misses is looked for as lookupIn does,
// which also matches case-insensitively beyond ASCII.
func (c *Cloud) lookup(key string) (Scenario, bool) {
	if i, ok := c.byKey[strings.ToLower(key)]; ok {
		return c.opts.Scenarios[i], true
	}
	return lookupIn(c.opts.Scenarios, key)
}

// scenarioIndex maps each scenario's name, tenant ID and domain, in lower
// case, to the first scenario in list that has it, as lookupIn finds it.
func scenarioIndex(list []Scenario) map[string]int {
	m := make(map[string]int, 3*len(list))
	for i, s := range list {
		for _, k := range []string{s.Name, s.TenantID, s.Domain} {
			if k = strings.ToLower(k); k != "" {
				if _, seen := m[k]; !seen {
					m[k] = i
				}
			}
		}
	}
	return m
}

// refuseTenant answers a tenant that does not exist or is malformed as Entra
// ID does (AADSTS90002, AADSTS900023) and reports whether it did.
func (c *Cloud) refuseTenant(w http.ResponseWriter, r *http.Request, res resolution, id string) bool {
	switch res {
	case resolvedMalformed:
		c.writeAAD(w, r, errTenantMalformed(id))
	case resolvedUnknown:
		c.writeAAD(w, r, errTenantNotFound(id))
	default:
		return false
	}
	return true
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if r != '-' {
				return false
			}
		case !strings.ContainsRune("0123456789abcdefABCDEF", r):
			return false
		}
	}
	return true
}

func isDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range strings.ToLower(l) {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return false
			}
		}
	}
	return true
}

// handleDiscovery serves the OpenID configuration (PROTOCOL §2).
func (c *Cloud) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("tenant")
	s, res := c.resolve(id)
	if s.TenantID != "" && !c.attribute(r.Context(), s) {
		return
	}
	if c.refuseTenant(w, r, res, id) {
		return
	}
	switch res {
	case resolvedMulti:
		writeJSON(w, http.StatusOK, "application/json; charset=utf-8", c.discovery(strings.ToLower(id), "{tenantid}", Scenario{}))
	default:
		writeJSON(w, http.StatusOK, "application/json; charset=utf-8", c.discovery(s.TenantID, s.TenantID, s))
	}
}

// discovery is the document for path tenant p whose issuer names tid, with
// the region and cloud facts of s (none for a multi-tenant path).
func (c *Cloud) discovery(p, tid string, s Scenario) map[string]any {
	base := c.LoginURL + "/" + p
	var region *string
	if s.TenantID != "" {
		region = &s.Region
	}
	instance := s.CloudInstance
	if instance == "" {
		instance = "microsoftonline.com"
	}
	doc := map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                c.LoginURL + "/" + tid + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     c.GraphURL + "/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"kerberos_endpoint":                     base + "/kerberos",
		"tenant_region_scope":                   region,
		"cloud_instance_name":                   instance,
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
		"rbac_url":                              "https://pas.windows.net",
	}
	if s.RegionSubScope != "" {
		doc["tenant_region_sub_scope"] = s.RegionSubScope
	}
	if instance == "microsoftonline.us" {
		doc["msgraph_host"] = "graph.microsoft.us"
		if s.RegionSubScope == "DOD" {
			doc["msgraph_host"] = "dod-graph.microsoft.us"
		}
	}
	return doc
}

func (c *Cloud) handleKeys(w http.ResponseWriter, r *http.Request) {
	sig, err := c.signer()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", sig.jwks(c.LoginURL+"/{tenantid}/v2.0"))
}
