package defendertest

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// person is a user of a fake tenant, as sign-ins and audit logs name them.
type person struct {
	upn, name, id string
}

func personOf(s Scenario, local, name string) person {
	return person{upn: local + "@" + s.Domain, name: name, id: guidFrom(seeded(s.TenantID, "user/"+local))}
}

// adminOf is the Global Administrator of a tenant, who signs in to doctor.
func adminOf(s Scenario) person { return personOf(s, "admin", "Contoso Admin") }

// delegatedClaims are a v1 Microsoft Graph access token issued to a user
// through a public client ("Access token claims reference": scp for
// delegated permissions, upn, name, idtyp "user").
type delegatedClaims struct {
	Aud        string `json:"aud"`
	Iss        string `json:"iss"`
	Iat        int64  `json:"iat"`
	Nbf        int64  `json:"nbf"`
	Exp        int64  `json:"exp"`
	AppID      string `json:"appid"`
	AppIDAcr   string `json:"appidacr"`
	IDTyp      string `json:"idtyp"`
	Name       string `json:"name"`
	OID        string `json:"oid"`
	Scp        string `json:"scp"`
	Sub        string `json:"sub"`
	TID        string `json:"tid"`
	UniqueName string `json:"unique_name"`
	UPN        string `json:"upn"`
	Ver        string `json:"ver"`
}

// idTokenClaims are a v2.0 ID token ("ID token claims reference").
type idTokenClaims struct {
	Aud               string `json:"aud"`
	Iss               string `json:"iss"`
	Iat               int64  `json:"iat"`
	Nbf               int64  `json:"nbf"`
	Exp               int64  `json:"exp"`
	Name              string `json:"name"`
	OID               string `json:"oid"`
	PreferredUsername string `json:"preferred_username"`
	Sub               string `json:"sub"`
	TID               string `json:"tid"`
	Ver               string `json:"ver"`
}

// delegatedTokenResponse is the token endpoint's answer to a user's grant:
// "Successful authentication response" of the device code and authorization
// code flows, with client_info for MSAL's account (sent when the request
// has client_info=1).
type delegatedTokenResponse struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	ClientInfo   string `json:"client_info,omitempty"`
}

// writeDelegatedToken issues the admin's Graph token for the scopes asked.
func (c *Cloud) writeDelegatedToken(w http.ResponseWriter, r *http.Request, s Scenario, clientID, scope string) {
	sig, err := c.signer()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	admin, now := adminOf(s), time.Now()
	life := c.opts.TokenLifetime
	scopes := delegatedScopes(scope)
	at, err := signAny(sig, delegatedClaims{Aud: GraphResource, Iss: "https://sts.windows.net/" + s.TenantID + "/",
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(life).Unix(), AppID: clientID, AppIDAcr: "0", IDTyp: "user",
		Name: admin.name, OID: admin.id, Scp: strings.Join(scopes, " "), Sub: b64([]byte(admin.id))[:22], TID: s.TenantID,
		UniqueName: admin.upn, UPN: admin.upn, Ver: "1.0"})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	idt, err := signAny(sig, idTokenClaims{Aud: clientID, Iss: c.LoginURL + "/" + s.TenantID + "/v2.0", Iat: now.Unix(), Nbf: now.Unix(),
		Exp: now.Add(time.Hour).Unix(), Name: admin.name, OID: admin.id, PreferredUsername: admin.upn,
		Sub: b64([]byte(admin.id + clientID))[:22], TID: s.TenantID, Ver: "2.0"})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	refresh := make([]byte, 48)
	rand.Read(refresh)
	granted := make([]string, len(scopes))
	for i, sc := range scopes {
		granted[i] = GraphResource + "/" + sc
	}
	secs := max(int(life/time.Second)-1, 0)
	resp := delegatedTokenResponse{TokenType: "Bearer", Scope: strings.Join(append(granted, "openid", "profile"), " "),
		ExpiresIn: secs, ExtExpiresIn: secs, AccessToken: at, RefreshToken: "1.AQ" + b64(refresh), IDToken: idt}
	if r.PostForm.Get("client_info") == "1" {
		resp.ClientInfo = clientInfo(admin, s.TenantID)
	}
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", resp)
}

// clientInfo is base64url JSON of the user's object and tenant IDs, from
// which MSAL makes the account's home ID.
func clientInfo(p person, tenantID string) string {
	b, _ := json.Marshal(map[string]string{"uid": p.id, "utid": tenantID})
	return b64(b)
}

// caller is who a Graph request comes from: a signed-in user with scopes,
// or an app with application roles.
type caller struct {
	tenant *tenantState
	scopes []string // delegated
	roles  []string // application
	user   bool
}

// graphCaller verifies a Graph request's bearer token and finds its tenant.
func (c *Cloud) graphCaller(r *http.Request) (caller, bool) {
	tok, err := c.bearer(r, GraphResource)
	if err != nil {
		return caller{}, false
	}
	c.mu.Lock()
	t := c.tenant(tok.TID)
	c.mu.Unlock()
	if t == nil {
		return caller{}, false
	}
	cl := caller{tenant: t, roles: tok.Roles}
	_, raw, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer")), ".")
	payload, _, _ := strings.Cut(raw, ".")
	var d delegatedClaims
	if decodePart(payload, &d) == nil && d.IDTyp == "user" {
		cl.user, cl.scopes, cl.roles = true, strings.Fields(d.Scp), nil
	}
	return cl, true
}

// may reports whether the caller holds every permission of one of the
// alternatives, each a list that must all be held.
func (cl caller) may(alternatives ...[]string) bool {
	held := cl.roles
	if cl.user {
		held = cl.scopes
	}
	for _, all := range alternatives {
		if !slices.ContainsFunc(all, func(p string) bool { return !slices.Contains(held, p) }) {
			return true
		}
	}
	return false
}
