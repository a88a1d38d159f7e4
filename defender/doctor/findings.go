package doctor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// freshConsent is how recent a consent is still propagating: Microsoft notes
// "replication delays for app role assignments that were recently granted".
const freshConsent = 15 * time.Minute

// when is a time in findings: a date and minute, UTC.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// by names who did something, or says it is not known.
func by(e Event) string {
	if e.By == "" {
		return "an unnamed account"
	}
	return e.By
}

type finder struct {
	r   *Report
	out []Finding
}

func (f *finder) add(id string, sev defender.Status, p problem.Code, summary string) {
	f.out = append(f.out, Finding{ID: id, Severity: sev, Problem: p, Summary: summary, Remedy: p.Remedy(), Explains: []Check{}})
}

// findings says what the report shows that matters, worst first within each
// subject: the app, its roles, the consent, the sign-ins, the policies.
func findings(r *Report) []Finding {
	f := &finder{r: r}
	f.app()
	f.roles()
	f.consent()
	f.signIns()
	f.policies()
	if f.out == nil {
		return []Finding{}
	}
	return f.out
}

func (f *finder) app() {
	app := f.r.App
	switch {
	case app.Status != StatusRead:
	case !app.Present && app.Removed != nil:
		f.add("app_removed", defender.Fail, problem.ConsentMissing, fmt.Sprintf(
			"Paratira's enterprise application was removed from this tenant on %s by %s.", when(app.Removed.At), by(*app.Removed)))
	case !app.Present && f.r.Consent.Last != nil:
		f.add("app_missing", defender.Fail, problem.ConsentMissing, fmt.Sprintf(
			"Paratira's enterprise application is not in this tenant, although consent was given on %s by %s; the audit log shows no removal (it may be older than the log keeps).",
			when(f.r.Consent.Last.At), by(f.r.Consent.Last.Event)))
	case !app.Present:
		f.add("app_missing", defender.Fail, problem.ConsentMissing,
			"Paratira's enterprise application is not in this tenant, and the audit log shows no consent and no removal: admin consent was never given here (or longer ago than the log keeps).")
	case app.Enabled != nil && !*app.Enabled:
		s := "Paratira's enterprise application is disabled (Enabled for users to sign in: No)"
		for _, c := range app.Changes {
			if c.Activity == activityUpdate && strings.Contains(c.Detail, "AccountEnabled") {
				s += fmt.Sprintf("; %s disabled it on %s", by(c), when(c.At))
				break
			}
		}
		f.add("app_disabled", defender.Fail, problem.AppDisabled, s+".")
	}
	if p := app.DefenderProvisioned; p != nil && !*p {
		f.add("defender_not_provisioned", defender.Fail, problem.DefenderNotProvisioned,
			"WindowsDefenderATP, the Defender for Endpoint API, has no service principal in this tenant: Defender for Endpoint is not set up, so its roles cannot be granted.")
	}
}

func (f *finder) roles() {
	roles := f.r.Roles
	if roles.Status != StatusRead {
		return
	}
	if len(roles.Missing) > 0 {
		var names []string
		for _, m := range roles.Missing {
			names = append(names, m+" ("+apiOf(m)+")")
		}
		s := "Not granted: " + strings.Join(names, ", ") + "."
		for _, c := range f.r.App.Changes {
			if c.Activity == activityRemoveRole {
				s += fmt.Sprintf(" An app role assignment was removed on %s by %s (%s).", when(c.At), by(c), c.Detail)
			}
		}
		if l := f.r.Consent.Last; slices.Contains(roles.Missing, "ServiceHealth.Read.All") && l != nil && (l.AdminConsent == nil || *l.AdminConsent) {
			s += fmt.Sprintf(" The last consent was given by %s on %s: if that account is an Application Administrator or Cloud Application Administrator, it could not grant the Microsoft Graph role.",
				by(f.r.Consent.Last.Event), when(f.r.Consent.Last.At))
		}
		f.add("roles_missing", defender.Fail, problem.InsufficientPermissions, s)
	}
	if len(roles.Excess) > 0 {
		f.add("roles_excess", defender.Warn, problem.ExcessPermissions, "Granted beyond read-only: "+strings.Join(roles.Excess, ", ")+".")
	}
}

func (f *finder) consent() {
	c := f.r.Consent
	if c.Status != StatusRead {
		return
	}
	if l := c.Last; l != nil && l.AdminConsent != nil && !*l.AdminConsent {
		f.add("consent_not_admin", defender.Fail, problem.InsufficientPermissions, fmt.Sprintf(
			"The last consent, on %s by %s, was a user's own consent, not admin consent: it grants Paratira no application permissions.", when(l.At), by(l.Event)))
	}
	if len(c.Attempts) > 0 && !strings.EqualFold(c.Attempts[0].Result, "success") {
		a := c.Attempts[0]
		s := fmt.Sprintf("The latest consent attempt, on %s by %s, failed", when(a.At), by(a.Event))
		if a.Reason != "" {
			s += " (" + a.Reason + ")"
		}
		f.add("consent_failed", defender.Warn, problem.InsufficientPermissions, s+": the account may not be an administrator who can grant it.")
	}
	granted := f.r.Roles.GrantedAt
	if l := c.Last; l != nil && (granted == nil || l.At.After(*granted)) {
		granted = &l.At
	}
	if granted != nil && f.r.ReadAt.Sub(*granted) < freshConsent && f.r.App.Present {
		f.add("consent_recent", defender.Warn, problem.InsufficientPermissions, fmt.Sprintf(
			"Consent was granted %s ago (%s): app roles take a few minutes to reach Paratira's tokens.",
			f.r.ReadAt.Sub(*granted).Round(time.Minute), when(*granted)))
	}
}

func (f *finder) signIns() {
	var order []int
	byCode := map[int][]SignInFailure{}
	for _, s := range f.r.SignIns.Failures {
		if byCode[s.AADSTS] == nil {
			order = append(order, s.AADSTS)
		}
		byCode[s.AADSTS] = append(byCode[s.AADSTS], s)
	}
	for _, code := range order {
		fs := byCode[code]
		p := defender.EntraError{Codes: []int{code}}.Classify()
		s := fmt.Sprintf("%d of Paratira's last %d sign-ins failed with AADSTS%d", len(fs), f.r.SignIns.Examined, code)
		if fs[0].Reason != "" {
			s += " (" + fs[0].Reason + ")"
		}
		s += ", the latest on " + when(fs[0].At)
		if fs[0].CorrelationID != "" {
			s += ", correlation ID " + fs[0].CorrelationID
		}
		f.add("sign_ins_failing", defender.Fail, p, s+".")
	}
}

func (f *finder) policies() {
	ca := f.r.ConditionalAccess
	if ca.Status != StatusRead {
		return
	}
	for _, p := range ca.Policies {
		if !p.FailedSignIn {
			continue
		}
		f.add("ca_policy", defender.Fail, problem.ConditionalAccessBlocked, fmt.Sprintf(
			"Conditional Access policy %q (%s, %s, grant: %s) failed Paratira's sign-ins.", p.Name, p.State, scopeWords(p.Scope), strings.Join(p.Grant, ", ")))
	}
}

func scopeWords(scope string) string {
	switch scope {
	case "this_app":
		return "includes Paratira's app"
	case "all_apps":
		return "includes all cloud apps"
	}
	return "named by the sign-in log"
}
