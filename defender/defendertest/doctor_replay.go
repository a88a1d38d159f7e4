package defendertest

import (
	"strings"
	"time"
)

// restoreIDToken puts a fresh ID token into a replayed admin sign-in whose
// id_token a report redacted: MSAL refuses a token reply whose id_token is
// not a JWT ("IDToken returned from server is invalid"). The replay knows
// nothing of the admin a report left out, so the token names none.
func (r *Replay) restoreIDToken(doc map[string]any, tenant, clientID string) {
	idt, ok := doc["id_token"].(string)
	if !ok || strings.Count(idt, ".") == 2 {
		return
	}
	now := time.Now()
	oid := guidFrom(seeded(tenant, "replay/admin"))
	if t, err := signAny(r.signer, idTokenClaims{Aud: clientID, Iss: r.URL + "/" + tenant + "/v2.0", Iat: now.Unix(), Nbf: now.Unix(),
		Exp: now.Add(time.Hour).Unix(), Name: "[REDACTED]", OID: oid, PreferredUsername: "[REDACTED]", Sub: b64([]byte(oid))[:22],
		TID: tenant, Ver: "2.0"}); err == nil {
		doc["id_token"] = t
	}
	if ci, ok := doc["client_info"].(string); ok && strings.Contains(ci, "REDACTED") {
		doc["client_info"] = clientInfo(person{id: oid}, tenant)
	}
}
