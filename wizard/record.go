package wizard

import (
	"cmp"
	"fmt"
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

// ResolveMappings replaces each mapping's domain with the tenant GUID
// discovery found (res.Tenants[i] is mappings[i]'s result), keeping the
// domain in Domain, so the connector keeps working if the domain is later
// removed from the tenant. The result's tenants are renamed to match. Two
// mappings that turn out to be one tenant, such as a domain and its own
// GUID, are refused: a tenant maps to one customer.
func ResolveMappings(mappings []store.Mapping, res *defender.Result) error {
	seen := map[string]string{}
	for i := range mappings {
		mp := &mappings[i]
		if i < len(res.Tenants) {
			t := &res.Tenants[i]
			if t.Info != nil && t.Info.TenantID != "" && t.Info.TenantID != mp.TenantID {
				mp.Domain, mp.TenantID = mp.TenantID, t.Info.TenantID
				t.TenantID = t.Info.TenantID
			}
		}
		as := cmp.Or(mp.Domain, mp.TenantID)
		if prev, dup := seen[mp.TenantID]; dup {
			return fmt.Errorf("%s and %s are the same tenant (%s): a tenant maps to one customer", prev, as, mp.TenantID)
		}
		seen[mp.TenantID] = as
	}
	return nil
}
