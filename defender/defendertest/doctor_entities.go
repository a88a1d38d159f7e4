package defendertest

import (
	"slices"
	"strings"
	"time"
)

// Graph entities of a fake tenant, in the shapes Microsoft Graph documents
// (servicePrincipal, appRole, appRoleAssignment, directoryAudit, signIn
// (beta), conditionalAccessPolicy), as maps so $select can cut them.

// ParatiraHomeTenantID is the tenant Paratira's app is registered in: its
// service principals' appOwnerOrganizationId.
const ParatiraHomeTenantID = "3f1b5a2e-7c9d-4e8f-a1b2-c3d4e5f60718"

// microsoftTenantID owns Microsoft's first-party apps (community evidence:
// appOwnerOrganizationId of WindowsDefenderATP in public scripts).
const microsoftTenantID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

// resourceRoles are the application roles each resource exposes, as much of
// them as the fake needs: Paratira's, the write roles some tenants granted,
// and a few others. Their IDs are the fake's own (doctor resolves role
// names through appRoles and never relies on an ID).
func resourceRoles(appID string) []string {
	if appID == GraphAppID {
		return []string{roleServiceHealthRead, "Application.Read.All", "AuditLog.Read.All", "Directory.Read.All", "Policy.Read.All"}
	}
	return []string{roleMachineRead, roleMachineReadWrite, "Machine.Isolate", "Machine.Scan", roleScoreRead,
		roleRecommendationRead, "Alert.Read.All", "Vulnerability.Read.All"}
}

func appRoleID(resourceAppID, value string) string {
	return guidFrom(seeded("approle", resourceAppID+"/"+value))
}

// resourceOf is the resource app that exposes role r (Graph's or Defender's).
func resourceOf(r string) string {
	if slices.Contains(resourceRoles(GraphAppID), r) {
		return GraphAppID
	}
	return DefenderAppID
}

// servicePrincipal is a tenant's service principal by object ID or app ID:
// Paratira's, or a resource's.
func (c *Cloud) servicePrincipal(t *tenantState, id, appID string) (map[string]any, bool) {
	s := t.scenario
	st := c.storyOf(t)
	for _, sp := range []struct {
		appID, name, owner string
		present, enabled   bool
	}{
		{c.opts.ClientID, "Paratira", ParatiraHomeTenantID, st.spPresent, st.spEnabled},
		{DefenderAppID, "WindowsDefenderATP", microsoftTenantID, st.defenderSP, true},
		{GraphAppID, "Microsoft Graph", microsoftTenantID, true, true},
	} {
		objID := servicePrincipalID(s.TenantID, sp.appID)
		if !sp.present || !(strings.EqualFold(id, objID) || strings.EqualFold(appID, sp.appID)) {
			continue
		}
		roles := []map[string]any{}
		if sp.appID != c.opts.ClientID {
			for _, v := range resourceRoles(sp.appID) {
				roles = append(roles, map[string]any{"allowedMemberTypes": []string{"Application"}, "description": "Allows the app to " + v,
					"displayName": v, "id": appRoleID(sp.appID, v), "isEnabled": true, "origin": "Application", "value": v})
			}
		}
		return map[string]any{"id": objID, "deletedDateTime": nil, "accountEnabled": sp.enabled, "appDisplayName": sp.name,
			"appId": sp.appID, "appOwnerOrganizationId": sp.owner, "displayName": sp.name, "servicePrincipalType": "Application",
			"signInAudience": "AzureADMultipleOrgs", "appRoles": roles, "tags": []string{"WindowsAzureActiveDirectoryIntegratedApp"}}, true
	}
	return nil, false
}

// assignments are Paratira's app role assignments: one per granted role.
func (c *Cloud) assignments(s Scenario, st story) []map[string]any {
	spID := servicePrincipalID(s.TenantID, c.opts.ClientID)
	out := []map[string]any{}
	for _, r := range st.roles {
		res := resourceOf(r)
		if res == DefenderAppID && !st.defenderSP {
			continue
		}
		name := map[string]string{GraphAppID: "Microsoft Graph", DefenderAppID: "WindowsDefenderATP"}[res]
		out = append(out, map[string]any{"id": b64([]byte(spID + r))[:43], "deletedDateTime": nil, "appRoleId": appRoleID(res, r),
			"createdDateTime": st.grantedAt.Format(time.RFC3339), "principalDisplayName": "Paratira", "principalId": spID,
			"principalType": "ServicePrincipal", "resourceDisplayName": name, "resourceId": servicePrincipalID(s.TenantID, res)})
	}
	return out
}

