package defendertest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// aadError is Entra ID's error body (PROTOCOL §2).
type aadError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

// aadsts is one Entra ID failure: HTTP status, error, AADSTS number, message.
type aadsts struct {
	status  int
	err     string
	code    int
	message string
}

func errTenantNotFound(tenant string) aadsts {
	return aadsts{http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant)}
}

func errTenantMalformed(tenant string) aadsts {
	return aadsts{http.StatusBadRequest, "invalid_request", 900023, fmt.Sprintf("Specified tenant identifier '%s' is neither a valid DNS name, nor a valid external domain.", tenant)}
}

func errMissingParam(name string) aadsts {
	return aadsts{http.StatusBadRequest, "invalid_request", 900144, fmt.Sprintf("The request body must contain the following parameter: '%s'.", name)}
}

func errAppNotInTenant(clientID, tenant string) aadsts {
	return aadsts{http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant)}
}

// errSPMissing is a multi-tenant app without an enterprise application in
// the tenant; the text and invalid_client/401 as seen in public reports
// (Azure/Commercial-Marketplace-SaaS-Accelerator#830). Entra ID blocks such
// sign-ins since March 2026 ("Deprecation of service principal-less
// authentication").
func errSPMissing(clientID, tenantID string) aadsts {
	return aadsts{http.StatusUnauthorized, "invalid_client", 7000229, fmt.Sprintf("The client application %s is missing service principal in the tenant %s. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119", clientID, tenantID)}
}

// errCrossCloud is a confidential client asking one cloud's token endpoint
// for a tenant of another ("Confidential Client isn't supported in Cross
// Cloud request", reference-error-codes; the 400/invalid_request shape as
// seen in public reports).
func errCrossCloud(code int) aadsts {
	return aadsts{http.StatusBadRequest, "invalid_request", code, "Confidential Client is not supported in Cross Cloud request."}
}

func errSecretInvalid(clientID string) aadsts {
	return aadsts{http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID)}
}

