package defendertest

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// tokenResponse is a successful client-credentials answer (PROTOCOL §3).
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// tokenRequest resolves the tenant of a POST to an Entra ID endpoint, counts
// it, and parses its form (64 KB at most); an unreadable form is answered as
// Entra ID does, naming the parameter it looked for first.
func (c *Cloud) tokenRequest(w http.ResponseWriter, r *http.Request, id, first string) (Scenario, resolution, bool) {
	s, res := c.resolve(id)
	if s.TenantID != "" && !c.attribute(r.Context(), s) {
		return s, res, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.writeAAD(w, r, errMissingParam(first))
		return s, res, false
	}
	return s, res, true
}

// handleToken is the client-credentials token endpoint. Checks run in the
// order Entra ID appears to use: tenant, request shape, scope, the app in the
// tenant, its credential, the resource, then policy.
func (c *Cloud) handleToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("tenant")
	s, res, ok := c.tokenRequest(w, r, id, "grant_type")
	if !ok {
		return
	}
	resource, scopeErr := parseScope(r.PostForm.Get("scope"))
	if s.TenantID != "" {
		c.countToken(s.TenantID, resource)
	}
	if c.refuseTenant(w, r, res, id) {
		return
	}
	if res == resolvedMulti {
		c.writeAAD(w, r, errTenantIndependent(id))
		return
	}
	if e, failed := c.tokenFailure(r, s, resource, scopeErr); failed {
		c.writeAAD(w, r, e)
		return
	}
	c.writeToken(w, r, s, resource)
}

// tokenFailure decides whether a request for a known tenant fails, and how.
func (c *Cloud) tokenFailure(r *http.Request, s Scenario, resource string, scopeErr *aadsts) (aadsts, bool) {
	form := r.PostForm
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		clientID, secret = u, p
	}
	switch grant := form.Get("grant_type"); {
	case grant == "":
		return errMissingParam("grant_type"), true
	case grant != "client_credentials":
		return errGrantType(grant), true
	case scopeErr != nil:
		return *scopeErr, true
	case clientID == "":
		return errMissingParam("client_id"), true
	case s.token == tokenCrossCloud:
		return errCrossCloud(900382), true
	case s.TokenError != 0:
		return documented(s.TokenError, clientID, s), true
	case clientID != c.opts.ClientID:
		// An app this cloud does not know at all, such as a global app's ID
		// in Azure Government.
		return errAppNotInTenant(clientID, s.Domain), true
	case !c.consented(s.TenantID):
		if s.consent == consentAbsentSP || s.token == tokenConsentRevokes {
			return errSPMissing(clientID, s.TenantID), true
		}
		return errAppNotInTenant(clientID, s.Domain), true
	case s.token == tokenAppDisabled:
		return errAppDisabled(clientID), true
	case secret == "":
		return errSecretMissing(), true
	case s.token == tokenSecretInvalid || subtle.ConstantTimeCompare([]byte(secret), []byte(c.opts.ClientSecret)) != 1:
		return errSecretInvalid(clientID), true
	case s.token == tokenSecretExpired:
		return errSecretExpired(clientID), true
	case s.token == tokenNoDefender && resource == resourceDefender:
		return errNoResourcePrincipal(DefenderResource, s.Domain), true
	case s.token == tokenBlockedByCA:
		return errConditionalAccess(), true
	}
	return aadsts{}, false
}

// parseScope finds the one "<resource>/.default" word, ignoring the OpenID
// words MSAL adds, and names its resource.
func parseScope(scope string) (string, *aadsts) {
	var words []string
	for _, w := range strings.Fields(scope) {
		switch w {
		case "openid", "offline_access", "profile", "email":
		default:
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		e := errMissingParam("scope")
		return resourceOther, &e
	}
	if len(words) > 1 {
		e := errScopeInvalid(strings.Join(words, " "))
		return resourceOther, &e
	}
	res, ok := strings.CutSuffix(words[0], "/.default")
	if !ok {
		e := errScopeNotDefault(words[0])
		return resourceOther, &e
	}
	switch strings.TrimSuffix(strings.ToLower(res), "/") {
	case DefenderResource, DefenderResourceNewer:
		return resourceDefender, nil
	case GraphResource:
		return resourceGraph, nil
	}
	e := errScopeInvalid(words[0])
	return resourceOther, &e
}

// audience is the aud claim for a request: the resource URI it named.
func audience(scope, resource string) string {
	if resource == resourceGraph {
		return GraphResource
	}
	if strings.Contains(strings.ToLower(scope), DefenderResourceNewer) {
		return DefenderResourceNewer
	}
	return DefenderResource
}

func (c *Cloud) writeToken(w http.ResponseWriter, r *http.Request, s Scenario, resource string) {
	roles := c.issued(s, resource)
	now := time.Now()
	life := c.opts.TokenLifetime
	sig, err := c.signer()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cl := claims{
		Aud: audience(r.PostForm.Get("scope"), resource), Iss: "https://sts.windows.net/" + s.TenantID + "/",
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(life).Unix(), Aio: newGUID(),
		AppID: c.opts.ClientID, AppIDAcr: "1", Idp: "https://sts.windows.net/" + s.TenantID + "/",
		IDTyp: "app", OID: servicePrincipalID(s.TenantID, c.opts.ClientID), Roles: roles,
		Sub: servicePrincipalID(s.TenantID, c.opts.ClientID), TID: s.TenantID, UTI: newGUID()[:22], Ver: "1.0",
	}
	var tok string
	if s.token == tokenOpaque {
		tok, err = c.opaque(cl)
	} else {
		tok, err = sig.sign(cl)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	secs := max(int(life/time.Second)-1, 0)
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8",
		tokenResponse{TokenType: "Bearer", ExpiresIn: secs, ExtExpiresIn: secs, AccessToken: tok})
}
