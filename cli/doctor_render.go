package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/doctor"
)

// renderDoctor prints a doctor report for people: what the tenant says,
// section by section, then each finding beside the checks it explains.
// Everything in the report came from a server: each value passes safe.
func renderDoctor(w io.Writer, r *doctor.Report) {
	head := "Tenant " + safe(r.TenantID) + ", from its admin's side"
	if r.SignedInAs != "" {
		head += " (signed in as " + safe(r.SignedInAs) + ")"
	}
	fmt.Fprintln(w, boldStyle.Render(head))
	line := func(label string, s defender.Status, text string) {
		fmt.Fprintf(w, "  %s %-24s %s\n", statusMark(s), label, text)
	}
	line("Enterprise application", appStatus(r.App), appWords(r.App))
	line("App roles", rolesStatus(r.Roles), rolesWords(r.Roles))
	line("Consent", sectionStatus(r.Consent.Section, consentStatus(r.Consent)), consentWords(r.Consent))
	line("Sign-ins", sectionStatus(r.SignIns.Section, signInStatus(r.SignIns)), signInWords(r.SignIns))
	line("Conditional Access", sectionStatus(r.ConditionalAccess.Section, policyStatus(r.ConditionalAccess)), policyWords(r.ConditionalAccess))
	if r.AppOnly != nil {
		what := map[string]string{"test": "run now", "recorded": "recorded"}[r.AppOnly.Source]
		fmt.Fprintln(w, dimStyle.Render(fmt.Sprintf("Beside the app-only test %s (%s):", what, utcTime(r.AppOnly.At))))
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, passStyle.Render("Nothing wrong found from the tenant's side."))
	}
	said := map[string]bool{}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%s %s\n", statusMark(f.Severity), safeMessage(f.Summary))
		for _, c := range f.Explains {
			fmt.Fprintf(w, "    explains %s %s: %s\n", statusMark(c.Status), safe(c.Title), safe(problemTitle(c.Problem)))
		}
		// A remedy shared by several findings is said once.
		if f.Remedy != "" && !said[f.Remedy] {
			said[f.Remedy] = true
			fmt.Fprintf(w, "    %s\n", dimStyle.Render("→ "+safeMessage(f.Remedy)))
		}
	}
	for _, c := range r.Unexplained {
		fmt.Fprintf(w, "%s %s: %s %s\n", statusMark(c.Status), safe(c.Title), safe(problemTitle(c.Problem)),
			dimStyle.Render("(app-only; nothing on the tenant's side explains it)"))
	}
}

func utcTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// sectionStatus marks a section: ok as given, not available as a warning,
// skipped as a dash, an error as a failure.
func sectionStatus(s doctor.Section, ok defender.Status) defender.Status {
	switch s.Status {
	case doctor.StatusRead:
		return ok
	case doctor.StatusNotAvailable:
		return defender.Warn
	case doctor.StatusFailed:
		return defender.Fail
	}
	return defender.Skip
}

func notRead(s doctor.Section) string {
	words := map[doctor.Status]string{doctor.StatusNotAvailable: "not available: ", doctor.StatusSkipped: "skipped: ", doctor.StatusFailed: "could not be read: "}
	return words[s.Status] + safeMessage(s.Reason)
}

func appStatus(app doctor.App) defender.Status {
	if app.Status == doctor.StatusRead && (!app.Present || app.Enabled != nil && !*app.Enabled) {
		return defender.Fail
	}
	return sectionStatus(app.Section, defender.Pass)
}

func appWords(app doctor.App) string {
	switch {
	case app.Status != doctor.StatusRead:
		return notRead(app.Section)
	case !app.Present && app.Removed != nil:
		return fmt.Sprintf("not in the tenant: removed %s by %s", utcTime(app.Removed.At), safe(orDash(app.Removed.By)))
	case !app.Present:
		return "not in the tenant"
	}
	s := "present (" + safe(app.DisplayName) + ", object ID " + safe(app.ObjectID) + ")"
	if app.Enabled != nil && !*app.Enabled {
		s += ", disabled"
	} else {
		s += ", enabled"
	}
	if p := app.DefenderProvisioned; p != nil && !*p {
		s += "; WindowsDefenderATP is not in the tenant"
	}
	return s
}

