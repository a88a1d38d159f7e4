package doctor

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/defender"
)

// First-party application IDs of the resources Paratira's roles belong to.
const (
	DefenderAppID = "fc780465-2017-40d4-a0c5-307022471b92" // WindowsDefenderATP
	GraphAppID    = "00000003-0000-0000-c000-000000000000" // Microsoft Graph
)

// Options say what to read.
type Options struct {
	// AppID is Paratira's application (client) ID; AppName its display
	// name, which finds the audit entries of an app no longer there.
	AppID, AppName string
	// ConditionalAccess reads the tenant's policies; they are read anyway
	// when a failed sign-in met Conditional Access (AADSTS53003).
	ConditionalAccess bool
	Now               func() time.Time
}

// listTop is how many audit entries or sign-ins one read asks for: the
// newest, which Graph lists first for sign-ins ("descending order based on
// createdDateTime").
const listTop = 50

// Read reads the tenant's side. A section Graph refuses says why and the
// others are still read; only a cancellation ends the read early.
func Read(ctx context.Context, s *Session, o Options) (*Report, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AppName == "" {
		o.AppName = "Paratira"
	}
	r := &Report{TenantID: clean(s.TenantID), ReadAt: o.Now().UTC(), SignedInAs: clean(s.Account.UPN),
		App: App{Changes: []Event{}}, Roles: Roles{Required: []Role{}, Missing: []string{}, Excess: []string{}, Other: []string{}},
		Consent: Consent{Attempts: []ConsentEvent{}}, SignIns: SignIns{Failures: []SignInFailure{}},
		ConditionalAccess: ConditionalAccess{Section: Section{Status: StatusSkipped, Reason: "no failed sign-in met Conditional Access"}, Policies: []Policy{}},
		Findings:          []Finding{}, Unexplained: []Check{}}
	rd := reader{s: s, o: o, r: r}
	steps := []func(context.Context) error{rd.app, rd.audit, rd.signIns}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	if o.ConditionalAccess || slices.ContainsFunc(r.SignIns.Failures, func(f SignInFailure) bool { return f.AADSTS == 53003 }) {
		if err := rd.policies(ctx); err != nil {
			return nil, err
		}
	}
	r.Findings = findings(r)
	return r, nil
}

type reader struct {
	s *Session
	o Options
	r *Report
	// roleNames maps an app role ID to its name and API.
	roleNames map[string]Role
}

// cancelled reports a read the caller ended: the whole read stops.
func cancelled(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
}

