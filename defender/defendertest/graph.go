package defendertest

import (
	"net/http"
	"time"
)

// graphError is Microsoft Graph's error body.
type graphError struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			RequestID string `json:"request-id"`
			Date      string `json:"date"`
		} `json:"innerError"`
	} `json:"error"`
}

func writeGraphError(w http.ResponseWriter, status int, code, message string) {
	var e graphError
	e.Error.Code, e.Error.Message = code, message
	e.Error.InnerError.RequestID = newGUID()
	e.Error.InnerError.Date = time.Now().UTC().Format("2006-01-02T15:04:05")
	writeJSON(w, status, "application/json", e)
}

// healthOverview is one serviceHealth entity.
type healthOverview struct {
	Service string `json:"service"`
	Status  string `json:"status"`
	ID      string `json:"id"`
}

func healthOverviews() []healthOverview {
	return []healthOverview{
		{"Exchange Online", "serviceOperational", "Exchange"},
		{"Microsoft Entra", "serviceOperational", "AzureActiveDirectory"},
		{"Microsoft Defender for Endpoint", "serviceOperational", "MicrosoftDefenderATP"},
		{"Microsoft Defender XDR", "serviceOperational", "Microsoft365Defender"},
		{"Microsoft Intune", "serviceOperational", "Intune"},
		{"Microsoft Teams", "serviceOperational", "microsoftteams"},
		{"SharePoint Online", "serviceOperational", "SharePoint"},
		{"OneDrive for Business", "serviceOperational", "OneDriveForBusiness"},
		{"Microsoft 365 suite", "serviceOperational", "OSDPPlatform"},
	}
}

func (c *Cloud) graphHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1.0/admin/serviceAnnouncement/healthOverviews", c.serveHealthOverviews)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeGraphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource not found for the segment.")
	})
	return mux
}

func (c *Cloud) serveHealthOverviews(w http.ResponseWriter, r *http.Request) {
	tok, err := c.bearer(r, GraphResource)
	c.mu.Lock()
	t := c.tenant(tok.TID)
	c.mu.Unlock()
	if err != nil || t == nil {
		writeGraphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		return
	}
	if !c.attribute(r.Context(), t.scenario) {
		return
	}
	if !hasRole(tok.Roles, roleServiceHealthRead) {
		writeGraphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	writeJSON(w, http.StatusOK, "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
		collection{Context: "https://graph.microsoft.com/v1.0/$metadata#admin/serviceAnnouncement/healthOverviews", Value: healthOverviews()})
}
