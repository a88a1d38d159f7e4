package defender

import (
	"fmt"
	"slices"

	"github.com/paratira/mdeconnect/defender/problem"
)

// An Entra ID error is classified on its AADSTS codes first, then on its
// OAuth error word. Microsoft, "Microsoft Entra authentication and
// authorization error codes" (reference-error-codes), warns that codes and
// texts change and that `error` is what to react to; the codes are kept
// because the words alone cannot tell a wrong secret from a missing service
// principal. Every rule names its source: the code's documented name and
// text on that page unless said otherwise.
var entraProblems = map[int]problem.Code{
	// InvalidTenantName: "The tenant name wasn't found in the data store".
	90002: problem.TenantNotFound,
	// "Specified tenant identifier ... is neither a valid DNS name, nor a
	// valid external domain" (the text Entra ID sends with 900023).
	900023: problem.TenantNotFound,
	// NationalCloudTenantRedirection: "The specified tenant 'Y' belongs to
	// the National Cloud 'X'. Current cloud instance 'Z' does not federate with X."
	90038: problem.WrongCloud,
	// "Confidential Client isn't supported in Cross Cloud request."
	900432: problem.WrongCloud, 900382: problem.WrongCloud,
	// UnauthorizedClient_DoesNotMatchRequest: "The application wasn't found
	// in the directory/tenant ... not been installed by the administrator of
	// the tenant or consented to by any user in the tenant".
	700016: problem.ConsentMissing,
	// "The client application ... is missing service principal in the
	// tenant" (invalid_client, HTTP 401; not on the reference page). Entra ID
	// blocks multi-tenant apps without an enterprise application in the
	// resource tenant since March 2026 ("Deprecation of service
	// principal-less authentication"): consent never given, or the
	// enterprise app deleted. Not a secret problem.
	7000229: problem.ConsentMissing,
	// DelegationDoesNotExist: "The user or administrator hasn't consented to
	// use the application".
	65001: problem.ConsentMissing,
	// "Invalid client secret is provided."
	7000215: problem.InvalidClientSecret,
	// No secret sent: "'client_assertion', 'client_secret' or 'request' is
	// required for the 'client_credentials' grant type" (7000216), and
	// "The request body must contain the following parameter:
	// 'client_assertion' or 'client_secret'" (7000218).
	7000216: problem.InvalidClientSecret, 7000218: problem.InvalidClientSecret,
	// InvalidClientSecretExpiredKeysProvided: "The provided client secret keys are expired."
	7000222: problem.ClientSecretExpired,
	// InvalidResourceServicePrincipalNotFound: "The resource principal named
	// {name} wasn't found in the tenant".
	500011: problem.DefenderNotProvisioned,
	// "The app needs access to a service ... that your organization ...
	// hasn't subscribed to or enabled."
	650052: problem.DefenderNotProvisioned,
	// BlockedByConditionalAccess: "Access has been blocked by Conditional
	// Access policies. The access policy does not allow token issuance."
	53003: problem.ConditionalAccessBlocked,
	// UnauthorizedClientApplicationDisabled: "The application is disabled."
	7000112: problem.AppDisabled,
	// UserDeclinedConsent: "User declined to consent to access the app"; also
	// the documented admin consent failure ("Admin consent" page, v2.0:
	// error=consent_required, "AADSTS65004: The resource owner or
	// authorization server denied the request").
	65004: problem.ConsentRejected,
	// AdminConsentRequired: "Administrator consent is required."
	90094: problem.InsufficientPermissions,
	// TokenForItselfRequiresGraphPermission: "The user or administrator
	// hasn't consented to use the application."
	90008: problem.InsufficientPermissions,
	// UserUnauthorized: "User account ... from identity provider ... does not
	// exist in tenant ... and cannot access the application": the approver
	// signed in with an account of another directory.
	50020: problem.InsufficientPermissions,
	// PassThroughUserMfaError: "The external account that the user signs in
	// with doesn't exist on the tenant that they signed into".
	90072: problem.InsufficientPermissions,
	// "Misconfigured required resource access" (public AADSTS text; not on
	// the reference page): Paratira's app registration lists a permission
	// Entra ID cannot grant. Neither the admin nor the tenant can fix it, so
	// it is a service error whose message sends the admin to Paratira support.
	1003031: problem.ServiceError,
}