// sectionFor says why a section could not be read. Graph: "most
// authorization errors are 403"; the sign-in logs' licence refusal is
// Authentication_RequestFromNonPremiumTenantOrB2CTenant ("Neither tenant is
// B2C or tenant doesn't have premium license").
func sectionFor(err error, what, scope, roles string) Section {
	var ge *GraphError
	if errors.As(err, &ge) {
		switch {
		case ge.Status == 403 && strings.EqualFold(ge.Code, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"):
			return Section{StatusNotAvailable, what + " need Microsoft Entra ID P1 or P2 in this tenant, which it does not have (Graph: " + ge.Code + ")"}
		case ge.Status == 401 || ge.Status == 403:
			return Section{StatusNotAvailable, "Graph refused to read " + what + " (" + ge.Code + "): the sign-in's consent lacks " + scope +
				", or the account that signed in is not " + roles}
		}
		return Section{StatusFailed, clean(ge.Error())}
	}
	return Section{StatusFailed, clean(err.Error())}
}

func (rd *reader) app(ctx context.Context) error {
	const roles = "allowed to read applications (Global Reader, Application Administrator or Cloud Application Administrator)"
	var sp servicePrincipal
	err := rd.s.get(ctx, "/v1.0/servicePrincipals(appId="+odataString(rd.o.AppID)+")", nil, &sp)
	var ge *GraphError
	switch {
	case cancelled(ctx, err):
		return err
	case errors.As(err, &ge) && ge.Status == 404:
		rd.r.App.Section = Section{Status: StatusRead}
	case err != nil:
		rd.r.App.Section = sectionFor(err, "the enterprise application", "Application.Read.All", roles)
		rd.r.Roles.Section = rd.r.App.Section
		return nil
	default:
		rd.r.App = App{Section: Section{Status: StatusRead}, Present: true, Enabled: sp.AccountEnabled, ObjectID: clean(sp.ID),
			DisplayName: clean(sp.DisplayName), Changes: []Event{}}
	}
	if err := rd.resources(ctx); err != nil {
		return err
	}
	return rd.assignments(ctx)
}

// resources learns the names of the Defender and Graph app roles, and
// whether WindowsDefenderATP is in the tenant.
func (rd *reader) resources(ctx context.Context) error {
	rd.roleNames = map[string]Role{}
	for _, res := range []struct{ appID, api string }{{DefenderAppID, "WindowsDefenderATP"}, {GraphAppID, "Microsoft Graph"}} {
		var sp servicePrincipal
		err := rd.s.get(ctx, "/v1.0/servicePrincipals(appId="+odataString(res.appID)+")", url.Values{"$select": {"id,appId,displayName,appRoles"}}, &sp)
		var ge *GraphError
		switch {
		case cancelled(ctx, err):
			return err
		case err == nil:
			for _, ar := range sp.AppRoles {
				rd.roleNames[strings.ToLower(ar.ID)] = Role{Name: clean(ar.Value), API: res.api}
			}
		}
		if res.appID == DefenderAppID {
			present := err == nil
			if err == nil || errors.As(err, &ge) && ge.Status == 404 {
				rd.r.App.DefenderProvisioned = &present
			}
		}
	}
	return nil
}

func (rd *reader) assignments(ctx context.Context) error {
	roles := &rd.r.Roles
	if !rd.r.App.Present {
		roles.Section = Section{StatusSkipped, "no enterprise application, so no roles"}
		roles.Missing = defender.RequiredRoles()
		for _, name := range roles.Missing {
			roles.Required = append(roles.Required, Role{Name: name, API: apiOf(name)})
		}
		return nil
	}
	var page struct {
		Value []assignment `json:"value"`
	}
	err := rd.s.get(ctx, "/v1.0/servicePrincipals/"+url.PathEscape(rd.r.App.ObjectID)+"/appRoleAssignments", nil, &page)
	if cancelled(ctx, err) {
		return err
	}
	if err != nil {
		roles.Section = sectionFor(err, "the app role assignments", "Application.Read.All", "allowed to read applications")
		return nil
	}
	roles.Section = Section{Status: StatusRead}
	var granted []string
	for _, a := range page.Value[:min(len(page.Value), 500)] {
		name := rd.roleNames[strings.ToLower(a.AppRoleID)].Name
		if name == "" {
			name = clean(a.ResourceDisplayName) + " role " + clean(a.AppRoleID)
		}
		granted = append(granted, name)
		if at := a.CreatedDateTime; !at.IsZero() && (roles.GrantedAt == nil || at.Before(*roles.GrantedAt)) {
			roles.GrantedAt = &at
		}
	}
	judgeRoles(roles, granted)
	return nil
}

// judgeRoles sorts granted roles into required, excess and other.
func judgeRoles(roles *Roles, granted []string) {
	required := defender.RequiredRoles()
	for _, name := range required {
		ok := slices.Contains(granted, name)
		roles.Required = append(roles.Required, Role{Name: name, API: apiOf(name), Granted: ok})
		if !ok {
			roles.Missing = append(roles.Missing, name)
		}
	}
	roles.Excess = append(roles.Excess, defender.ExcessRoles(granted)...)
	for _, g := range granted {
		if !slices.Contains(required, g) && !slices.Contains(roles.Excess, g) {
			roles.Other = append(roles.Other, g)
		}
	}
}

// apiOf names the API a required role belongs to.
func apiOf(role string) string {
	if role == "ServiceHealth.Read.All" {
		return "Microsoft Graph"
	}
	return "WindowsDefenderATP"
}
