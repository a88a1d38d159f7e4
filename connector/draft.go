package connector

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paratira/mdeconnect/internal/sanitize"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// DefaultName is the connector name the setup guide suggests.
const DefaultName = "Defender for Endpoint Connector"

// Field names the part of a connector a rule is about, so each front end
// can point at it: a flag in cli/, an input in wizard/.
type Field string

// The fields of a draft.
const (
	FieldName     Field = "name"
	FieldClientID Field = "client-id"
	FieldSecret   Field = "secret"
	FieldMode     Field = "mode"
	FieldMappings Field = "tenant"
)

// FieldError is a rule a draft breaks. Missing is set when the field is
// simply empty, which a command line words as "--flag is required".
type FieldError struct {
	Field   Field
	Missing bool
	Reason  string // what is wrong
	Fix     string // what to do
}

func (e *FieldError) Error() string { return e.Reason + ": " + e.Fix }

// Draft is a connector being entered, before it is saved.
type Draft struct {
	Name     string
	ClientID string
	Secret   string
	Mode     store.Mode
	Cloud    string
	Mappings []store.Mapping
}

// Taken reports whether a saved connector already uses a name.
type Taken func(name string) bool

// CheckName is the rule for a connector's name: present and unused.
func CheckName(name string, taken Taken) error {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return &FieldError{Field: FieldName, Missing: true, Reason: "the name is empty",
			Fix: "give the connector a name, e.g. \"" + DefaultName + "\""}
	case sanitize.ValidName(name) != nil:
		return &FieldError{Field: FieldName, Reason: "the name is not usable: " + sanitize.ValidName(name).Error(),
			Fix: "use printable characters only, at most " + strconv.Itoa(sanitize.MaxName)}
	case taken != nil && taken(name):
		return &FieldError{Field: FieldName, Reason: fmt.Sprintf("a connector called %q already exists", name),
			Fix: "choose another name, or change the saved one"}
	}
	return nil
}

// CheckClientID is the rule for the application (client) ID: a GUID.
func CheckClientID(id string) error {
	if !defender.IsGUID(strings.TrimSpace(id)) {
		return &FieldError{Field: FieldClientID, Reason: fmt.Sprintf("the client ID %q is not a GUID", id),
			Fix: "Paratira's app is " + defender.ParatiraClientID}
	}
	return nil
}

// CheckCloudClientID is the rule that the client ID exists in the cloud:
// Paratira's global app is not registered in the US Government clouds.
func CheckCloudClientID(cloudName, id string) error {
	cloud, err := defender.LookupCloud(cloudName)
	if err != nil {
		return &FieldError{Field: FieldClientID, Reason: err.Error(), Fix: "choose global, gcc, gcc-high or dod"}
	}
	if err := cloud.CheckClientID(id); err != nil {
		return &FieldError{Field: FieldClientID, Reason: "Paratira's global app does not exist in the " + cloud.Name + " cloud",
			Fix: "enter the client ID of Paratira's US Government app (ask Paratira support for it): " + err.Error()}
	}
	return nil
}

// CheckSecret is the rule for the client secret: present.
func CheckSecret(secret string) error {
	if strings.TrimSpace(secret) == "" {
		return &FieldError{Field: FieldSecret, Missing: true, Reason: "the client secret is empty",
			Fix: "paste the secret value a Paratira admin gave you securely"}
	}
	return nil
}

// SecretLooksLikeID catches the commonest mistake: the secret's ID (a GUID)
// pasted instead of its value.
func SecretLooksLikeID(s string) bool { return defender.IsGUID(strings.TrimSpace(s)) }

// Check reports the first rule the draft breaks, in the order the fields are
// entered.
func (d Draft) Check(taken Taken) error {
	if err := CheckName(d.Name, taken); err != nil {
		return err
	}
	if err := CheckClientID(d.ClientID); err != nil {
		return err
	}
	if d.Cloud != "" {
		if err := CheckCloudClientID(d.Cloud, d.ClientID); err != nil {
			return err
		}
	}
	if err := CheckSecret(d.Secret); err != nil {
		return err
	}
	if len(d.Mappings) == 0 {
		return &FieldError{Field: FieldMappings, Missing: true, Reason: "no tenant is mapped",
			Fix: "add the Tenant ID and the customer it belongs to"}
	}
	if err := CheckMode(d.Mode, len(d.Mappings)); err != nil {
		return err
	}
	return CheckDuplicates(d.Mappings)
}

// CheckMode is the rule for a mapping mode and the number of tenants.
func CheckMode(mode store.Mode, tenants int) error {
	switch mode {
	case store.OneToOne:
		if tenants > 1 {
			return &FieldError{Field: FieldMode, Reason: fmt.Sprintf("one-to-one maps a single tenant, but %d are given", tenants),
				Fix: "use one-to-one for one tenant, or one-to-many for several tenants (one customer each)"}
		}
	case store.OneToMany:
	default:
		return &FieldError{Field: FieldMode, Reason: fmt.Sprintf("unknown mapping mode %q", mode),
			Fix: "choose one-to-one (a single tenant) or one-to-many (several tenants, one customer each)"}
	}
	return nil
}

// PickMode is the mode a number of tenants implies when none is chosen.
func PickMode(tenants int) store.Mode {
	if tenants > 1 {
		return store.OneToMany
	}
	return store.OneToOne
}

// Connector is the draft as the store keeps it (without its secret).
func (d Draft) Connector() store.Connector {
	return store.Connector{Name: strings.TrimSpace(d.Name), Type: store.TypeDefender, Mode: d.Mode,
		ClientID: strings.ToLower(strings.TrimSpace(d.ClientID)), Cloud: strings.ToLower(d.Cloud), Mappings: d.Mappings}
}

// Targets lists mappings as the engine wants them.
func Targets(ms []store.Mapping) []defender.Target {
	out := make([]defender.Target, len(ms))
	for i, m := range ms {
		out[i] = defender.Target{TenantID: m.TenantID, Customer: m.CustomerName}
	}
	return out
}

// AsFieldError unwraps a rule's error.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}
