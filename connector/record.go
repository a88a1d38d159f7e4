package connector

import (
	"slices"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// ValidationRecord is what the store records of a validation run: every
// tenant's region, cloud instance, the roles of all its tokens (sorted, once
// each) and every check's outcome. The wizard and `mdeconnect add` both use
// it, so a re-test compares like with like.
func ValidationRecord(res defender.Result, at time.Time) store.Validation {
	v := store.Validation{At: at.UTC(), OK: res.OK}
	for _, t := range res.Tenants {
		tv := store.TenantValidation{TenantID: t.TenantID, OK: t.OK}
		if t.Info != nil {
			tv.RegionScope, tv.CloudInstance = t.Info.RegionScope, t.Info.CloudInstance
		}
		for _, cl := range t.Claims {
			tv.GrantedRoles = append(tv.GrantedRoles, cl.Roles...)
		}
		slices.Sort(tv.GrantedRoles)
		tv.GrantedRoles = slices.Compact(tv.GrantedRoles)
		for _, c := range t.Checks {
			tv.Checks = append(tv.Checks, store.Check{ID: string(c.ID), Status: string(c.Status), Problem: string(c.Problem)})
		}
		v.Tenants = append(v.Tenants, tv)
	}
	return v
}
