// Package defendertest is a fake Microsoft cloud for mdeconnect: Entra ID
// (discovery, client-credentials tokens, admin consent), the Defender for
// Endpoint API and Microsoft Graph, served over loopback TLS. Each tenant is a
// Scenario that provokes one problem the setup guide names, so tests, the
// wizard's --sandbox and `mdeconnect sandbox` meet the real wire formats
// (shared/PROTOCOL.md) without reaching Microsoft.
package defendertest

import (
	"slices"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/defender/problem"
)

// SandboxClientID is Paratira's real application (client) ID, which the fake accepts.
const SandboxClientID = "00e8252c-0847-49c6-95d9-c0045d19f13c"

// SandboxClientSecret is the only secret value the fake accepts by default.
const SandboxClientSecret = "Pq8Q~sBx3vKfTnW7yLr2mZcA9uEoHdJ5gN1iF-Xa"

// Audiences and scopes the login server knows.
const (
	DefenderResource       = "https://api.securitycenter.microsoft.com"
	DefenderResourceNewer  = "https://api.security.microsoft.com"
	GraphResource          = "https://graph.microsoft.com"
	resourceDefender       = "defender"
	resourceGraph          = "graph"
	resourceOther          = "other"
	roleMachineRead        = "Machine.Read.All"
	roleMachineReadWrite   = "Machine.ReadWrite.All"
	roleScoreRead          = "Score.Read.All"
	roleRecommendationRead = "SecurityRecommendation.Read.All"
	roleServiceHealthRead  = "ServiceHealth.Read.All"
)

// Scenario is one fake tenant and the behaviour it provokes. A Scenario built
// by hand (Options.Scenarios) behaves like healthy with exactly the roles and
// devices its fields give (zero means none); start from a built-in one and
// change fields to keep its fault.
type Scenario struct {
	Name        string // kebab-case, stable
	TenantID    string // fixed GUID, stable forever
	Domain      string // verified domain, resolves like the GUID
	Description string // one line for `mdeconnect sandbox --list`
	// Reproduces lists the problems a validation of this tenant reports.
	Reproduces []problem.Code
	// Region is the discovery document's tenant_region_scope ("NA", "EU",
	// "USGov").
	Region string
	// CloudInstance is the discovery document's cloud_instance_name; empty
	// means "microsoftonline.com", the global cloud's.
	CloudInstance string
	// RegionSubScope is tenant_region_sub_scope ("GCC", "DODCON" for GCC
	// High, "DOD"), empty for tenants outside US Government clouds.
	RegionSubScope string
	// TokenError, when set, is an AADSTS code every token request for this
	// tenant answers with, in Entra ID's documented wording (see
	// DocumentedErrors); ConsentError is one the consent page's Accept
	// redirects with. They let a test meet any documented failure.
	TokenError   int
	ConsentError int
	// DefenderRoles and GraphRoles are the roles claims of the tokens minted
	// for each resource once consent has propagated; empty omits the claim.
	DefenderRoles []string
	GraphRoles    []string
	// Devices is how many machines the Defender API lists.
	Devices int
	// ExtraLatency delays every reply attributable to this tenant.
	ExtraLatency time.Duration

	token   tokenFault
	api     apiFault
	consent consentFault
	health  healthFault
}

type tokenFault int

// Token endpoint behaviours; each names the AADSTS answer it provokes.
const (
	tokenOK             tokenFault = iota
	tokenNoTenant                  // 90002 everywhere: the tenant does not exist
	tokenSecretInvalid             // 7000215 whatever the secret
	tokenSecretExpired             // 7000222 for the right secret
	tokenNoDefender                // 500011 for the Defender resource only
	tokenBlockedByCA               // 53003
	tokenAppDisabled               // 7000112
	tokenRolesLag                  // first 2 tokens per resource carry no roles
	tokenConsentRevokes            // the enterprise app is deleted after 2 Defender tokens: 7000229
	tokenCrossCloud                // 900382: the tenant is in another cloud
	tokenOpaque                    // tokens are not JWTs (JWE-shaped), accepted by the APIs
)

type apiFault int

// Defender API behaviours.
const (
	apiOK             apiFault = iota
	apiUnlicensed              // 403 DisabledFeature on scores and recommendations
	apiThrottledTwice          // first 2 requests per path: 429, Retry-After 1
	apiThrottled               // every request: 429, Retry-After 2
	apiFlaky                   // first request per path: 503
	apiGarbled                 // /api/machines: 200 text/html
	apiReset                   // /api/machines: connection closed mid-body
	apiHung                    // /api/deviceavinfo: no answer until the client gives up
	apiBareForbidden           // /api/recommendations: 403 Forbidden naming no permission
)

type healthFault int

// Service health answers (Graph healthOverviews).
const (
	healthOK            healthFault = iota
	healthXDRClosedMCAS             // Defender XDR serviceRestored, Defender for Cloud Apps serviceDegradation
	healthXDRIncident               // Defender XDR serviceDegradation
)

type consentFault int

const (
	consentOK       consentFault = iota
	consentAbsent                // never consented: 700016 until the consent page is accepted
	consentAbsentSP              // no service principal: 7000229 until the consent page is accepted
	consentNonAdmin              // accepting redirects with AADSTS90094
)

// DefenderReadRoles are the read-only Defender roles Paratira's app requests.
func DefenderReadRoles() []string {
	return []string{roleMachineRead, roleScoreRead, roleRecommendationRead}
}

// GraphReadRoles are the read-only Graph roles Paratira's app requests.
func GraphReadRoles() []string { return []string{roleServiceHealthRead} }

// Lookup finds a built-in scenario by name, tenant ID or domain (case-insensitive).
func Lookup(nameOrTenantOrDomain string) (Scenario, bool) {
	return lookupIn(Scenarios(), nameOrTenantOrDomain)
}

func lookupIn(list []Scenario, key string) (Scenario, bool) {
	i := slices.IndexFunc(list, func(s Scenario) bool {
		return strings.EqualFold(s.Name, key) || strings.EqualFold(s.TenantID, key) || strings.EqualFold(s.Domain, key)
	})
	if i < 0 {
		return Scenario{}, false
	}
	return list[i], true
}

// hasRole reports whether roles holds any of want.
func hasRole(roles []string, want ...string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(want, r) })
}
