package connector

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/store"
)

// Change is something about a tenant that differs from its last
// recorded test: the guide asks admins to check the connector after
// significant tenant changes, so the tool points them out.
type Change struct {
	TenantID string `json:"tenant_id"`
	Kind     string `json:"kind"` // consent_removed, region, cloud, roles
	Before   string `json:"before,omitempty"`
	After    string `json:"after,omitempty"`
	Message  string `json:"message"`
}

// Compare lists what changed for each tenant since prev.
func Compare(c store.Connector, prev *store.Validation, res defender.Result, consentLink func(tenant string) string) []Change {
	if prev == nil {
		return nil
	}
	var out []Change
	for _, t := range res.Tenants {
		i := slices.IndexFunc(prev.Tenants, func(p store.TenantValidation) bool { return strings.EqualFold(p.TenantID, t.TenantID) })
		if i < 0 {
			continue
		}
		out = append(out, compareTenant(prev.Tenants[i], t, consentLink)...)
	}
	return out
}

func compareTenant(p store.TenantValidation, t defender.TenantResult, consentLink func(string) string) []Change {
	var out []Change
	tok, _ := t.Check(defender.CheckToken)
	if p.OK && tok.Problem == problem.ConsentMissing {
		out = append(out, Change{TenantID: t.TenantID, Kind: "consent_removed",
			Message: fmt.Sprintf("The Paratira enterprise application no longer appears in tenant %s: it passed its last test, and now Entra ID says the app is not there (consent removed or revoked). "+
				"Reconnect: a Global Administrator or Privileged Role Administrator of the tenant opens %s and accepts, then re-test. %s", t.TenantID, consentLink(t.TenantID), problem.ApproverRoles)})
	}
	if t.Info != nil {
		if p.RegionScope != "" && t.Info.RegionScope != "" && p.RegionScope != t.Info.RegionScope {
			out = append(out, Change{TenantID: t.TenantID, Kind: "region", Before: p.RegionScope, After: t.Info.RegionScope,
				Message: fmt.Sprintf("tenant %s's region scope changed from %s to %s", t.TenantID, p.RegionScope, t.Info.RegionScope)})
		}
		if p.CloudInstance != "" && t.Info.CloudInstance != "" && p.CloudInstance != t.Info.CloudInstance {
			out = append(out, Change{TenantID: t.TenantID, Kind: "cloud", Before: p.CloudInstance, After: t.Info.CloudInstance,
				Message: fmt.Sprintf("tenant %s's cloud changed from %s to %s", t.TenantID, p.CloudInstance, t.Info.CloudInstance)})
		}
	}
	if now, _ := recordedRoles(t); len(now) > 0 && len(p.GrantedRoles) > 0 {
		added, removed := diff(p.GrantedRoles, now), diff(now, p.GrantedRoles)
		if len(added)+len(removed) > 0 {
			out = append(out, Change{TenantID: t.TenantID, Kind: "roles", Before: strings.Join(p.GrantedRoles, ","), After: strings.Join(now, ","),
				Message: fmt.Sprintf("tenant %s's granted roles changed: %s", t.TenantID, roleDiff(added, removed))})
		}
	}
	return out
}

// diff lists what b has that a lacks.
func diff(a, b []string) []string {
	var out []string
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

func roleDiff(added, removed []string) string {
	var parts []string
	for _, r := range added {
		parts = append(parts, "+"+r)
	}
	for _, r := range removed {
		parts = append(parts, "-"+r)
	}
	return strings.Join(parts, ", ")
}
