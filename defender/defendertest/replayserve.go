package defendertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// ServeHTTP answers a request with its recorded reply.
func (r *Replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if !r.sleep(req, r.opts.Latency) {
		return
	}
	if req.Method == http.MethodPost {
		req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
		_ = req.ParseForm()
	}
	key := replayKey(req.Method, req.URL, bearerTenant(req), req.PostForm.Get("scope"))
	ex, ok := r.next(key, req.Method+" "+req.URL.Path)
	switch {
	case !ok:
		writeJSON(w, http.StatusNotFound, "application/json", map[string]string{"error": "replay_miss",
			"error_description": "the report recorded no reply to " + req.Method + " " + req.URL.Path})
	case ex.Error != "" && ex.Status == 0:
		r.failTransport(w, req, ex)
	case ex.Error != "":
		r.cutBody(w, ex)
	default:
		r.reply(w, req, ex)
	}
}

// reply writes a recorded reply with the recorded URLs rewritten to the replay's.
func (r *Replay) reply(w http.ResponseWriter, req *http.Request, ex RecordedExchange) {
	body := r.rewrite(ex.Body)
	if isTokenPath(req) && ex.Status == http.StatusOK {
		body = r.tokenBody(req, body)
	}
	body = restoreAPICode(ex.Status, body)
	r.headers(w, ex)
	w.WriteHeader(ex.Status)
	fmt.Fprint(w, body)
}

// headers copies the recorded reply's headers, minus those that describe a
// body or a connection this reply does not have.
func (r *Replay) headers(w http.ResponseWriter, ex RecordedExchange) {
	for k, v := range ex.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Content-Length", "Content-Encoding", "Transfer-Encoding", "Connection", "Set-Cookie", "Date":
			continue
		}
		w.Header().Set(k, r.rewrite(v))
	}
}

// rewrite points the recorded cloud's URLs at the replay.
func (r *Replay) rewrite(s string) string {
	for _, b := range r.rec.Bases {
		if b = strings.TrimRight(b, "/"); b != "" {
			s = strings.ReplaceAll(s, b, r.URL)
		}
	}
	return s
}

// failTransport plays a reply that never came: a timeout waits until the
// client gives up, anything else drops the connection.
func (r *Replay) failTransport(w http.ResponseWriter, req *http.Request, ex RecordedExchange) {
	msg := strings.ToLower(ex.Error)
	if strings.Contains(msg, "deadline") || strings.Contains(msg, "timeout") || strings.Contains(msg, "canceled") {
		select {
		case <-req.Context().Done():
		case <-r.done:
		}
		return
	}
	panic(http.ErrAbortHandler)
}

// cutBody plays a reply that broke off: the recorded start, then the
// connection closes before the promised length.
func (r *Replay) cutBody(w http.ResponseWriter, ex RecordedExchange) {
	body := r.rewrite(ex.Body)
	r.headers(w, ex)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)+1<<20))
	w.WriteHeader(ex.Status)
	fmt.Fprint(w, body)
	http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

func isTokenPath(req *http.Request) bool {
	return req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/oauth2/v2.0/token")
}

// tokenBody puts a fresh token into a successful token reply whose token was
// redacted, minted with the claims recorded for the tenant and resource.
func (r *Replay) tokenBody(req *http.Request, body string) string {
	var doc map[string]any
	if json.Unmarshal([]byte(body), &doc) != nil {
		return body
	}
	if tok, _ := doc["access_token"].(string); strings.Count(tok, ".") == 2 && strings.HasPrefix(tok, "eyJ") {
		return body
	}
	tenant := strings.ToLower(strings.Split(strings.Trim(req.URL.Path, "/"), "/")[0])
	// Sovereign clouds have other scopes than parseScope knows: Graph's name it.
	resource := resourceDefender
	if strings.Contains(strings.ToLower(req.PostForm.Get("scope")), "graph") {
		resource = resourceGraph
	}
	if !r.recordedClaims(tenant, resource) && len(r.rec.Claims) > 0 {
		// A report records the claims of every token it could read: a token
		// issued without them was opaque (not a JWT), and is replayed so.
		doc["access_token"] = "opaque-replayed-token-" + tenant
	} else {
		tok, err := r.signer.sign(r.claimsFor(tenant, resource, req.PostForm.Get("scope")))
		if err != nil {
			return body
		}
		doc["access_token"] = tok
	}
	r.restoreAdminSignIn(doc, req, tenant) // an admin's sign-in (doctor_replay.go)
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return string(out)
}

// recordedClaims reports whether the recording has the claims of a token
// of tenant for resource.
func (r *Replay) recordedClaims(tenant, resource string) bool {
	for k, byRes := range r.rec.Claims {
		if _, ok := byRes[resource]; ok && strings.EqualFold(k, tenant) {
			return true
		}
	}
	return false
}

// claimsFor is the recorded token's claims, made current: same lifetime,
// starting now.
func (r *Replay) claimsFor(tenant, resource, scope string) claims {
	var tc TokenClaims
	for k, byRes := range r.rec.Claims {
		if strings.EqualFold(k, tenant) {
			tc = byRes[resource]
		}
	}
	if tc.TID == "" {
		tc = TokenClaims{TID: tenant, Aud: audience(scope, resource), Iss: "https://sts.windows.net/" + tenant + "/",
			AppID: SandboxClientID, AppIDAcr: "1", Ver: "1.0", IDTyp: "app"}
	}
	now := time.Now()
	life := time.Hour
	if tc.Exp > tc.Iat && tc.Iat > 0 {
		life = time.Duration(tc.Exp-tc.Iat) * time.Second
	}
	return claims{Aud: tc.Aud, Iss: tc.Iss, Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(life).Unix(),
		AppID: tc.AppID, AppIDAcr: tc.AppIDAcr, IDTyp: tc.IDTyp, OID: tc.OID, Roles: tc.Roles,
		Sub: tc.OID, TID: tc.TID, Ver: tc.Ver}
}

// bearerTenant is the tid claim of the request's bearer token, unverified.
func bearerTenant(req *http.Request) string {
	scheme, tok, ok := strings.Cut(req.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return ""
	}
	var c struct {
		TID string `json:"tid"`
	}
	if decodePart(parts[1], &c) != nil {
		return ""
	}
	return c.TID
}

var redactedCodeRE = regexp.MustCompile(`("code"\s*:\s*")\[REDACTED\](")`)

// restoreAPICode puts back an API error code that reports from early builds
// redacted (their tracer took JSON "code" for an OAuth code), from what the
// reply says, since the checks classify on it. Current reports keep codes.
func restoreAPICode(status int, body string) string {
	if !redactedCodeRE.MatchString(body) {
		return body
	}
	code := map[int]string{400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
		429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}[status]
	switch {
	case strings.Contains(body, "Insufficient privileges"):
		code = "Authorization_RequestDenied"
	case strings.Contains(body, "Tenant feature is not enabled"):
		code = "DisabledFeature"
	case strings.Contains(body, "Access token validation failure"):
		code = "InvalidAuthenticationToken"
	}
	if code == "" {
		return body
	}
	return redactedCodeRE.ReplaceAllString(body, "${1}"+code+"${2}")
}
