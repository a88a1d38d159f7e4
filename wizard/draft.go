package wizard

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paratira/mdeconnect/connector"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// Draft is everything entered so far. Steps edit it in place, so moving back
// and forth loses nothing.
type Draft struct {
	Technology string
	Mode       store.Mode
	// ConsentTenant is the tenant the consent redirect named (a hint).
	ConsentTenant string
	// Tenant is the resolved tenant of step 4.
	Tenant   defender.TenantInfo
	Name     string
	ClientID string
	Secret   string
	Mappings []store.Mapping
}

func newDraft(sb *Sandbox) Draft {
	d := Draft{Technology: technologies[0].ID, Mode: store.OneToOne, Name: connector.DefaultName, ClientID: defender.ParatiraClientID}
	if sb != nil {
		d.Secret = sb.ClientSecret
	}
	return d
}

// targets are the mappings as the engine wants them.
func (d Draft) targets() []defender.Target { return connector.Targets(d.Mappings) }

// maskSecret shows that a secret is there and how long it is, never any of it.
func maskSecret(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return "(none)"
	}
	return strings.Repeat("•", min(n, 12)) + " (" + strconv.Itoa(n) + " characters, hidden)"
}

func itoa(n int) string { return strconv.Itoa(n) }
