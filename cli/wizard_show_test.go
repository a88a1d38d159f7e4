package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/paratira/mdeconnect/store"
)

// TestShowNamesWarnings: `show` marks a tenant whose last test passed with
// warnings with ⚠ and names them (the roles beyond read-only included), as
// the wizard's review does; a plain pass keeps ✓.
func TestShowNamesWarnings(t *testing.T) {
	const a, b = "53390e7c-c890-4adc-a20a-63526fc69533", "64611fbe-c88a-45c5-a1e5-42f10d49fb36"
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	pass := []store.Check{{ID: "token", Status: "pass"}, {ID: "permissions", Status: "pass"}}
	cases := []struct {
		name      string
		tenants   []store.TenantValidation
		want, not []string
	}{
		{"excess roles", []store.TenantValidation{{TenantID: a, OK: true,
			GrantedRoles: []string{"Machine.Read.All", "Machine.Isolate", "Machine.ReadWrite.All"},
			Checks:       []store.Check{{ID: "token", Status: "pass"}, {ID: "permissions", Status: "warn", Problem: "excess_permissions"}}}},
			[]string{"⚠ " + a + " → Contoso", "⚠ warning: More than read-only access granted: Machine.Isolate, Machine.ReadWrite.All", "⚠ 1 warning(s)"},
			[]string{"✓ " + a}},
		{"limited data on one tenant of two", []store.TenantValidation{{TenantID: a, OK: true, Checks: pass},
			{TenantID: b, OK: true, Checks: []store.Check{{ID: "sensor_health", Status: "warn", Problem: "limited_data"}}}},
			[]string{"✓ " + a + " → Contoso", "⚠ " + b + " → Fabrikam", "⚠ warning: ", "⚠ 1 warning(s)"},
			[]string{"⚠ " + a}},
		{"plain pass", []store.TenantValidation{{TenantID: a, OK: true, Checks: pass}, {TenantID: b, OK: true, Checks: pass}},
			[]string{"✓ " + a, "✓ " + b}, []string{"⚠"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			con := store.Connector{Name: "Northwind", Type: store.TypeDefender, Mode: store.OneToMany,
				Mappings:       []store.Mapping{{TenantID: a, CustomerName: "Contoso"}, {TenantID: b, CustomerName: "Fabrikam"}},
				LastValidation: &store.Validation{At: now.Add(-time.Hour), OK: true, Tenants: c.tenants}}
			var out bytes.Buffer
			printConnector(&out, connectorView{Connector: con, SecretLocation: "the file secrets.json"}, now)
			text := ansi.Strip(out.String())
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			for _, n := range c.not {
				if strings.Contains(text, n) {
					t.Errorf("has %q:\n%s", n, text)
				}
			}
		})
	}
}