func errSecretMissing() aadsts {
	return aadsts{http.StatusUnauthorized, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type."}
}

func errSecretExpired(clientID string) aadsts {
	return aadsts{http.StatusUnauthorized, "invalid_client", 7000222, fmt.Sprintf("The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", clientID)}
}

func errNoResourcePrincipal(resource, tenant string) aadsts {
	return aadsts{http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", resource, tenant)}
}

func errConditionalAccess() aadsts {
	return aadsts{http.StatusBadRequest, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."}
}

func errAppDisabled(clientID string) aadsts {
	return aadsts{http.StatusBadRequest, "unauthorized_client", 7000112, fmt.Sprintf("Application '%s'(Paratira) is disabled.", clientID)}
}

// DocumentedErrors lists the AADSTS codes a Scenario's TokenError and
// ConsentError can play, each in the words Microsoft documents for it.
func DocumentedErrors() []int {
	return []int{90002, 900023, 90038, 900432, 900382, 700016, 7000229, 65001, 7000215, 7000216, 7000222,
		500011, 650052, 53003, 7000112, 65004, 90094, 50020, 90072, 1003031}
}

// documented is Entra ID's answer with code for app clientID and tenant s.
// Texts are the "Microsoft Entra authentication and authorization error
// codes" page's, or the text seen in public reports where the page has none.
func documented(code int, clientID string, s Scenario) aadsts {
	switch code {
	case 90002:
		return errTenantNotFound(s.Domain)
	case 900023:
		return errTenantMalformed(s.Domain)
	case 90038:
		return aadsts{http.StatusBadRequest, "invalid_request", 90038, fmt.Sprintf("The specified tenant '%s' belongs to the National Cloud 'USGovernment'. Current cloud instance 'Prod' does not federate with USGovernment.", s.TenantID)}
	case 900432, 900382:
		return errCrossCloud(code)
	case 700016:
		return errAppNotInTenant(clientID, s.Domain)
	case 7000229:
		return errSPMissing(clientID, s.TenantID)
	case 65001:
		return aadsts{http.StatusBadRequest, "invalid_grant", 65001, fmt.Sprintf("The user or administrator has not consented to use the application with ID '%s' named 'Paratira'. Send an interactive authorization request for this user and resource.", clientID)}
	case 7000215:
		return errSecretInvalid(clientID)
	case 7000216:
		return errSecretMissing()
	case 7000222:
		return errSecretExpired(clientID)
	case 500011:
		return errNoResourcePrincipal(DefenderResource, s.Domain)
	case 650052:
		return aadsts{http.StatusBadRequest, "invalid_resource", 650052, fmt.Sprintf("The app needs access to a service (\"%s\") that your organization \"%s\" has not subscribed to or enabled. Contact your IT Admin to review the configuration of your service subscriptions.", DefenderResource, s.TenantID)}
	case 53003:
		return errConditionalAccess()
	case 7000112:
		return errAppDisabled(clientID)
	case 65004:
		return errDeclined()
	case 90094:
		return errAdminRequired()
	case 50020:
		return aadsts{http.StatusBadRequest, "access_denied", 50020, fmt.Sprintf("User account 'admin@fabrikam.example' from identity provider 'https://sts.windows.net/%s/' does not exist in tenant '%s' and cannot access the application '%s'(Paratira) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.", newGUID(), s.Domain, clientID)}
	case 90072:
		return aadsts{http.StatusBadRequest, "access_denied", 90072, fmt.Sprintf("User account 'admin@fabrikam.example' from identity provider 'live.com' does not exist in tenant '%s' and cannot access the application '%s'(Paratira) in that tenant. The account needs to be added as an external user in the tenant first.", s.Domain, clientID)}
	case 1003031:
		// UNCONFIRMED wording: the code's public text is "Misconfigured required resource access".
		return aadsts{http.StatusBadRequest, "access_denied", 1003031, "Misconfigured required resource access in client application. Contact the application vendor."}
	}
	return aadsts{http.StatusBadRequest, "invalid_request", code, "An error occurred."}
}

// errDeclined is the admin consent page's Cancel: "User declined to consent
// to access the app" (UserDeclinedConsent).
func errDeclined() aadsts {
	return aadsts{http.StatusBadRequest, "access_denied", 65004, "User declined to consent to access the app."}
}

// errAdminRequired is AdminConsentRequired, in the words Entra ID sends.
func errAdminRequired() aadsts {
	return aadsts{http.StatusBadRequest, "access_denied", 90094, "The grant requires admin permission."}
}

func errGrantType(grant string) aadsts {
	return aadsts{http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant)}
}

func errScopeNotDefault(scope string) aadsts {
	return aadsts{http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)}
}

func errScopeInvalid(scope string) aadsts {
	return aadsts{http.StatusBadRequest, "invalid_scope", 70011, fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", scope)}
}

// errTenantIndependent answers a client-credentials request on /organizations
// or /common. UNCONFIRMED: Entra's exact code for this case.
func errTenantIndependent(tenant string) aadsts {
	return aadsts{http.StatusBadRequest, "invalid_request", 900023, fmt.Sprintf("Specified tenant identifier '%s' is not valid for the client credentials grant: use a tenant ID or a verified domain.", tenant)}
}

// writeAAD answers e in Entra ID's format, reusing the client's request ID
// (MSAL sends client-request-id) as correlation ID like Entra does.
func (c *Cloud) writeAAD(w http.ResponseWriter, r *http.Request, e aadsts) {
	trace, corr := newGUID(), r.Header.Get("client-request-id")
	if corr == "" {
		corr = newGUID()
	}
	ts := time.Now().UTC().Format("2006-01-02 15:04:05Z")
	body := aadError{
		Error: e.err,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			e.code, e.message, trace, corr, ts),
		ErrorCodes:    []int{e.code},
		Timestamp:     ts,
		TraceID:       trace,
		CorrelationID: corr,
		ErrorURI:      c.LoginURL + "/error?code=" + strconv.Itoa(e.code),
	}
	w.Header().Set("x-ms-request-id", trace)
	w.Header().Set("client-request-id", corr)
	writeJSON(w, e.status, "application/json; charset=utf-8", body)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeBody(w, status, contentType, b)
}

// writeBody answers status with a JSON body b.
func writeBody(w http.ResponseWriter, status int, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	w.Write(b)
}

// newGUID is a random version 4 UUID for trace and correlation IDs.
func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var g [36]byte
	hex.Encode(g[0:8], b[0:4])
	g[8] = '-'
	hex.Encode(g[9:13], b[4:6])
	g[13] = '-'
	hex.Encode(g[14:18], b[6:8])
	g[18] = '-'
	hex.Encode(g[19:23], b[8:10])
	g[23] = '-'
	hex.Encode(g[24:36], b[10:16])
	return string(g[:])
}
