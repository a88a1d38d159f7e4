package connector

import (
	"strings"
	"testing"
)

func TestParseMappingsCSV(t *testing.T) {
	tests := []struct {
		name, in string
		want     int
		err      string
	}{
		{"header", "tenant,customer\n" + tenantA + ",Contoso\n", 1, ""},
		{"no header", tenantA + ",Contoso\n" + tenantB + ",Fabrikam\n", 2, ""},
		{"domain and spaces", " contoso.com , Contoso \n", 1, ""},
		{"blank lines and comments", "# exported\n\n" + tenantA + ",Contoso\n", 1, ""},
		{"bad tenant after header", "tenant,customer\nnot-a-tenant,X\n", 0, "line 2:"},
		{"bad tenant on line 3", tenantA + ",A\n" + tenantB + ",B\nnope,C\n", 0, "line 3:"},
		{"missing customer", tenantA + ",\n", 0, "line 1: tenant " + tenantA + " has no customer"},
		{"three columns", tenantA + ",A,extra\n", 0, "line 1: expected 2 columns"},
		{"duplicate", tenantA + ",A\n" + strings.ToUpper(tenantA) + ",B\n", 0, "line 2: tenant"},
		{"empty", "tenant,customer\n", 0, "no mappings"},
		{"header words", "Tenant ID,Customer\n" + tenantA + ",Contoso\n", 1, ""},
		{"header with a byte-order mark", "\ufefftenant_id,customer\r\n" + tenantA + ",Contoso\r\n", 1, ""},
		{"first row names a tenant", "contosotenantnotfound.onmicrosoft.com,Contoso\n" + tenantA + ",A\n", 2, ""},
		{"one row with tenant in its domain", "mytenant.example.com,Contoso\n", 1, ""},
		{"unknown header is named", "Tenant GUID,Customer\n" + tenantA + ",A\n", 0, "line 1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMappingsCSV(strings.NewReader(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestHostileCustomerNamesRefused(t *testing.T) {
	for _, name := range []string{"Evil\x1b]52;c;Y3VybA==\x07", "A\u202eB", "C\x9b31m", strings.Repeat("x", 200)} {
		if _, err := ParseMapping(tenantA, name); err == nil {
			t.Errorf("customer %q accepted", name)
		}
		if _, err := ParseMappingsCSV(strings.NewReader(tenantA + "," + name + "\n")); err == nil {
			t.Errorf("CSV customer %q accepted", name)
		}
	}
	if err := CheckName("Evil\x1b[2J", nil); err == nil {
		t.Error("a connector name with an escape sequence was accepted")
	}
}
