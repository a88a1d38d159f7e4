package defendertest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// odataJSON is the Defender API's content type.
const odataJSON = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"

// endpoint is one Defender API resource and the application roles it accepts.
type endpoint struct {
	path     string
	roles    []string
	licensed bool // needs the licence an unlicensed tenant lacks
	serve    func(w http.ResponseWriter, r *http.Request, s Scenario)
}

func (c *Cloud) apiHandler() http.Handler {
	mux := http.NewServeMux()
	for _, e := range []endpoint{
		{"/api/machines", []string{roleMachineReadWrite, roleMachineRead}, false, c.serveMachines},
		// "Export device antivirus health report": Machine.Read.All is its
		// only documented application permission.
		{"/api/deviceavinfo", []string{roleMachineRead}, false, c.serveAVInfo},
		{"/api/exposureScore", []string{roleScoreRead}, true, c.serveExposureScore},
		{"/api/configurationScore", []string{roleScoreRead}, true, c.serveConfigurationScore},
		{"/api/recommendations", []string{roleRecommendationRead}, true, c.serveRecommendations},
	} {
		mux.HandleFunc("GET "+e.path, c.defender(e))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeDefenderError(w, http.StatusNotFound, "NotFound", "Resource not found.")
	})
	return mux
}

// defender authenticates a request, plays the tenant's faults and enforces roles.
func (c *Cloud) defender(e endpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, err := c.bearer(r, DefenderResource)
		if err != nil {
			writeDefenderError(w, http.StatusUnauthorized, "Unauthorized", "Invalid Authorization payload.")
			return
		}
		c.mu.Lock()
		t := c.tenant(tok.TID)
		c.mu.Unlock()
		if t == nil {
			writeDefenderError(w, http.StatusUnauthorized, "Unauthorized", "Invalid Authorization payload.")
			return
		}
		s := t.scenario
		if !c.attribute(r.Context(), s) || c.limited(w, r, s) || c.transient(w, r, s) {
			return
		}
		switch {
		case !hasRole(tok.Roles, e.roles...):
			writeDefenderError(w, http.StatusForbidden, "Forbidden", fmt.Sprintf(
				"The application does not have any of the required application permissions (%s) to access the resource.",
				strings.Join(e.roles, ", ")))
		case e.licensed && s.api == apiUnlicensed:
			writeDefenderError(w, http.StatusForbidden, "DisabledFeature", "Tenant feature is not enabled")
		case s.api == apiBareForbidden && e.path == "/api/recommendations":
			// "Forbidden (403): valid token but insufficient permission for
			// the action" ("Common ... API errors"), naming no permission.
			writeDefenderError(w, http.StatusForbidden, "Forbidden", "Forbidden")
		case !c.broken(w, r, s):
			e.serve(w, r, s)
		}
	}
}

// bearer verifies the request's access token for audience.
func (c *Cloud) bearer(r *http.Request, audience string) (claims, error) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return claims{}, errBadToken
	}
	tok = strings.TrimSpace(tok)
	if cl, ok, err := c.readOpaque(tok, time.Now(), audience); ok {
		return cl, err
	}
	sig, err := c.signer()
	if err != nil {
		return claims{}, err
	}
	return sig.verify(tok, time.Now(), audience)
}

// transient plays throttling and flakiness, which come before any check of
// the caller's rights; true means it answered.
func (c *Cloud) transient(w http.ResponseWriter, r *http.Request, s Scenario) bool {
	var n int
	if s.api == apiThrottledTwice || s.api == apiFlaky {
		n = c.hit(s.TenantID, r.URL.Path)
	}
	switch {
	case s.api == apiThrottled:
		writeThrottled(w, 2)
	case s.api == apiThrottledTwice && n <= 2:
		writeThrottled(w, 1)
	case s.api == apiFlaky && n <= 1:
		writeDefenderError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is temporarily unavailable. Please retry later.")
	default:
		return false
	}
	return true
}

func writeThrottled(w http.ResponseWriter, seconds int) {
	w.Header().Set("Retry-After", fmt.Sprint(seconds))
	writeDefenderError(w, http.StatusTooManyRequests, "TooManyRequests",
		fmt.Sprintf("Rate limit is exceeded. Try again in %d seconds.", seconds))
}

// broken plays the faults of specific paths; true means it answered (or never will).
func (c *Cloud) broken(w http.ResponseWriter, r *http.Request, s Scenario) bool {
	switch {
	case s.api == apiGarbled && r.URL.Path == "/api/machines":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<html><head><title>Service unavailable</title></head><body><h1>Service unavailable</h1><p>The service is temporarily unavailable. Please try again later.</p></body></html>")
	case s.api == apiReset && r.URL.Path == "/api/machines":
		resetMidBody(w)
	case s.api == apiHung && r.URL.Path == "/api/deviceavinfo":
		select {
		case <-r.Context().Done():
		case <-c.done:
		}
	default:
		return false
	}
	return true
}

// resetMidBody promises a long body, sends its start, and drops the connection.
func resetMidBody(w http.ResponseWriter) {
	const start = `{"@odata.context":"https://api.security.microsoft.com/api/$metadata#Machines","value":[{"id":"`
	if conn, buf, err := http.NewResponseController(w).Hijack(); err == nil {
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: 1048576\r\n\r\n%s", odataJSON, start)
		buf.Flush()
		conn.Close()
		return
	}
	// HTTP/2 cannot be hijacked: abort the stream instead.
	w.Header().Set("Content-Type", odataJSON)
	w.Header().Set("Content-Length", "1048576")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, start)
	http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// defenderError is the Defender API's error body (PROTOCOL §5).
type defenderError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Target  string `json:"target"`
	} `json:"error"`
}

func writeDefenderError(w http.ResponseWriter, status int, code, message string) {
	var e defenderError
	e.Error.Code, e.Error.Message, e.Error.Target = code, message, newGUID()
	writeJSON(w, status, "application/json; charset=utf-8", e)
}
