package defendertest

import (
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/paratira/mdeconnect/defender/problem"
)

// consentPage is the admin consent prompt (PROTOCOL §1), reduced to what a
// person and a test need: the requested roles and an Accept and Cancel link per
// tenant one could sign in as.
var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Permissions requested</title></head>
<body>
<h1>Permissions requested</h1>
<p><strong>Paratira</strong> (application {{.ClientID}}) asks for read-only access to your organization.
Accepting grants it for every user in the organization.</p>
<h2>This app would like to:</h2>
<ul>{{range .Roles}}<li>{{.}} (read-only)</li>{{end}}</ul>
<p>{{.Approver}}</p>
{{if .Choices}}<h2>Sign in as an administrator of:</h2>{{end}}
<ul>{{range .Choices}}
<li>{{.Label}}: <a id="accept-{{.Name}}" href="{{.Accept}}">Accept</a> <a id="cancel-{{.Name}}" href="{{.Cancel}}">Cancel</a></li>
{{end}}</ul>
</body></html>
`))

type consentChoice struct{ Name, Label, Accept, Cancel string }

// consentRequest is a validated admin consent query.
type consentRequest struct {
	ClientID, Scope, RedirectURI, State string
}

func (c *Cloud) parseConsent(w http.ResponseWriter, r *http.Request) (consentRequest, bool) {
	q := r.URL.Query()
	cr := consentRequest{q.Get("client_id"), q.Get("scope"), q.Get("redirect_uri"), q.Get("state")}
	switch {
	case cr.ClientID != c.opts.ClientID:
		c.writeAAD(w, r, errAppNotInTenant(cr.ClientID, r.PathValue("tenant")))
	case !validRedirect(cr.RedirectURI):
		c.writeAAD(w, r, aadsts{http.StatusBadRequest, "invalid_request", 50011,
			"The redirect URI '" + cr.RedirectURI + "' specified in the request does not match the redirect URIs configured for the application."})
	default:
		return cr, true
	}
	return cr, false
}

// validRedirect accepts https anywhere and http on loopback only.
func validRedirect(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	h := u.Hostname()
	ip := net.ParseIP(h)
	return u.Scheme == "http" && (strings.EqualFold(h, "localhost") || (ip != nil && ip.IsLoopback()))
}

func (c *Cloud) handleConsentPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("tenant")
	s, res := c.resolve(id)
	if s.TenantID != "" && !c.attribute(r.Context(), s) {
		return
	}
	cr, ok := c.parseConsent(w, r)
	if !ok {
		return
	}
	if c.refuseTenant(w, r, res, id) {
		return
	}
	var choices []Scenario
	switch res {
	case resolvedMulti:
		for _, s := range c.opts.Scenarios {
			if s.token != tokenNoTenant {
				choices = append(choices, s)
			}
		}
	default:
		choices = []Scenario{s}
	}
	data := struct {
		ClientID string
		Roles    []string
		Approver string
		Choices  []consentChoice
	}{ClientID: cr.ClientID, Roles: append(DefenderReadRoles(), GraphReadRoles()...), Approver: problem.ApproverRoles}
	for _, s := range choices {
		data.Choices = append(data.Choices, consentChoice{Name: s.Name, Label: s.Domain + " (" + s.Name + ")",
			Accept: c.decisionURL(id, cr, s.TenantID, true), Cancel: c.decisionURL(id, cr, s.TenantID, false)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	consentPage.Execute(w, data)
}

func (c *Cloud) decisionURL(tenant string, cr consentRequest, as string, accept bool) string {
	v := url.Values{"client_id": {cr.ClientID}, "scope": {cr.Scope}, "redirect_uri": {cr.RedirectURI},
		"state": {cr.State}, "as": {as}, "accept": {"0"}}
	if accept {
		v.Set("accept", "1")
	}
	return c.LoginURL + "/" + url.PathEscape(tenant) + "/v2.0/adminconsent/decide?" + v.Encode()
}

// handleConsentDecision plays the approver's click and redirects like Entra ID.
func (c *Cloud) handleConsentDecision(w http.ResponseWriter, r *http.Request) {
	cr, ok := c.parseConsent(w, r)
	if !ok {
		return
	}
	s, res := c.resolve(r.URL.Query().Get("as"))
	if res != resolvedTenant {
		c.writeAAD(w, r, errTenantNotFound(r.URL.Query().Get("as")))
		return
	}
	if !c.attribute(r.Context(), s) {
		return
	}
	v := url.Values{}
	fail := func(e aadsts) {
		v.Set("error", e.err)
		v.Set("error_description", fmt.Sprintf("AADSTS%d: %s", e.code, e.message))
		v.Set("admin_consent", "True")
	}
	switch {
	case r.URL.Query().Get("accept") != "1":
		fail(errDeclined())
	case s.ConsentError != 0:
		fail(documented(s.ConsentError, cr.ClientID, s))
	case s.consent == consentNonAdmin:
		fail(errAdminRequired())
	default:
		c.SetConsent(s.TenantID, true)
		v.Set("admin_consent", "True")
		v.Set("tenant", s.TenantID)
		v.Set("scope", cr.Scope)
	}
	v.Set("state", cr.State)
	sep := "?"
	if strings.Contains(cr.RedirectURI, "?") {
		sep = "&"
	}
	http.Redirect(w, r, cr.RedirectURI+sep+v.Encode(), http.StatusFound)
}
