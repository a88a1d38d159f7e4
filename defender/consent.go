package defender

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/paratira/mdeconnect/defender/problem"
)

// DefaultRedirectURI is where the consent result comes back to mdeconnect. It
// must be registered on Paratira's app registration exactly; change it with
// --redirect-uri or MDECONNECT_REDIRECT_URI.
const DefaultRedirectURI = "http://localhost:53682/consent"

// ConsentURL builds the admin consent link for an app (PROTOCOL.md section 1).
// An empty tenant means "organizations": the admin's own tenant.
func ConsentURL(cloud Cloud, tenant, clientID, redirectURI, state string) string {
	if tenant == "" || strings.EqualFold(tenant, "common") {
		tenant = "organizations"
	}
	q := url.Values{}
	q.Set("client_id", clientID)
	// /.default asks consent for every permission the app registration lists.
	q.Set("scope", cloud.DefenderScope)
	q.Set("redirect_uri", redirectURI)
	if state != "" {
		q.Set("state", state)
	}
	return cloud.LoginURL + "/" + url.PathEscape(tenant) + "/v2.0/adminconsent?" + q.Encode()
}

// NewState returns a random state value for a consent request.
func NewState() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ConsentResult is what the consent redirect said.
type ConsentResult struct {
	Granted bool
	// TenantID is a hint to prefill, never proof: the redirect can be forged.
	TenantID string
	Scope    string
	Error    string
	// Description is Entra's error_description.
	Description string
	Problem     problem.Code
	// Message says what a failure means in the user's terms (for
	// AADSTS1003031: Paratira's app registration is at fault; contact
	// Paratira support). Show it rather than Description.
	Message string
}

// ParseConsentRedirect reads the URL the browser was sent back to, or just
// its query. wantState, when set, must prefix the returned state (it has been
// seen coming back with text appended).
func ParseConsentRedirect(raw, wantState string) (ConsentResult, error) {
	raw = strings.Trim(strings.TrimSpace(raw), "\"'<>")
	q, err := redirectQuery(raw)
	if err != nil {
		return ConsentResult{}, err
	}
	if q.Get("admin_consent") == "" && q.Get("error") == "" {
		return ConsentResult{}, fmt.Errorf("this URL is not a consent redirect: it has neither admin_consent nor error; paste the full address the browser shows after you click Accept")
	}
	if wantState != "" && !strings.HasPrefix(q.Get("state"), wantState) {
		return ConsentResult{}, fmt.Errorf("the consent reply belongs to another request (its state does not match): open the consent link shown here and approve again")
	}
	res := ConsentResult{Scope: q.Get("scope"), Error: q.Get("error"), Description: firstLine(q.Get("error_description"))}
	if res.Error != "" {
		e := EntraError{Error: res.Error, Description: res.Description, Codes: aadstsInText(res.Description)}
		res.Problem = e.Classify()
		res.Message = consentMessage(e, res.Problem)
		return res, nil
	}
	if !strings.EqualFold(q.Get("admin_consent"), "true") {
		return res, fmt.Errorf("the consent reply says admin_consent=%s: consent was not granted", q.Get("admin_consent"))
	}
	res.Granted = true
	if t := q.Get("tenant"); IsGUID(t) {
		res.TenantID = strings.ToLower(t)
	}
	return res, nil
}

func redirectQuery(raw string) (url.Values, error) {
	if raw == "" {
		return nil, fmt.Errorf("nothing was pasted: paste the address the browser was sent to after consent")
	}
	rest := raw
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		rest = raw[i+1:]
	}
	rest, _, _ = strings.Cut(rest, "#")
	q, err := url.ParseQuery(rest)
	if err != nil {
		return nil, fmt.Errorf("the pasted address cannot be read (%v): copy it again from the browser's address bar", err)
	}
	return q, nil
}

// consentMessage explains a consent redirect's error ("Admin consent" pages
// of the Microsoft identity platform, v1.0 and v2.0).
func consentMessage(e EntraError, code problem.Code) string {
	desc := firstLine(e.Description)
	if desc == "" {
		desc = e.Error
	}
	switch {
	case hasCode(e, 1003031), hasCode(e, 50020), hasCode(e, 90072):
		return entraMessage(e, code, "", Cloud{})
	case code == problem.ConsentRejected:
		return fmt.Sprintf("the consent request was declined or cancelled (%s)", desc)
	case code == problem.InsufficientPermissions:
		return fmt.Sprintf("the account that approved cannot grant this consent (%s)", desc)
	}
	return desc
}
