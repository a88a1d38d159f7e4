// Package problem is the vocabulary of things that go wrong when onboarding a
// Defender for Endpoint connector: stable snake_case codes, the words the setup
// guide uses for them, and what to do next. The engine classifies failures into
// these codes, the fake cloud provokes them, and every front end renders them.
package problem

// Code is a stable, snake_case problem identifier. Codes appear in JSON output
// and reports, so they never change once released.
type Code string

// The problem codes, in the order the setup guide's troubleshooting section
// meets them.
const (
	None                     Code = ""
	TenantNotFound           Code = "tenant_not_found"
	ConsentMissing           Code = "consent_missing"
	ConsentRejected          Code = "consent_rejected"
	InsufficientPermissions  Code = "insufficient_permissions"
	InvalidClientSecret      Code = "invalid_client_secret"
	ClientSecretExpired      Code = "client_secret_expired"
	DefenderNotProvisioned   Code = "defender_not_provisioned"
	ConditionalAccessBlocked Code = "conditional_access_blocked"
	AppDisabled              Code = "app_disabled"
	LimitedData              Code = "limited_data"
	Throttled                Code = "throttled"
	NetworkError             Code = "network_error"
	ServiceError             Code = "service_error"
	ExcessPermissions        Code = "excess_permissions"
	// WrongCloud is a tenant that lives in another Microsoft cloud (global,
	// US Government) than the one mdeconnect was pointed at.
	WrongCloud Code = "wrong_cloud"
)

// ApproverRoles says who can grant the whole consent. Paratira's app holds a
// Microsoft Graph application permission; Microsoft's "Grant tenant-wide
// admin consent to an application" (Prerequisites) says Cloud Application
// Administrator and Application Administrator can grant any API permission
// except Microsoft Graph app roles, which need Privileged Role Administrator
// or Global Administrator. Front ends reuse this sentence where they explain
// consent.
const ApproverRoles = "The Microsoft Graph permission (ServiceHealth.Read.All) needs a Global Administrator or Privileged Role Administrator: " +
	"a Cloud Application Administrator or Application Administrator can grant the Defender for Endpoint permissions but not Microsoft Graph app roles."

// Info is what a user is told about a problem. Remedy is in the setup
// guide's words and names no command or flag: each front end adds how to do
// it there, from Action (a command line in cli/, a key in the wizard).
type Info struct {
	Code   Code   `json:"code"`
	Title  string `json:"title"`
	Remedy string `json:"remedy"`
	Action Action `json:"-"`
}

// Action is what a front end can offer to do about a problem.
type Action int

// The actions. A front end words each with real values (the tenant, the
// connector, the cloud Entra ID reported).
const (
	ActNone    Action = iota
	ActConsent        // grant admin consent again: the consent link
	ActTenant         // check the tenant ID or domain, and the cloud
	ActSecret         // replace the client secret
	ActCloud          // test in another Microsoft cloud
	ActReport         // send a support report to Paratira support
	ActSlower         // test fewer tenants at once
	ActNetwork        // check the proxy and the CA bundle
)

var catalogue = []Info{
	{TenantNotFound, "Tenant not found",
		"Verify you're logged into the correct Microsoft account for your tenant, and that the tenant ID or domain is typed correctly and belongs to the chosen Microsoft cloud.", ActTenant},
	{ConsentMissing, "Cannot access Microsoft Defender for Endpoint data",
		"The enterprise application consent may have expired or been revoked, or was never given in this tenant. Try reconnecting: grant admin consent again. " + ApproverRoles, ActConsent},
	{ConsentRejected, "Consent rejected",
		"Review the permissions again and ensure you understand what access is being granted (all of it is read-only), then approve the consent request.", ActConsent},
	{InsufficientPermissions, "Insufficient permissions",
		"Ensure you're using a Global Administrator, Cloud Application Administrator or Application Administrator account for the consent process, and grant consent again. " +
			ApproverRoles + " Roles can take a few minutes to appear after a fresh consent: re-test shortly.", ActConsent},
	{InvalidClientSecret, "Invalid client secret",
		"Check the client secret given to you by a Paratira admin. A common mistake is pasting the secret's ID instead of its value.", ActSecret},
	{ClientSecretExpired, "Client secret expired",
		"The client secret has expired. Ask a Paratira admin for a new secret, then replace the old one with it.", ActSecret},
	{DefenderNotProvisioned, "Microsoft Defender for Endpoint not provisioned",
		"Microsoft Defender for Endpoint is not licensed or set up in this tenant. Complete its onboarding in the Microsoft Defender portal, then test again.", ActNone},
	// Microsoft, "Conditional Access for workload identities": third-party
	// SaaS and multi-tenant apps are out of its scope, so there is no
	// workload-identity policy to exclude Paratira's app from.
	{ConditionalAccessBlocked, "Blocked by Conditional Access",
		"Entra ID refused to issue the token because a Conditional Access policy applied to this sign-in (AADSTS53003: the access policy does not allow token issuance). " +
			"Conditional Access for workload identities does not apply to multi-tenant apps such as Paratira's, so there is no such policy to exclude it from. " +
			"Ask your identity administrator to find this sign-in in Entra ID's sign-in logs (service principal sign-ins, by its correlation ID) to see which policy applied, " +
			"and send a support report to Paratira support.", ActReport},
	{AppDisabled, "Application disabled",
		"Paratira's enterprise application is disabled in this tenant. Enable it under Entra ID > Enterprise applications > Properties (Enabled for users to sign in).", ActNone},
	{LimitedData, "Limited data available",
		"Some advanced Defender for Endpoint features may require additional Microsoft licenses on your tenant; devices appear once they are onboarded.", ActNone},
	{Throttled, "Throttled by Microsoft",
		"Microsoft limits how often each Defender API may be called (for example 30 calls a minute to device antivirus data). Wait a minute and test again, or test fewer tenants at once.", ActSlower},
	{NetworkError, "Network error",
		"Microsoft could not be reached. Check your network, proxy (HTTPS_PROXY) and, behind TLS inspection, that the proxy's CA certificate is trusted.", ActNetwork},
	{ServiceError, "Microsoft service error",
		"Microsoft answered with an error or an unexpected reply. Test again in a few minutes; if it persists, send a support report to Paratira support.", ActReport},
	{ExcessPermissions, "More than read-only access granted",
		"Paratira needs read-only access only. Remove the extra application permissions from the enterprise application (Entra ID > Enterprise applications > Permissions) to follow least privilege.", ActNone},
	{WrongCloud, "Tenant is in another Microsoft cloud",
		"Test again in the Microsoft cloud the tenant belongs to (the message names the one Entra ID reports for it). " +
			"Some GCC tenants run Defender for Endpoint in the commercial cloud: for those, the global cloud is right.", ActCloud},
}

// Lookup returns what users are told about code. Unknown codes get the code
// itself as title, so a newer report still renders.
func Lookup(code Code) Info {
	for _, in := range catalogue {
		if in.Code == code {
			return in
		}
	}
	return Info{Code: code, Title: string(code)}
}

// Title is the short, user-facing name of code.
func (c Code) Title() string { return Lookup(c).Title }

// Remedy is what the user should do about code, in the guide's words.
func (c Code) Remedy() string { return Lookup(c).Remedy }

// Action is what a front end can offer to do about code.
func (c Code) Action() Action { return Lookup(c).Action }
