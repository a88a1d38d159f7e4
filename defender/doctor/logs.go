package doctor

import (
	"context"

	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/paratira/mdeconnect/internal/sanitize"
)

// Audit activities, as "Microsoft Entra audit log categories and
// activities" names them (Core Directory, ApplicationManagement).
const (
	activityConsent     = "Consent to application"
	activityRemove      = "Remove service principal"
	activityHardDelete  = "Hard delete service principal"
	activityUpdate      = "Update service principal"
	activityRemoveRole  = "Remove app role assignment from service principal"
	activityAddRole     = "Add app role assignment to service principal"
	activityRestore     = "Restore service principal"
	auditReaderRoles    = "allowed to read audit logs (Reports Reader, Security Reader or Global Reader)"
	signInReaderRoles   = "allowed to read sign-in logs (Reports Reader, Security Reader or Global Reader)"
	maxConsentAttempts  = 10
	maxSignInFailures   = 20
	maxChanges          = 20
	maxPolicies         = 50
	maxDetail           = 300
	auditScopes         = "AuditLog.Read.All and Directory.Read.All"
	conditionalAccessRo = "allowed to read Conditional Access policies (Security Reader, Global Reader or Conditional Access Administrator)"
)

// auditTarget is the $filter clause that finds audit entries about the app:
// by its object ID while it exists, by its display name once it is gone.
func (rd *reader) auditTarget() string {
	if rd.r.App.Present {
		return "targetResources/any(t: t/id eq " + odataString(rd.r.App.ObjectID) + ")"
	}
	return "targetResources/any(t: t/displayName eq " + odataString(rd.o.AppName) + ")"
}

func (rd *reader) listAudits(ctx context.Context, filter string) ([]directoryAudit, error) {
	var page struct {
		Value []directoryAudit `json:"value"`
	}
	err := rd.s.get(ctx, "/v1.0/auditLogs/directoryAudits", url.Values{"$filter": {filter}, "$top": {strconv.Itoa(listTop)}}, &page)
	if len(page.Value) > listTop {
		page.Value = page.Value[:listTop]
	}
	slices.SortStableFunc(page.Value, func(a, b directoryAudit) int { return b.ActivityDateTime.Compare(a.ActivityDateTime) })
	return page.Value, err
}

// audit reads who consented, and whether the app was removed or changed.
func (rd *reader) audit(ctx context.Context) error {
	consents, err := rd.listAudits(ctx, "activityDisplayName eq "+odataString(activityConsent)+" and "+rd.auditTarget())
	if cancelled(ctx, err) {
		return err
	}
	if err != nil {
		rd.r.Consent.Section = sectionFor(err, "the audit log", auditScopes, auditReaderRoles)
		return nil
	}
	rd.r.Consent.Section = Section{Status: StatusRead}
	for _, e := range consents[:min(len(consents), maxConsentAttempts)] {
		ce := ConsentEvent{Event: event(e)}
		if v, ok := property(e, "ConsentContext.IsAdminConsent"); ok {
			admin := strings.EqualFold(strings.Trim(v, `"[] `), "true")
			ce.AdminConsent = &admin
		}
		rd.r.Consent.Attempts = append(rd.r.Consent.Attempts, ce)
		if rd.r.Consent.Last == nil && strings.EqualFold(e.Result, "success") {
			last := ce
			rd.r.Consent.Last = &last
		}
	}
	changes, err := rd.listAudits(ctx, rd.auditTarget())
	if cancelled(ctx, err) {
		return err
	}
	for _, e := range changes {
		switch e.ActivityDisplayName {
		case activityRemove, activityHardDelete:
			if !rd.r.App.Present && rd.r.App.Removed == nil {
				ev := event(e)
				rd.r.App.Removed = &ev
			}
		case activityUpdate, activityRemoveRole, activityAddRole, activityRestore:
			if len(rd.r.App.Changes) < maxChanges {
				rd.r.App.Changes = append(rd.r.App.Changes, event(e))
			}
		}
	}
	return nil
}

// event is an audit entry as doctor reports it.
func event(e directoryAudit) Event {
	ev := Event{At: e.ActivityDateTime.UTC(), Activity: clean(e.ActivityDisplayName), Result: clean(e.Result), Reason: clean(e.ResultReason)}
	switch by := e.InitiatedBy; {
	case by.User != nil && by.User.UserPrincipalName != "":
		ev.By = clean(by.User.UserPrincipalName)
	case by.App != nil:
		ev.By = clean(by.App.DisplayName)
	}
	var parts []string
	for _, t := range e.TargetResources[:min(len(e.TargetResources), 1)] {
		for _, m := range t.ModifiedProperties {
			if m.DisplayName == "ConsentContext.IsAdminConsent" || m.DisplayName == "ConsentAction.Permissions" && ev.Activity == activityConsent {
				continue
			}
			part := m.DisplayName + ": " + string(m.OldValue)
			if m.NewValue != "" {
				part += " → " + string(m.NewValue)
			}
			parts = append(parts, part)
		}
	}
	if d := strings.Join(parts, "; "); d != "" {
		ev.Detail = sanitize.Line(d, maxDetail)
	}
	return ev
}

