package connector

import (
	"slices"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// ValidationRecord is what the store records of a validation run: every
// tenant's region, cloud instance, the roles of all its tokens (see
// recordedRoles) and every check's outcome. The wizard and `mdeconnect add` both use
// it, so a re-test compares like with like.
func ValidationRecord(res defender.Result, at time.Time) store.Validation {
	v := store.Validation{At: at.UTC(), OK: res.OK}
	for _, t := range res.Tenants {
		tv := store.TenantValidation{TenantID: t.TenantID, OK: t.OK}
		if t.Info != nil {
			tv.RegionScope, tv.CloudInstance = t.Info.RegionScope, t.Info.CloudInstance
		}
		tv.GrantedRoles, tv.OtherRoles = recordedRoles(t)
		for _, c := range t.Checks {
			tv.Checks = append(tv.Checks, store.Check{ID: string(c.ID), Status: string(c.Status), Problem: string(c.Problem)})
		}
		v.Tenants = append(v.Tenants, tv)
	}
	return v
}

// recordedRoles are the roles of all a tenant's tokens as the store keeps
// them: once each, the ones that matter first (the required roles, then those
// that grant more than reading), then the rest sorted, cut at
// store.MaxGrantedRoles with the rest counted. A re-test compares the same
// cut, so a token with hundreds of roles shows no false change.
func recordedRoles(t defender.TenantResult) (roles []string, other int) {
	var all []string
	for _, cl := range t.Claims {
		all = append(all, cl.Roles...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	rank := func(r string) int {
		switch {
		case slices.Contains(defender.RequiredRoles(), r):
			return 0
		case len(defender.ExcessRoles([]string{r})) > 0:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(all, func(a, b string) int { return rank(a) - rank(b) })
	if len(all) > store.MaxGrantedRoles {
		return all[:store.MaxGrantedRoles], len(all) - store.MaxGrantedRoles
	}
	return all, 0
}
