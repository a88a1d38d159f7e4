package wizard

import (
	"html/template"
	"net/http"

	"github.com/paratira/mdeconnect/internal/sanitize"
)

// consentPage is what the browser shows after the redirect, in plain words:
// granted, rejected (and why), or not accepted. Every value that came with
// the redirect is sanitised, and the template escapes it for HTML.
var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>mdeconnect: {{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;line-height:1.5}
h1{font-size:1.5em}.granted{color:#137333}.rejected,.refused{color:#b3261e}</style></head>
<body><h1 id="verdict" class="{{.Class}}">{{.Title}}</h1>
<p id="detail">{{.Detail}}</p>
{{if .Reason}}<p id="reason">Reason: {{.Reason}}</p>{{end}}
<p id="next">{{.Next}}</p>
</body></html>
`))

type pageData struct {
	Class, Title, Detail, Reason, Next string
}

// pageFor is the page a reply gets.
func pageFor(r reply) (int, pageData) {
	switch r.kind {
	case replyGranted:
		d := "Admin consent was granted to Paratira's app"
		if r.res.TenantID != "" {
			d += " in tenant " + r.res.TenantID
		}
		return http.StatusOK, pageData{Class: "granted", Title: "Consent granted", Detail: d + ".",
			Next: "Go back to mdeconnect in your terminal: it carries on from here. You can close this tab."}
	case replyRejected:
		return http.StatusOK, pageData{Class: "rejected", Title: "Consent rejected",
			Detail: "Microsoft did not grant admin consent to Paratira's app.", Reason: rejectReason(r),
			Next: "Go back to mdeconnect in your terminal: it says what to do next. You can close this tab."}
	}
	why := "this is not a consent reply mdeconnect is waiting for"
	if r.err != nil {
		why = r.err.Error()
	}
	return http.StatusBadRequest, pageData{Class: "refused", Title: "Not accepted",
		Detail: "mdeconnect did not accept this reply, and nothing was changed.", Reason: sanitize.Line(why, sanitize.Screen),
		Next: "If you were approving Paratira's app, open the consent link that mdeconnect shows now and approve again."}
}

// rejectReason is what Microsoft said, in the user's terms where the
// engine has them (its Message), else the redirect's own description.
func rejectReason(r reply) string {
	why := r.res.Message
	if why == "" {
		why = r.res.Description
	}
	if why == "" && r.err != nil {
		why = r.err.Error()
	}
	if why == "" {
		why = r.res.Error
	}
	return sanitize.Line(why, sanitize.Screen)
}
