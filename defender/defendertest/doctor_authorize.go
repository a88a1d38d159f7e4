package defendertest

import (
	"crypto/sha256"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The authorization code flow with PKCE ("Microsoft identity platform and
// OAuth 2.0 authorization code flow"): GET /{tenant}/oauth2/v2.0/authorize
// shows a sign-in page; its Accept link plays the admin signing in and
// answers the redirect URI with code and state. MSAL Go asks for
// response_mode=form_post (its loopback listener takes POST only), so the
// answer is Entra ID's auto-submitting form; response_mode=query redirects.

var signInPage = template.Must(template.New("signin").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head>
<body>
<h1>Sign in</h1>
<p>{{.Client}} (application {{.ClientID}}) asks to read this organization's directory on your behalf:</p>
<ul>{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<p>Sign in as <strong>{{.User}}</strong>, an administrator of {{.Domain}}:
<a id="accept" href="{{.Accept}}">Accept</a> <a id="cancel" href="{{.Cancel}}">Cancel</a></p>
</body></html>
`))

// formPost is Entra ID's response_mode=form_post answer: a form the browser
// posts to the redirect URI, by script or by its Submit button.
var formPost = template.Must(template.New("formpost").Parse(`<!DOCTYPE html>
<html><head><title>Working...</title></head>
<body><form method="POST" name="hiddenform" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}" />
{{end}}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript>
</form><script language="javascript">document.forms[0].submit();</script></body></html>
`))

type formField struct{ Name, Value string }

// authorizeRequest is a validated authorization request.
type authorizeRequest struct {
	tenant                             Scenario
	clientID, redirectURI, scope       string
	state, challenge, mode, pathTenant string
}

// parseAuthorize checks an authorization request as Entra ID would, in its
// order: tenant, client, redirect URI, then the request's shape. It answers
// the failures itself.
func (c *Cloud) parseAuthorize(w http.ResponseWriter, r *http.Request) (authorizeRequest, bool) {
	id := r.PathValue("tenant")
	s, res := c.resolve(id)
	if s.TenantID != "" && !c.attribute(r.Context(), s) {
		return authorizeRequest{}, false
	}
	q := r.URL.Query()
	ar := authorizeRequest{tenant: s, clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"), scope: q.Get("scope"),
		state: q.Get("state"), challenge: q.Get("code_challenge"), mode: q.Get("response_mode"), pathTenant: id}
	if e, failed := c.signInRefusal(res, id, s, ar.clientID); failed {
		c.writeAAD(w, r, e)
		return ar, false
	}
	switch {
	case !validRedirect(ar.redirectURI):
		c.writeAAD(w, r, aadsts{http.StatusBadRequest, "invalid_request", 50011,
			"The redirect URI '" + ar.redirectURI + "' specified in the request does not match the redirect URIs configured for the application."})
	case q.Get("response_type") != "code":
		c.writeAAD(w, r, aadsts{http.StatusBadRequest, "unsupported_response_type", 900144, "The request body must contain the following parameter: 'response_type' with the value 'code'."})
	case ar.challenge == "" || q.Get("code_challenge_method") != "S256":
		// The fake insists on PKCE with S256, which MSAL always sends.
		c.writeAAD(w, r, aadsts{http.StatusBadRequest, "invalid_request", 501491, "Must have a code_challenge with code_challenge_method S256 (PKCE)."})
	default:
		return ar, true
	}
	return ar, false
}

// signInRefusal is how Entra ID refuses an admin's sign-in before any
// credential: a tenant that does not exist, one in another cloud, a client
// the tenant does not know.
func (c *Cloud) signInRefusal(res resolution, id string, s Scenario, clientID string) (aadsts, bool) {
	switch {
	case res == resolvedMalformed:
		return errTenantMalformed(id), true
	case res == resolvedUnknown:
		return errTenantNotFound(id), true
	case res == resolvedMulti:
		// Entra ID would let the admin pick an account; the fake's admins
		// each belong to one tenant, so it asks for that tenant.
		return aadsts{http.StatusBadRequest, "invalid_request", 900023,
			"The sandbox signs an admin in to one tenant: use its tenant ID or a verified domain, not '" + id + "'."}, true
	case s.token == tokenCrossCloud:
		return documented(90038, clientID, s), true
	case clientID != AdminClientID:
		return errAppNotInTenant(clientID, s.Domain), true
	}
	return aadsts{}, false
}

func (c *Cloud) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ar, ok := c.parseAuthorize(w, r)
	if !ok {
		return
	}
	decide := func(accept string) string {
		q := r.URL.Query()
		q.Set("accept", accept)
		return c.LoginURL + "/" + url.PathEscape(ar.pathTenant) + "/oauth2/v2.0/authorize/decide?" + q.Encode()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	signInPage.Execute(w, struct {
		Client, ClientID, User, Domain, Accept, Cancel string
		Scopes                                         []string
	}{"Microsoft Graph Command Line Tools", ar.clientID, adminOf(ar.tenant).upn, ar.tenant.Domain, decide("1"), decide("0"),
		delegatedScopes(ar.scope)})
}

// handleAuthorizeDecision plays the admin's click: a code, or
// access_denied, sent back the way response_mode asks.
func (c *Cloud) handleAuthorizeDecision(w http.ResponseWriter, r *http.Request) {
	ar, ok := c.parseAuthorize(w, r)
	if !ok {
		return
	}
	v := url.Values{}
	if r.URL.Query().Get("accept") == "1" {
		code := "1.A" + b64([]byte(newGUID()+newGUID()))
		c.doctor.mu.Lock()
		if c.doctor.codes == nil {
			c.doctor.codes = map[string]*codeGrant{}
		}
		c.doctor.codes[code] = &codeGrant{tenant: ar.tenant, clientID: ar.clientID, redirectURI: ar.redirectURI,
			challenge: ar.challenge, scope: ar.scope, expires: time.Now().Add(authCodeLifetime)}
		c.doctor.codeRequests++
		c.doctor.mu.Unlock()
		v.Set("code", code)
		v.Set("client_info", clientInfo(adminOf(ar.tenant), ar.tenant.TenantID))
	} else {
		e := errDeclined()
		v.Set("error", e.err)
		v.Set("error_description", "AADSTS65004: "+e.message)
	}
	v.Set("state", ar.state)
	v.Set("session_state", newGUID())
	if ar.mode != "form_post" {
		sep := "?"
		if strings.Contains(ar.redirectURI, "?") {
			sep = "&"
		}
		http.Redirect(w, r, ar.redirectURI+sep+v.Encode(), http.StatusFound)
		return
	}
	var fields []formField
	for _, k := range []string{"code", "client_info", "error", "error_description", "state", "session_state"} {
		if v.Has(k) {
			fields = append(fields, formField{k, v.Get(k)})
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	formPost.Execute(w, struct {
		Action string
		Fields []formField
	}{ar.redirectURI, fields})
}

// redeemAuthCode is the authorization_code grant: the code once, by the
// client it was issued to, with the same redirect URI and the PKCE verifier
// whose S256 hash is the challenge.
func (c *Cloud) redeemAuthCode(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	c.doctor.mu.Lock()
	g := c.doctor.codes[f.Get("code")]
	var e *aadsts
	switch {
	case g == nil || g.redeemed:
		e = &aadsts{http.StatusBadRequest, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."}
	case time.Now().After(g.expires):
		e = &aadsts{http.StatusBadRequest, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."}
	case f.Get("client_id") != g.clientID:
		e = &aadsts{http.StatusBadRequest, "invalid_grant", 70000, "Provided grant is invalid or malformed."}
	case f.Get("redirect_uri") != g.redirectURI:
		e = &aadsts{http.StatusBadRequest, "invalid_grant", 500112, "The reply address '" + f.Get("redirect_uri") + "' does not match the reply address '" + g.redirectURI + "' provided when requesting Authorization code."}
	case pkceS256(f.Get("code_verifier")) != g.challenge:
		e = &aadsts{http.StatusBadRequest, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."}
	default:
		g.redeemed = true
	}
	c.doctor.mu.Unlock()
	if e != nil {
		c.writeAAD(w, r, *e)
		return
	}
	c.writeDelegatedToken(w, r, g.tenant, g.clientID, g.scope)
}

// pkceS256 is BASE64URL(SHA256(verifier)), RFC 7636's S256 challenge.
func pkceS256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return b64(sum[:])
}
