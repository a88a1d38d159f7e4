package defendertest

import (
	"crypto/rand"
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
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