// property is a modified property's new value on the entry's first target.
func property(e directoryAudit, name string) (string, bool) {
	for _, t := range e.TargetResources {
		for _, m := range t.ModifiedProperties {
			if m.DisplayName == name {
				return string(m.NewValue), true
			}
		}
	}
	return "", false
}

// signIns reads the app's recent service principal sign-ins: the beta List
// signIns with the event type filter Microsoft documents for them (without
// it, only interactive user sign-ins are returned).
func (rd *reader) signIns(ctx context.Context) error {
	var page struct {
		Value []signIn `json:"value"`
	}
	q := url.Values{"$filter": {"appId eq " + odataString(rd.o.AppID) + " and signInEventTypes/any(t: t eq 'servicePrincipal')"},
		"$top": {strconv.Itoa(listTop)}}
	err := rd.s.get(ctx, "/beta/auditLogs/signIns", q, &page)
	if cancelled(ctx, err) {
		return err
	}
	si := &rd.r.SignIns
	if err != nil {
		si.Section = sectionFor(err, "sign-in logs", "AuditLog.Read.All", signInReaderRoles)
		return nil
	}
	si.Section = Section{Status: StatusRead}
	for _, e := range page.Value[:min(len(page.Value), listTop)] {
		si.Examined++
		at := e.CreatedDateTime.UTC()
		if e.Status.ErrorCode == 0 {
			if si.LastSuccess == nil || at.After(*si.LastSuccess) {
				si.LastSuccess = &at
			}
			continue
		}
		if len(si.Failures) >= maxSignInFailures {
			continue
		}
		f := SignInFailure{At: at, AADSTS: e.Status.ErrorCode, Reason: clean(e.Status.FailureReason),
			Resource: clean(e.ResourceDisplayName), CorrelationID: clean(e.CorrelationID)}
		for _, p := range e.AppliedConditionalAccessPolicies {
			if strings.EqualFold(p.Result, "failure") {
				f.Policies = append(f.Policies, clean(p.DisplayName))
			}
		}
		si.Failures = append(si.Failures, f)
	}
	slices.SortStableFunc(si.Failures, func(a, b SignInFailure) int { return b.At.Compare(a.At) })
	return nil
}

// policies reads the Conditional Access policies that include all apps or
// Paratira's, and those a failed sign-in names.
func (rd *reader) policies(ctx context.Context) error {
	var page struct {
		Value []conditionalAccessPolicy `json:"value"`
	}
	err := rd.s.get(ctx, "/v1.0/identity/conditionalAccess/policies", nil, &page)
	if cancelled(ctx, err) {
		return err
	}
	ca := &rd.r.ConditionalAccess
	if err != nil {
		ca.Section = sectionFor(err, "Conditional Access policies", "Policy.Read.All", conditionalAccessRo)
		return nil
	}
	ca.Section = Section{Status: StatusRead}
	named := map[string]bool{}
	for _, f := range rd.r.SignIns.Failures {
		for _, p := range f.Policies {
			named[p] = true
		}
	}
	for _, p := range page.Value {
		name := clean(p.DisplayName)
		var include, exclude []string
		if a := p.Conditions.Applications; a != nil {
			include, exclude = a.IncludeApplications, a.ExcludeApplications
		}
		scope := "named"
		switch {
		case slices.ContainsFunc(include, func(s string) bool { return strings.EqualFold(s, rd.o.AppID) }):
			scope = "this_app"
		case slices.Contains(include, "All") && !slices.ContainsFunc(exclude, func(s string) bool { return strings.EqualFold(s, rd.o.AppID) }):
			scope = "all_apps"
		}
		if (scope == "named" && !named[name]) || strings.EqualFold(p.State, "disabled") || len(ca.Policies) >= maxPolicies {
			continue
		}
		pol := Policy{ID: clean(p.ID), Name: name, State: clean(p.State), Scope: scope, Grant: []string{}, FailedSignIn: named[name]}
		if g := p.GrantControls; g != nil {
			for _, c := range g.BuiltInControls {
				pol.Grant = append(pol.Grant, clean(c))
			}
		}
		ca.Policies = append(ca.Policies, pol)
	}
	return nil
}