// entraErrorWords is the fallback when no code is known: codes change, the
// error words less so. The meanings are the reference page's `error` table.
var entraErrorWords = map[string]problem.Code{
	// "invalid_tenant" is what Entra ID sends with AADSTS90002.
	"invalid_tenant": problem.TenantNotFound,
	// "The authenticated client isn't authorized to use this authorization
	// grant type ... usually occurs when the client application isn't
	// registered in Microsoft Entra ID or isn't added to the user's tenant."
	"unauthorized_client": problem.ConsentMissing,
	// "The target resource is invalid because it doesn't exist, Microsoft
	// Entra ID can't find it, or it's not correctly configured."
	"invalid_resource": problem.DefenderNotProvisioned,
	// Admin consent redirect ("Admin consent" pages): access_denied (observed
	// with AADSTS65004), and permission_denied, the v1.0 page's cancel.
	"access_denied":     problem.ConsentRejected,
	"permission_denied": problem.ConsentRejected,
	// "consent_required" without a code: consent is still to be given.
	"consent_required": problem.ConsentMissing,
	// "invalid_client" is only "Client authentication failed": it says
	// nothing about which credential, so it never claims a bad secret
	// (7000215, 7000216, 7000222 above do). It stays a service error whose
	// message says client authentication failed.
	"invalid_client": problem.ServiceError,
}

// Classify maps an Entra error to a problem code.
func (e EntraError) Classify() problem.Code {
	for _, c := range e.Codes {
		if p, ok := entraProblems[c]; ok {
			return p
		}
	}
	if p, ok := entraErrorWords[e.Error]; ok {
		return p
	}
	return problem.ServiceError
}

// entraMessage says in the user's terms what an Entra ID error means; the
// renderers put the problem's title in front of it.
func entraMessage(e EntraError, code problem.Code, tenant string, cloud Cloud) string {
	label, desc := aadstsLabel(e.Codes), firstLine(e.Description)
	switch {
	case code == problem.TenantNotFound:
		return fmt.Sprintf("Entra ID does not know %q in %s (%s)", tenant, cloudPhrase(cloud), label)
	case code == problem.WrongCloud:
		return fmt.Sprintf("Entra ID says tenant %q belongs to another Microsoft cloud than %s (%s: %s)", tenant, cloudPhrase(cloud), label, desc)
	case hasCode(e, 7000229):
		return fmt.Sprintf("Paratira's app has no enterprise application (service principal) in tenant %s (%s): admin consent was never given there, or the enterprise application was deleted", tenant, label)
	case hasCode(e, 700016):
		return fmt.Sprintf("Entra ID does not find Paratira's app in tenant %s (%s): admin consent was never given there or was revoked, the tenant is not the one consented, or the client ID is not Paratira's app in this cloud", tenant, label)
	case hasCode(e, 1003031):
		return fmt.Sprintf("Paratira's app registration is misconfigured (%s: %s). Nothing in your tenant causes this: contact Paratira support with this message", label, desc)
	case hasCode(e, 50020), hasCode(e, 90072):
		return fmt.Sprintf("the account that signed in is not a member of this tenant (%s: a guest, a personal account or a user of another directory): sign in with an administrator account of the tenant itself", label)
	case e.Error == "invalid_client" && code == problem.ServiceError:
		return fmt.Sprintf("Entra ID refused the app's sign-in (invalid_client: client authentication failed, %s): %s", label, desc)
	}
	return desc
}

func hasCode(e EntraError, code int) bool { return slices.Contains(e.Codes, code) }

func cloudPhrase(c Cloud) string {
	if c.Name == "" {
		return "this cloud"
	}
	return "the " + c.Name + " cloud"
}
