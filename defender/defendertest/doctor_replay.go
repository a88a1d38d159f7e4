package defendertest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// restoreAdminSignIn completes a replayed admin sign-in (doctor) whose
// tokens a report redacted. MSAL refuses a token reply whose id_token is not
// a JWT ("IDToken returned from server is invalid"), so a fresh one is
// minted, naming nobody. The access token tokenBody minted carries the
// recorded app-only claims, which a tenant without any (its app-only token
// failed) lacks: then it is minted for the tenant the reply's client_info
// names, so the admin's Graph reads find their recorded replies, which are
// filed under the tenant of the bearer token.
func (r *Replay) restoreAdminSignIn(doc map[string]any, req *http.Request, pathTenant string) {
	idt, ok := doc["id_token"].(string)
	if !ok || strings.Count(idt, ".") == 2 {
		return
	}
	tenant := pathTenant
	if utid := clientInfoTenant(doc["client_info"]); utid != "" {
		tenant = utid
	}
	now := time.Now()
	oid := guidFrom(seeded(tenant, "replay/admin"))
	if t, err := signAny(r.signer, idTokenClaims{Aud: req.PostForm.Get("client_id"), Iss: r.URL + "/" + tenant + "/v2.0", Iat: now.Unix(),
		Nbf: now.Unix(), Exp: now.Add(time.Hour).Unix(), Name: "[REDACTED]", OID: oid, PreferredUsername: "[REDACTED]",
		Sub: b64([]byte(oid))[:22], TID: tenant, Ver: "2.0"}); err == nil {
		doc["id_token"] = t
	}
	if _, ok := doc["client_info"].(string); !ok {
		doc["client_info"] = clientInfo(person{id: oid}, tenant)
	}
	if tok, _ := doc["access_token"].(string); !strings.EqualFold(bearerTenant(&http.Request{Header: http.Header{"Authorization": {"Bearer " + tok}}}), tenant) {
		cl := r.claimsFor(tenant, resourceGraph, req.PostForm.Get("scope"))
		if t, err := r.signer.sign(cl); err == nil {
			doc["access_token"] = t
		}
	}
}

// clientInfoTenant is the utid of a token reply's client_info, if any.
func clientInfoTenant(v any) string {
	s, _ := v.(string)
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return ""
	}
	var ci struct {
		UTID string `json:"utid"`
	}
	if json.Unmarshal(b, &ci) != nil || !isGUID(ci.UTID) {
		return ""
	}
	return strings.ToLower(ci.UTID)
}
