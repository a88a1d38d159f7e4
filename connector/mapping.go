package connector

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/paratira/mdeconnect/internal/sanitize"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// ParseMapping reads one TENANT=CUSTOMER pair: a tenant ID or domain, and
// the Paratira customer it belongs to. A domain is kept in Domain too, so it
// stays visible once the tenant is resolved to its GUID.
func ParseMapping(tenant, customer string) (store.Mapping, error) {
	tid, err := defender.ParseTenant(tenant)
	if err != nil {
		return store.Mapping{}, &FieldError{Field: FieldMappings, Reason: err.Error(),
			Fix: "give the tenant's ID (a GUID) or one of its domains"}
	}
	customer = strings.TrimSpace(customer)
	if customer == "" {
		return store.Mapping{}, &FieldError{Field: FieldMappings, Missing: true, Reason: fmt.Sprintf("tenant %s has no customer", tid),
			Fix: "name the Paratira customer that tenant " + tid + " belongs to"}
	}
	if err := sanitize.ValidName(customer); err != nil {
		return store.Mapping{}, &FieldError{Field: FieldMappings, Reason: fmt.Sprintf("the customer name for tenant %s is not usable: %v", tid, err),
			Fix: "type the customer's name in plain printable characters"}
	}
	m := store.Mapping{TenantID: tid, CustomerName: customer}
	if !defender.IsGUID(tid) {
		m.Domain = tid
	}
	return m, nil
}

// tenantKey is how two mappings are compared: a tenant ID or domain, case
// folded.
func tenantKey(m store.Mapping) string { return strings.ToLower(m.TenantID) }

// CheckDuplicates is the one rule that a tenant maps to one customer: it
// refuses the second mapping of a tenant, naming both.
func CheckDuplicates(ms []store.Mapping) error {
	seen := make(map[string]int, len(ms))
	for i, m := range ms {
		if j, dup := seen[tenantKey(m)]; dup {
			reason := fmt.Sprintf("tenant %s is mapped twice", m.TenantID)
			if a, b := label(ms[j]), label(m); !strings.EqualFold(a, b) {
				reason += fmt.Sprintf(": %s and %s are the same tenant", a, b)
			}
			return &FieldError{Field: FieldMappings, Reason: reason, Fix: "a tenant maps to one customer: keep one of them"}
		}
		seen[tenantKey(m)] = i
	}
	return nil
}

// Add appends m to ms unless its tenant is already there.
func Add(ms []store.Mapping, m store.Mapping) ([]store.Mapping, error) {
	next := append(ms[:len(ms):len(ms)], m)
	if err := CheckDuplicates(next); err != nil {
		return ms, err
	}
	return next, nil
}

// label is how a mapping is named in a message: the domain it was entered
// as, or its tenant ID.
func label(m store.Mapping) string { return cmp.Or(m.Domain, m.TenantID) }

// ResolveMappings replaces each mapping's domain with the tenant GUID
// discovery found (res.Tenants[i] is mappings[i]'s result), keeping the
// domain in Domain, so the connector keeps working if the domain is later
// removed from the tenant. The result's tenants are renamed to match. Two
// mappings that turn out to be one tenant, such as a domain and its own
// GUID, are refused: a tenant maps to one customer.
func ResolveMappings(mappings []store.Mapping, res *defender.Result) error {
	for i := range mappings {
		mp := &mappings[i]
		if i < len(res.Tenants) {
			t := &res.Tenants[i]
			if t.Info != nil && t.Info.TenantID != "" && t.Info.TenantID != mp.TenantID {
				mp.Domain, mp.TenantID = mp.TenantID, t.Info.TenantID
				t.TenantID = t.Info.TenantID
			}
		}
	}
	return CheckDuplicates(mappings)
}