func rolesStatus(r doctor.Roles) defender.Status {
	switch {
	case r.Status == doctor.StatusRead && len(r.Missing) > 0:
		return defender.Fail
	case r.Status == doctor.StatusRead && len(r.Excess) > 0:
		return defender.Warn
	}
	return sectionStatus(r.Section, defender.Pass)
}

func rolesWords(r doctor.Roles) string {
	if r.Status != doctor.StatusRead {
		return notRead(r.Section)
	}
	var granted []string
	for _, role := range r.Required {
		if role.Granted {
			granted = append(granted, role.Name)
		}
	}
	s := fmt.Sprintf("%d of %d required granted", len(granted), len(r.Required))
	if len(r.Missing) > 0 {
		s += "; missing " + safe(strings.Join(r.Missing, ", "))
	}
	if len(r.Excess) > 0 {
		s += "; beyond read-only " + safe(strings.Join(r.Excess, ", "))
	}
	if r.GrantedAt != nil {
		s += "; granted " + utcTime(*r.GrantedAt)
	}
	return s
}

func consentWords(c doctor.Consent) string {
	switch {
	case c.Status != doctor.StatusRead:
		return notRead(c.Section)
	case c.Last == nil && len(c.Attempts) == 0:
		return "no consent in the audit log"
	case c.Last == nil:
		return fmt.Sprintf("%d attempt(s), none succeeded", len(c.Attempts))
	}
	kind := "consent"
	if c.Last.AdminConsent != nil {
		kind = map[bool]string{true: "admin consent", false: "a user's own consent"}[*c.Last.AdminConsent]
	}
	return fmt.Sprintf("%s on %s by %s", kind, utcTime(c.Last.At), safe(orDash(c.Last.By)))
}

func signInWords(s doctor.SignIns) string {
	if s.Status != doctor.StatusRead {
		return notRead(s.Section)
	}
	out := fmt.Sprintf("%d recent, %d failed", s.Examined, len(s.Failures))
	if s.LastSuccess != nil {
		out += "; last success " + utcTime(*s.LastSuccess)
	}
	return out
}

func policyWords(ca doctor.ConditionalAccess) string {
	if ca.Status != doctor.StatusRead {
		return notRead(ca.Section)
	}
	var names []string
	for _, p := range ca.Policies {
		names = append(names, fmt.Sprintf("%s (%s)", safe(p.Name), safe(p.State)))
	}
	if len(names) == 0 {
		return "no policy includes all apps or Paratira's"
	}
	if len(names) == 1 {
		return "1 policy includes all apps or Paratira's: " + names[0]
	}
	return fmt.Sprintf("%d policies include all apps or Paratira's: %s", len(names), strings.Join(names, "; "))
}

// consentStatus: a user's own consent fails, a failed latest attempt warns.
func consentStatus(c doctor.Consent) defender.Status {
	switch {
	case c.Last != nil && c.Last.AdminConsent != nil && !*c.Last.AdminConsent, c.Last == nil:
		return defender.Fail
	case len(c.Attempts) > 0 && !strings.EqualFold(c.Attempts[0].Result, "success"):
		return defender.Warn
	}
	return defender.Pass
}

// signInStatus: the latest sign-in failed, or some did.
func signInStatus(s doctor.SignIns) defender.Status {
	switch {
	case len(s.Failures) > 0 && (s.LastSuccess == nil || s.Failures[0].At.After(*s.LastSuccess)):
		return defender.Fail
	case len(s.Failures) > 0:
		return defender.Warn
	}
	return defender.Pass
}

// policyStatus: a policy failed the app's sign-ins.
func policyStatus(ca doctor.ConditionalAccess) defender.Status {
	for _, p := range ca.Policies {
		if p.FailedSignIn {
			return defender.Fail
		}
	}
	return defender.Pass
}
