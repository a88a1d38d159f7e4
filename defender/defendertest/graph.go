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

// healthOverviews is a tenant's service health list. Graph's "List
// healthOverviews" returns one serviceHealth per service a tenant
// subscribes to, {service, status, id}; these names and ids are those seen
// in tenants (community evidence). Defender for Endpoint has no entry of its
// own: its incidents are posted under Microsoft Defender XDR.
func healthOverviews(f healthFault) []healthOverview {
	xdr, mcas := "serviceOperational", "serviceOperational"
	switch f {
	case healthXDRClosedMCAS:
		xdr, mcas = "serviceRestored", "serviceDegradation"
	case healthXDRIncident:
		xdr = "serviceDegradation"
	}
	return []healthOverview{
		{"Exchange Online", "serviceOperational", "Exchange"},
		{"Microsoft Entra", "serviceOperational", "AzureActiveDirectory"},
		{"Microsoft 365 suite", "serviceOperational", "OSDPPlatform"},
		{"Microsoft 365 Apps", "serviceOperational", "O365Client"},
		{"Microsoft Defender XDR", xdr, "Microsoft365Defender"},
		{"Microsoft Defender for Cloud Apps", mcas, "cloudappsecurity"},
		{"Microsoft Forms", "serviceOperational", "Forms"},
		{"Microsoft Intune", "serviceOperational", "Intune"},
		{"Microsoft Teams", "serviceOperational", "microsoftteams"},
		{"OneDrive for Business", "serviceOperational", "OneDriveForBusiness"},
		{"Planner", "serviceOperational", "Planner"},
		{"Power BI", "serviceOperational", "PowerBIcom"},
		{"SharePoint Online", "serviceOperational", "SharePoint"},
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
		collection{Context: "https://graph.microsoft.com/v1.0/$metadata#admin/serviceAnnouncement/healthOverviews", Value: healthOverviews(t.scenario.health)})
}
