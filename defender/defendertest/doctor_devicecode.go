package defendertest

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The device authorization grant ("Microsoft identity platform and the OAuth
// 2.0 device authorization grant flow"): POST /{tenant}/oauth2/v2.0/devicecode
// gives a user code and a device code; the client polls the token endpoint
// with grant_type=urn:ietf:params:oauth:grant-type:device_code until the user
// has signed in elsewhere. The fake's polls follow Cloud.SetDeviceFlow.

const (
	grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"
	// grantDeviceCodeShort is what MSAL Go v1.10 sends (its grant.DeviceCode),
	// which Entra ID accepts beside the documented URN: MSAL's device code
	// flow works against it.
	grantDeviceCodeShort = "device_code"
	grantAuthCode        = "authorization_code"
)

// deviceCodeResponse is the documented "Device authorization response";
// verification_uri_complete is "not included or supported at this time".
type deviceCodeResponse struct {
	DeviceCode      string `json:"device_code"`
	UserCode        string `json:"user_code"`
	VerificationURI string `json:"verification_uri"`
	ExpiresIn       int    `json:"expires_in"`
	Interval        int    `json:"interval"`
	Message         string `json:"message"`
}

func (c *Cloud) handleDeviceCode(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("tenant")
	s, res, ok := c.tokenRequest(w, r, id, "client_id")
	if !ok {
		return
	}
	clientID, scope := r.PostForm.Get("client_id"), r.PostForm.Get("scope")
	if clientID == "" {
		c.writeAAD(w, r, errMissingParam("client_id"))
		return
	}
	if e, failed := c.signInRefusal(res, id, s, clientID); failed {
		c.writeAAD(w, r, e)
		return
	}
	if len(delegatedScopes(scope)) == 0 {
		c.writeAAD(w, r, errMissingParam("scope"))
		return
	}
	g := &deviceGrant{tenant: s, clientID: clientID, scope: scope, userCode: userCode(), expires: time.Now().Add(deviceCodeLifetime)}
	device := "DAQABIQEAAAB" + b64([]byte(newGUID()+newGUID()+newGUID()))
	c.doctor.mu.Lock()
	if c.doctor.devices == nil {
		c.doctor.devices = map[string]*deviceGrant{}
	}
	g.flow = c.doctor.flow
	c.doctor.devices[device] = g
	c.doctor.deviceRequests++
	c.doctor.mu.Unlock()
	uri := c.LoginURL + "/devicelogin"
	writeJSON(w, http.StatusOK, "application/json; charset=utf-8", deviceCodeResponse{
		DeviceCode: device, UserCode: g.userCode, VerificationURI: uri,
		ExpiresIn: int(deviceCodeLifetime / time.Second), Interval: 5,
		Message: fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", uri, g.userCode),
	})
}

// userCode is nine letters and digits, like Entra ID's (e.g. "YZMYLD4K"
// in public reports), without the easily confused 0, O, 1 and I.
func userCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 9)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// redeemDeviceCode answers one poll of a device code.
func (c *Cloud) redeemDeviceCode(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	c.doctor.mu.Lock()
	g := c.doctor.devices[f.Get("device_code")]
	var e *aadsts
	switch {
	case g == nil || g.redeemed || f.Get("client_id") != g.clientID:
		e = &aadsts{http.StatusBadRequest, "bad_verification_code", 70018, "The provided value for the input parameter 'device_code' is not valid."}
	case time.Now().After(g.expires):
		e = errDeviceExpired()
	default:
		g.polls++
		e = g.answer()
	}
	c.doctor.mu.Unlock()
	if e != nil {
		c.writeAAD(w, r, *e)
		return
	}
	c.writeDelegatedToken(w, r, g.tenant, g.clientID, g.scope)
}

// answer is the reply to the grant's latest poll: nil for a token. Callers
// hold c.doctor.mu.
func (g *deviceGrant) answer() *aadsts {
	switch {
	case g.polls <= g.flow.Pending:
		// AADSTS70016 AuthorizationPending, in the words Entra ID sends.
		return &aadsts{http.StatusBadRequest, "authorization_pending", 70016, "The provided request has not yet been authorized by the user. The user must input their code."}
	case g.polls <= g.flow.Pending+g.flow.SlowDown:
		// slow_down is RFC 8628's; MSAL Go keeps polling on it. UNCONFIRMED:
		// the AADSTS number Entra ID gives it.
		return &aadsts{http.StatusBadRequest, "slow_down", 70016, "The client is polling too frequently. Poll at the interval the device code response gave."}
	case g.flow.Outcome == DeviceDecline:
		g.redeemed = true
		// UNCONFIRMED: the AADSTS number; the error name is documented.
		return &aadsts{http.StatusBadRequest, "authorization_declined", 70000, "The end user denied the authorization request."}
	case g.flow.Outcome == DeviceExpire:
		g.redeemed = true
		return errDeviceExpired()
	}
	g.redeemed = true
	return nil
}

// errDeviceExpired is AADSTS70019 CodeExpired ("Verification code expired").
func errDeviceExpired() *aadsts {
	return &aadsts{http.StatusBadRequest, "expired_token", 70019, "Verification code expired. Have the user retry the sign-in."}
}

// handleDeviceLogin is the verification URI. The sandbox approves codes by
// itself (DeviceFlow), so the page only says so.
func (c *Cloud) handleDeviceLogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Enter code</title></head><body>
<h1>Enter code</h1><p>This is mdeconnect's sandbox: it approves a device code by itself on the first poll, as the tenant's admin.
Nothing needs to be entered here.</p></body></html>`)
}

// delegatedScopes are the Graph permission names in a scope parameter:
// "https://graph.microsoft.com/Application.Read.All" or a bare
// "Application.Read.All", without the OpenID words MSAL adds.
func delegatedScopes(scope string) []string {
	var out []string
	for _, w := range strings.Fields(scope) {
		switch strings.ToLower(w) {
		case "openid", "profile", "offline_access", "email":
			continue
		}
		if i := strings.LastIndex(w, "/"); i >= 0 {
			if !strings.EqualFold(strings.TrimSuffix(w[:i+1], "/"), GraphResource) {
				continue // another resource's scope: not the fake's to grant
			}
			w = w[i+1:]
		}
		if w != "" && w != ".default" {
			out = append(out, w)
		}
	}
	return out
}
