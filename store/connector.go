package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/internal/sanitize"
)

// TypeDefender is the connector type of a Microsoft Defender for Endpoint connector.
const TypeDefender = "microsoft-defender-endpoint"

// Mode says how the connector's tenants map to Paratira customers.
type Mode string

// The mapping modes a connector can use.
const (
	// OneToOne maps the connector's single tenant to a single customer.
	OneToOne Mode = "one-to-one"
	// OneToMany maps several tenants (a multi-tenant app) to one customer each.
	OneToMany Mode = "one-to-many"
)

// Connector is one saved connector. Its secret is never part of it: it lives in
// the place SecretStore names, keyed by Name.
type Connector struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Mode     Mode   `json:"mapping_mode"`
	ClientID string `json:"client_id"`
	// Cloud names the Microsoft cloud, e.g. "global"; the store does not interpret it.
	Cloud     string    `json:"cloud"`
	Endpoints Endpoints `json:"endpoints,omitzero"`
	Mappings  []Mapping `json:"mappings"`
	// SecretStore is set by the store when the secret is saved; changes made to it
	// through Update are ignored.
	SecretStore Backend   `json:"secret_store"`
	CreatedAt   time.Time `json:"created_at"`
	// UpdatedAt records the last change to the connector's configuration or secret;
	// recording a validation does not change it.
	UpdatedAt      time.Time   `json:"updated_at"`
	LastValidation *Validation `json:"last_validation,omitempty"`
}

// Endpoints overrides the URLs the cloud implies; empty fields keep the default.
type Endpoints struct {
	LoginURL string `json:"login_url,omitempty"`
	APIURL   string `json:"api_url,omitempty"`
	GraphURL string `json:"graph_url,omitempty"`
}

// Mapping ties one tenant to one Paratira customer.
type Mapping struct {
	TenantID     string    `json:"tenant_id"`
	CustomerName string    `json:"customer_name"`
	Domain       string    `json:"domain,omitempty"`
	AddedAt      time.Time `json:"added_at"`
}

// Validation is the outcome of the last test of a connector, as plain strings so
// the store does not depend on the engine that produced it.
type Validation struct {
	At      time.Time          `json:"at"`
	OK      bool               `json:"ok"`
	Tenants []TenantValidation `json:"tenants"`
}

// TenantValidation is the outcome of the test of one tenant.
type TenantValidation struct {
	TenantID      string `json:"tenant_id"`
	OK            bool   `json:"ok"`
	RegionScope   string `json:"region_scope,omitempty"`
	CloudInstance string `json:"cloud_instance,omitempty"`
	// GrantedRoles are the roles the tenant's tokens carried, at most
	// MaxGrantedRoles of them, in the order given: callers list the roles that
	// matter (the required ones, those that grant too much) first. OtherRoles
	// counts the roles not kept: beyond the bound, or not a plausible role name.
	GrantedRoles []string `json:"granted_roles,omitempty"`
	OtherRoles   int      `json:"other_roles,omitempty"`
	Checks       []Check  `json:"checks,omitempty"`
}

// MaxGrantedRoles bounds the roles kept of one tenant's test: a token's roles
// come from a server, and a hostile one sent 100,000.
const MaxGrantedRoles = 64

// Check is the outcome of one check against one tenant.
type Check struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Problem string `json:"problem,omitempty"`
}

// normalize fills defaults and trims what a user typed, so that validate and
// duplicate detection see canonical values.
func (c Connector) normalize() Connector {
	c.Name = strings.TrimSpace(c.Name)
	if c.Type == "" {
		c.Type = TypeDefender
	}
	c.Mappings = append([]Mapping(nil), c.Mappings...)
	for i := range c.Mappings {
		c.Mappings[i].TenantID = strings.TrimSpace(c.Mappings[i].TenantID)
	}
	if c.LastValidation != nil {
		v := c.LastValidation.clone()
		v.bound()
		c.LastValidation = &v
	}
	return c
}

