package defender

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/paratira/mdeconnect/defender/problem"
)

// Error is a failure classified into a problem code, with the wire facts
// support needs. Every engine failure a user sees is one of these.
type Error struct {
	Problem problem.Code
	// Msg is one line saying what happened, in the user's terms.
	Msg  string
	Diag Diagnostics
	Err  error
	// SuggestedCloud is, for WrongCloud, the --cloud preset Entra ID places
	// the tenant in ("" when none fits or it is not known).
	SuggestedCloud string
}

func (e *Error) Error() string {
	if e.Msg != "" {
		return clean(e.Msg)
	}
	if e.Err != nil {
		return clean(e.Err.Error())
	}
	return e.Problem.Title()
}

func (e *Error) Unwrap() error { return e.Err }

// EntraError is the body Entra ID's token and discovery endpoints send on failure.
type EntraError struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	Timestamp     string `json:"timestamp"`
	ErrorURI      string `json:"error_uri"`
}

// ParseEntraError decodes an Entra ID error body; ok is false when the body
// is not one (HTML, empty, another shape).
func ParseEntraError(body []byte) (EntraError, bool) {
	var e EntraError
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return EntraError{}, false
	}
	if len(e.Codes) == 0 {
		e.Codes = aadstsInText(e.Description)
	}
	return e, true
}

var aadstsRE = regexp.MustCompile(`AADSTS(\d{4,8})`)

func aadstsInText(s string) []int {
	var codes []int
	for _, m := range aadstsRE.FindAllStringSubmatch(s, 4) {
		var n int
		if _, err := fmt.Sscan(m[1], &n); err == nil {
			codes = append(codes, n)
		}
	}
	return codes
}

// Diagnostics returns the support facts of e.
func (e EntraError) Diagnostics(status int) Diagnostics {
	return Diagnostics{HTTPStatus: status, Error: e.Error, ErrorDescription: firstLine(e.Description),
		AADSTS: e.Codes, TraceID: e.TraceID, CorrelationID: e.CorrelationID}
}

// APIError is the body the Defender API and Microsoft Graph send on failure.
type APIError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	Target     string `json:"target"`
	InnerError struct {
		RequestID       string `json:"request-id"`
		ClientRequestID string `json:"client-request-id"`
		Date            string `json:"date"`
	} `json:"innerError"`
}

// ParseAPIError decodes a Defender or Graph error body.
func ParseAPIError(body []byte) (APIError, bool) {
	var env struct {
		Error *APIError `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil || env.Error.Code == "" {
		return APIError{}, false
	}
	return *env.Error, true
}

var permissionRE = regexp.MustCompile(`\b[A-Z][A-Za-z]+(\.[A-Z][A-Za-z]+)*\.(Read|ReadWrite)(\.[A-Za-z]+)*\b`)

// Permissions lists the permission names an error message mentions.
func (e APIError) Permissions() []string { return permissionRE.FindAllString(e.Message, -1) }

// Classify maps an API error reply to a problem code. The Defender API's
// codes are those of "Common Microsoft Defender for Endpoint API errors"
// (common-errors); Graph's those of "Resolve Microsoft Graph authorization
// errors".
func (e APIError) Classify(status int) problem.Code {
	switch {
	// Defender: "Unauthorized (401): Unauthorized (invalid or expired
	// authorization header)"; Graph: InvalidAuthenticationToken. The token
	// was refused: see apiReplyError for what that usually means.
	case status == 401:
		return problem.ConsentMissing
	// "TooManyRequests (429): Response represents reaching quota limit".
	case status == 429 || strings.EqualFold(e.Code, "TooManyRequests"):
		return problem.Throttled
	// "DisabledFeature (403): Tenant feature isn't enabled": a licence.
	case status == 403 && strings.EqualFold(e.Code, "DisabledFeature"):
		return problem.LimitedData
	// "Forbidden (403): valid token but insufficient permission for the
	// action", whether or not the message names the permissions; on Graph
	// "most authorization errors are 403", whatever their code
	// (Authorization_RequestDenied and others).
	case status == 403:
		return problem.InsufficientPermissions
	// Defender's "List machines API": a 404 when no machine was seen
	// recently; other paths: "NotFound (404)". No data, not a failure.
	case status == 404:
		return problem.LimitedData
	default:
		return problem.ServiceError
	}
}

// Diagnostics returns the support facts of e.
func (e APIError) Diagnostics(status int) Diagnostics {
	d := Diagnostics{HTTPStatus: status, APICode: e.Code, ErrorDescription: firstLine(e.Message),
		RequestID: e.InnerError.RequestID, CorrelationID: e.Target}
	if d.RequestID == "" {
		d.RequestID = e.InnerError.ClientRequestID
	}
	return d
}

// firstLine keeps the sentence of a Microsoft error text: Entra appends
// "Trace ID: ... Correlation ID: ... Timestamp: ..." on new lines (or, through
// some proxies, on the same one), which Diagnostics keeps separately.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\r")
	s, _, _ = strings.Cut(s, "\n")
	s, _, _ = strings.Cut(s, " Trace ID:")
	return strings.TrimSpace(s)
}