func (c *Cloud) auditEntry(s Scenario, a audit) map[string]any {
	var mods []map[string]any
	for _, m := range a.modified {
		mods = append(mods, map[string]any{"displayName": m[0], "oldValue": m[1], "newValue": m[2]})
	}
	op := map[string]string{"Remove service principal": "Delete", "Update service principal": "Update",
		"Remove app role assignment from service principal": "Unassign"}[a.activity]
	if op == "" {
		op = "Assign"
	}
	return map[string]any{"id": "Directory_" + guidFrom(seeded(s.TenantID, "audit/"+a.activity+a.at.String())),
		"category": a.category, "correlationId": guidFrom(seeded(s.TenantID, "corr/"+a.at.String())), "result": a.result,
		"resultReason": a.reason, "activityDisplayName": a.activity, "activityDateTime": a.at.UTC().Format(time.RFC3339),
		"loggedByService": "Core Directory", "operationType": op,
		"initiatedBy": map[string]any{"app": nil, "user": map[string]any{"id": a.by.id, "displayName": a.by.name,
			"userPrincipalName": a.by.upn, "ipAddress": "203.0.113.24"}},
		"targetResources": []map[string]any{{"id": servicePrincipalID(s.TenantID, c.opts.ClientID), "displayName": "Paratira",
			"type": "ServicePrincipal", "userPrincipalName": nil, "groupType": nil, "modifiedProperties": orEmpty(mods)}},
		"additionalDetails": []map[string]any{{"key": "AppId", "value": c.opts.ClientID}}}
}

func (c *Cloud) signInEntry(s Scenario, si signIn) map[string]any {
	caStatus := "notApplied"
	policies := []map[string]any{}
	if si.policy != nil {
		caStatus = "failure"
		policies = append(policies, map[string]any{"id": si.policy.id, "displayName": si.policy.name,
			"enforcedGrantControls": []string{"Block"}, "enforcedSessionControls": []string{}, "result": "failure"})
	}
	var reason any
	if si.code != 0 {
		reason = si.reason
	}
	resName := map[string]string{GraphAppID: "Microsoft Graph", DefenderAppID: "WindowsDefenderATP"}[si.resource]
	return map[string]any{"id": guidFrom(seeded(s.TenantID, "signin/"+si.at.String())), "createdDateTime": si.at.UTC().Format(time.RFC3339),
		"appDisplayName": "Paratira", "appId": c.opts.ClientID, "servicePrincipalId": servicePrincipalID(s.TenantID, c.opts.ClientID),
		"servicePrincipalName": "Paratira", "ipAddress": "198.51.100.7", "resourceDisplayName": resName, "resourceId": si.resource,
		"correlationId": guidFrom(seeded(s.TenantID, "signin-corr/"+si.at.String())), "conditionalAccessStatus": caStatus,
		"isInteractive": false, "signInEventTypes": []string{"servicePrincipal"}, "clientCredentialType": "clientSecret",
		"userPrincipalName": nil, "userDisplayName": nil,
		"status":                           map[string]any{"errorCode": si.code, "failureReason": reason, "additionalDetails": nil},
		"appliedConditionalAccessPolicies": policies}
}

func (c *Cloud) policyEntry(p caPolicy) map[string]any {
	return map[string]any{"id": p.id, "displayName": p.name, "state": p.state,
		"createdDateTime": c.epoch.Add(-400 * 24 * time.Hour).Format(time.RFC3339), "modifiedDateTime": nil,
		"conditions": map[string]any{"clientAppTypes": []string{"all"},
			"applications": map[string]any{"includeApplications": p.includeApps, "excludeApplications": []string{}},
			"users":        map[string]any{"includeUsers": []string{"All"}, "excludeUsers": []string{}}, "clientApplications": nil},
		"grantControls": map[string]any{"operator": "OR", "builtInControls": p.grant}}
}

// newestFirst sorts entries by a time field, newest first, and keeps top.
func newestFirst(v []map[string]any, field string, top int) []map[string]any {
	slices.SortStableFunc(v, func(a, b map[string]any) int {
		return strings.Compare(b[field].(string), a[field].(string))
	})
	return orEmpty(v[:min(top, len(v))])
}