// validate reports the first problem that makes c unsavable.
func (c Connector) validate() error {
	if err := validateName(c.Name); err != nil {
		return err
	}
	if c.Type != TypeDefender {
		return &ValidationError{Field: "type", Reason: fmt.Sprintf("unknown connector type %s; this mdeconnect only knows %q", sanitize.Quote(c.Type), TypeDefender)}
	}
	if c.Mode != OneToOne && c.Mode != OneToMany {
		return &ValidationError{Field: "mapping mode", Reason: fmt.Sprintf("%s is not a mapping mode; choose %q or %q", sanitize.Quote(string(c.Mode)), OneToOne, OneToMany)}
	}
	if c.Mode == OneToOne && len(c.Mappings) > 1 {
		return &ValidationError{Field: "mappings", Reason: fmt.Sprintf("a %s connector maps one tenant, this one has %d; remove the extra mappings or use %s", OneToOne, len(c.Mappings), OneToMany)}
	}
	seen := make(map[string]bool, len(c.Mappings))
	for i, m := range c.Mappings {
		id := strings.ToLower(m.TenantID)
		if id == "" {
			return &ValidationError{Field: "mappings", Reason: fmt.Sprintf("mapping %d has no tenant ID; enter the tenant's directory ID", i+1)}
		}
		if seen[id] {
			return &ValidationError{Field: "mappings", Reason: fmt.Sprintf("tenant %s is mapped twice; a tenant can map to only one customer", sanitize.Quote(m.TenantID))}
		}
		seen[id] = true
		if err := sanitize.ValidName(m.CustomerName); err != nil {
			return &ValidationError{Field: "customer name", Reason: fmt.Sprintf("the customer of tenant %s, %s: %v", sanitize.Quote(m.TenantID), sanitize.Quote(m.CustomerName), err)}
		}
	}
	return nil
}

// validateName is the rule for connector names: sanitize.ValidName's (no
// control or bidi characters, at most sanitize.MaxName runes), not empty, no
// spaces around.
func validateName(name string) error {
	if strings.TrimSpace(name) == "" {
		return &ValidationError{Field: "name", Reason: "the name is empty; give the connector a name"}
	}
	if err := sanitize.ValidName(name); err != nil {
		return &ValidationError{Field: "name", Reason: fmt.Sprintf("%s: %v; use printable characters only", sanitize.Quote(name), err)}
	}
	if name != strings.TrimSpace(name) {
		return &ValidationError{Field: "name", Reason: fmt.Sprintf("%s starts or ends with spaces; remove them", sanitize.Quote(name))}
	}
	return nil
}

func validateSecret(secret string) error {
	if strings.TrimSpace(secret) == "" {
		return &ValidationError{Field: "secret", Reason: "the client secret is empty; paste the secret value (not its ID) from the app registration"}
	}
	return nil
}

// clone returns a copy of c that shares no slices or pointers with it, so that
// callers of Get and Update cannot change the store's copy behind its back.
func (c Connector) clone() Connector {
	c.Mappings = append([]Mapping(nil), c.Mappings...)
	if c.LastValidation != nil {
		v := c.LastValidation.clone()
		c.LastValidation = &v
	}
	return c
}

func (v Validation) clone() Validation {
	v.Tenants = append([]TenantValidation(nil), v.Tenants...)
	for i, t := range v.Tenants {
		v.Tenants[i].GrantedRoles = append([]string(nil), t.GrantedRoles...)
		v.Tenants[i].Checks = append([]Check(nil), t.Checks...)
	}
	return v
}

// bound keeps what a server sent within reason, on save and on load alike:
// at most MaxGrantedRoles plausible role names per tenant (the rest counted
// in OtherRoles), and the free text of discovery and checks as one clipped
// line. Applying it twice changes nothing.
func (v *Validation) bound() {
	for i := range v.Tenants {
		t := &v.Tenants[i]
		t.RegionScope = sanitize.Line(t.RegionScope, maxServerText)
		t.CloudInstance = sanitize.Line(t.CloudInstance, maxServerText)
		for j := range t.Checks {
			c := &t.Checks[j]
			c.ID, c.Status, c.Problem = sanitize.Line(c.ID, maxServerText), sanitize.Line(c.Status, maxServerText), sanitize.Line(c.Problem, maxServerText)
		}
		t.OtherRoles = max(t.OtherRoles, 0)
		var kept []string
		seen := map[string]bool{}
		for _, r := range t.GrantedRoles {
			switch {
			case seen[r]: // once is enough
			case len(kept) == MaxGrantedRoles || r == "" || sanitize.ValidName(r) != nil:
				t.OtherRoles++
			default:
				kept = append(kept, r)
			}
			seen[r] = true
		}
		t.GrantedRoles = kept
	}
}

// maxServerText bounds a region, cloud instance or check field: real ones are
// a few words.
const maxServerText = 256
