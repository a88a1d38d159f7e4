package defendertest

import (
	"slices"
	"strings"
	"time"
)

// story is what a tenant's directory tells about Paratira's app: each
// scenario's own, so `doctor` has something true to explain. Times are
// relative to the cloud's start, inside the audit log's retention.
type story struct {
	// spPresent: the enterprise application exists; spEnabled: it may sign in.
	spPresent, spEnabled bool
	// defenderSP: WindowsDefenderATP has a service principal in the tenant.
	defenderSP bool
	// roles are the app roles granted to Paratira's app, granted at grantedAt.
	roles     []string
	grantedAt time.Time
	audits    []audit
	signIns   []signIn
	// unlicensed: no Entra ID P1, so the sign-in logs answer 403.
	unlicensed bool
	policies   []caPolicy
}

// audit is one directory audit entry about Paratira's service principal.
type audit struct {
	activity, category, result, reason string
	at                                 time.Time
	by                                 person
	// modified are targetResources[0].modifiedProperties: name, old, new.
	modified [][3]string
}

// signIn is one service principal sign-in of Paratira's app.
type signIn struct {
	at       time.Time
	code     int
	reason   string
	resource string // app ID of the resource
	policy   *caPolicy
}

// caPolicy is a Conditional Access policy of the tenant.
type caPolicy struct {
	id, name, state string
	includeApps     []string
	grant           []string
}

// storyOf is tenant t's story now: it follows the run-time consent state,
// so a consent granted or revoked while the fake runs shows in Graph too.
func (c *Cloud) storyOf(t *tenantState) story {
	c.mu.Lock()
	s, consented := t.scenario, t.consented
	c.mu.Unlock()
	day := 24 * time.Hour
	admin := adminOf(s)
	st := story{spPresent: consented, spEnabled: true, defenderSP: true, roles: slices.Concat(s.DefenderRoles, s.GraphRoles),
		grantedAt: c.epoch.Add(-40 * day), unlicensed: s.api == apiUnlicensed}
	consent := adminConsent(admin, st.grantedAt, st.roles)
	st.audits = []audit{consent}
	st.signIns = successes(c.epoch, 3)
	st.policies = []caPolicy{
		{id: guidFrom(seeded(s.TenantID, "ca/mfa-admins")), name: "Require MFA for administrators", state: "enabled",
			includeApps: []string{"All"}, grant: []string{"mfa"}},
		{id: guidFrom(seeded(s.TenantID, "ca/legacy")), name: "Block legacy authentication", state: "enabledForReportingButNotEnforced",
			includeApps: []string{"All"}, grant: []string{"block"}},
	}
	switch {
	case s.consent == consentAbsent && !consented:
		// Never consented: no enterprise application, nothing in the audit log.
		st.audits, st.signIns = nil, nil
	case (s.consent == consentAbsentSP || s.token == tokenConsentRevokes) && !consented:
		removedAt := c.epoch.Add(-3 * day)
		if s.token == tokenConsentRevokes {
			removedAt = time.Now().Add(-time.Minute).Truncate(time.Second)
		}
		st.audits = append(st.audits, audit{activity: "Remove service principal", category: "ApplicationManagement", result: "success",
			at: removedAt, by: admin})
		st.signIns = nil
	case s.consent == consentAbsent || s.consent == consentAbsentSP:
		// Consent granted while the fake runs: fresh.
		st.grantedAt = time.Now().Add(-time.Minute).Truncate(time.Second)
		st.audits = []audit{adminConsent(admin, st.grantedAt, st.roles)}
	}
	c.tell(s, &st)
	return st
}

