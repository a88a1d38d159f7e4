package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHostileNamesAreRefused: customer names follow the rule of connector
// names (no control or bidi characters, at most 128 runes), when saving and
// when loading, so a hostile name never reaches a terminal through the store.
func TestHostileNamesAreRefused(t *testing.T) {
	hostile := []struct{ name, value, why string }{
		{"OSC 52", "Contoso\x1b]52;c;Y3VybCB4fHNo\x07", "U+001B"},
		{"8-bit CSI", "Contoso\u009b2J", "U+009B"},
		{"bidi override", "Contoso\u202eexe.txt", "U+202E"},
		{"newline", "Contoso\nFAKE-OK all checks passed", "U+000A"},
		{"too long", strings.Repeat("C", 129), "129 characters long"},
	}
	for _, h := range hostile {
		t.Run(h.name, func(t *testing.T) {
			s := openTest(t, Options{})
			mustAdd(t, s, sample("acme", "t1"), "s1")
			checkRefusal(t, "customer name on Add", s.Add(customer(sample("new", "t9"), h.value), "s"), "customer name", h.why)
			checkRefusal(t, "customer name on Update", s.Update("acme", func(c *Connector) error {
				c.Mappings[0].CustomerName = h.value
				return nil
			}), "customer name", h.why)
			checkRefusal(t, "connector name", s.Add(sample(h.value, "t9"), "s"), "name", h.why)

			// The same name, written into connectors.json by hand.
			raw, _ := os.ReadFile(s.Path())
			bad := strings.Replace(string(raw), `"Customer t1"`, jsonString(h.value), 1)
			if err := os.WriteFile(s.Path(), []byte(bad), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := s.List()
			var ce *CorruptError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), `connector 1 ("acme")`) || !strings.Contains(err.Error(), h.why) {
				t.Fatalf("List of a file with a hostile customer name = %v, want a *CorruptError naming the connector and %s", err, h.why)
			}
			assertInert(t, err.Error())
		})
	}
}

func customer(c Connector, name string) Connector {
	c.Mappings[0].CustomerName = name
	return c
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '"' || r == '\\' || r > 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func checkRefusal(t *testing.T, what string, err error, field, why string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != field || !strings.Contains(ve.Reason, why) {
		t.Errorf("%s: %v, want a *ValidationError of %q saying %s", what, err, field, why)
		return
	}
	assertInert(t, err.Error())
}

// assertInert fails if msg holds anything a terminal acts on, or is unbounded.
func assertInert(t *testing.T, msg string) {
	t.Helper()
	if strings.ContainsFunc(msg, func(r rune) bool {
		return r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	}) || len(msg) > 2000 {
		t.Errorf("message is not inert: %q", msg)
	}
}

// TestGrantedRolesAreBounded: a hostile tenant's token carried 100,000 roles;
// the store keeps MaxGrantedRoles of them, in the order given (callers list
// those that matter first), and counts the rest, on save and on load.
func TestGrantedRolesAreBounded(t *testing.T) {
	required := []string{"Machine.Read.All", "Score.Read.All", "SecurityRecommendation.Read.All", "ServiceHealth.Read.All"}
	roles := append([]string{}, required...)
	roles = append(roles, "Machine.Read.All", "", "bad\x1b]0;x\x07", strings.Repeat("R", 200))
	for i := range 100_000 {
		roles = append(roles, fmt.Sprintf("Junk.%06d", i))
	}
	const dropped = 3 + 100_000 - (MaxGrantedRoles - 4) // "", control, too long, and the junk beyond the bound
	s := openTest(t, Options{})
	mustAdd(t, s, sample("acme", "t1"), "s1")
	v := Validation{Tenants: []TenantValidation{{TenantID: "t1", GrantedRoles: roles, RegionScope: "EU\x1b[2J" + strings.Repeat("x", 1000),
		Checks: []Check{{ID: "token", Status: "ok\u202e", Problem: "p\u009b"}}}}}
	if err := s.RecordValidation("acme", v); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		c, err := s.Get("acme")
		if err != nil {
			t.Fatal(err)
		}
		tv := c.LastValidation.Tenants[0]
		if len(tv.GrantedRoles) != MaxGrantedRoles || tv.OtherRoles != dropped {
			t.Errorf("%s: %d roles kept, %d counted; want %d and %d", when, len(tv.GrantedRoles), tv.OtherRoles, MaxGrantedRoles, dropped)
		}
		for i, r := range required {
			if tv.GrantedRoles[i] != r {
				t.Errorf("%s: role %d is %q, want %q kept first", when, i, tv.GrantedRoles[i], r)
			}
		}
		if tv.RegionScope != "EU[2J"+strings.Repeat("x", 250)+"…" || tv.Checks[0].Status != "ok" || tv.Checks[0].Problem != "p" {
			t.Errorf("%s: server text kept as %q %q %q", when, tv.RegionScope[:10], tv.Checks[0].Status, tv.Checks[0].Problem)
		}
	}
	check("after saving") // in the journal
	if info, _ := os.Stat(filepath.Join(s.dir, journalFile)); info.Size() > 16<<10 {
		t.Errorf("the journal is %d bytes", info.Size())
	}
	if err := s.RecordValidations(map[string]Validation{"acme": v}); err != nil {
		t.Fatal(err)
	}
	check("after saving into connectors.json")
	if info, _ := os.Stat(s.Path()); info.Size() > 16<<10 {
		t.Errorf("connectors.json is %d bytes", info.Size())
	}

	// Written into the file by hand: bounded when loaded too, and a negative
	// count is no count.
	raw, _ := os.ReadFile(s.Path())
	for _, tt := range []struct {
		from, to       string
		roles, counted int
	}{
		{`"granted_roles": [`, `"granted_roles": ["Extra.1", "Extra.2", `, MaxGrantedRoles, dropped + 2},
		{fmt.Sprintf(`"other_roles": %d`, dropped), `"other_roles": -5`, MaxGrantedRoles, 0},
	} {
		edited := strings.Replace(string(raw), tt.from, tt.to, 1)
		if edited == string(raw) {
			t.Fatalf("%s is not in the file", tt.from)
		}
		if err := os.WriteFile(s.Path(), []byte(edited), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := s.Get("acme")
		if err != nil {
			t.Fatal(err)
		}
		if tv := c.LastValidation.Tenants[0]; len(tv.GrantedRoles) != tt.roles || tv.OtherRoles != tt.counted {
			t.Errorf("loaded %s: %d roles, %d counted; want %d, %d", tt.to, len(tv.GrantedRoles), tv.OtherRoles, tt.roles, tt.counted)
		}
	}
}