// tell adds the scenario's own chapter to a consented tenant's story.
func (c *Cloud) tell(s Scenario, st *story) {
	day := 24 * time.Hour
	switch {
	case s.token == tokenAppDisabled:
		st.spEnabled = false
		st.audits = append(st.audits, audit{activity: "Update service principal", category: "ApplicationManagement", result: "success",
			at: c.epoch.Add(-2 * day), by: personOf(s, "it-ops", "IT Operations"),
			modified: [][3]string{{"AccountEnabled", "[true]", "[false]"}}})
		st.signIns = append(st.signIns, failures(c.epoch, 7000112, "Application is disabled.", DefenderAppID, nil)...)
	case s.token == tokenSecretInvalid:
		st.signIns = append(st.signIns, failures(c.epoch, 7000215, "Invalid client secret is provided.", DefenderAppID, nil)...)
	case s.token == tokenSecretExpired:
		st.signIns = append(st.signIns, failures(c.epoch, 7000222, "The provided client secret keys are expired.", DefenderAppID, nil)...)
	case s.token == tokenNoDefender:
		st.defenderSP = false
		st.roles = slices.Clone(s.GraphRoles)
	case s.token == tokenBlockedByCA:
		p := caPolicy{id: guidFrom(seeded(s.TenantID, "ca/locations")), name: "Block access from outside trusted locations", state: "enabled",
			includeApps: []string{"All"}, grant: []string{"block"}}
		st.policies = append(st.policies, p)
		st.signIns = append(st.signIns, failures(c.epoch, 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", DefenderAppID, &p)...)
	case s.token == tokenRolesLag:
		st.grantedAt = time.Now().Add(-2 * time.Minute).Truncate(time.Second)
		st.audits = []audit{adminConsent(adminOf(s), st.grantedAt, st.roles)}
	case s.consent == consentNonAdmin:
		st.audits = append(st.audits, audit{activity: "Consent to application", category: "ApplicationManagement", result: "failure",
			reason: "Microsoft.Online.Security.UserConsentBlockedForRiskyAppsException", at: c.epoch.Add(-1 * day),
			by: personOf(s, "jane", "Jane Doe"), modified: [][3]string{{"ConsentContext.IsAdminConsent", "", "False"}}})
	case s.Name == "graph-role-missing":
		st.audits = []audit{adminConsent(personOf(s, "appadmin", "Application Admin"), st.grantedAt, st.roles)}
	case s.Name == "no-roles":
		jane := personOf(s, "jane", "Jane Doe")
		st.audits = []audit{{activity: "Consent to application", category: "ApplicationManagement", result: "success",
			at: st.grantedAt, by: jane, modified: [][3]string{{"ConsentContext.IsAdminConsent", "", "False"},
				{"ConsentAction.Permissions", "", "User.Read"}}}}
	case s.Name == "missing-role":
		st.audits = append(st.audits, audit{activity: "Remove app role assignment from service principal", category: "ApplicationManagement",
			result: "success", at: c.epoch.Add(-5 * day), by: personOf(s, "secops", "Security Operations"),
			modified: [][3]string{{"AppRole.Value", roleScoreRead, ""}}})
	}
}

func adminConsent(by person, at time.Time, roles []string) audit {
	return audit{activity: "Consent to application", category: "ApplicationManagement", result: "success", at: at, by: by,
		modified: [][3]string{{"ConsentContext.IsAdminConsent", "", "True"}, {"ConsentAction.Permissions", "", strings.Join(roles, " ")}}}
}

// successes are n hourly sign-ins that worked, the latest a day ago.
func successes(epoch time.Time, n int) []signIn {
	var out []signIn
	for i := range n {
		out = append(out, signIn{at: epoch.Add(-24*time.Hour - time.Duration(i)*time.Hour), resource: DefenderAppID})
	}
	return out
}

// failures are the recent failed sign-ins of a broken tenant.
func failures(epoch time.Time, code int, reason, resource string, p *caPolicy) []signIn {
	var out []signIn
	for i := range 3 {
		out = append(out, signIn{at: epoch.Add(-time.Duration(10+i*15) * time.Minute), code: code, reason: reason, resource: resource, policy: p})
	}
	return out
}
