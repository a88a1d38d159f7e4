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

// Excel's exports, and files that are not what they claim.
func TestParseMappingsCSVFromExcel(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // customers, in order
		err      []string // fragments of the error
	}{
		{name: "byte-order mark, no header", in: "\ufeff" + tenantA + ",Müller GmbH\r\n", want: []string{"Müller GmbH"}},
		{name: "semicolons", in: "tenant;customer\r\n" + tenantA + ";Contoso\r\n" + tenantB + ";Fabrikam\r\n", want: []string{"Contoso", "Fabrikam"}},
		{name: "semicolons inside a comma file stay", in: tenantA + ",Contoso; Ltd\n", want: []string{"Contoso; Ltd"}},
		{name: "Windows-1252", in: tenantA + ",Contoso\n" + tenantB + ",M\xfcller\n", err: []string{"line 2:", "not UTF-8", "CSV UTF-8"}},
		{name: "every bad line named", in: "nope,A\n" + tenantA + ",B\nbad tenant,C\n" + tenantB + ",\n",
			err: []string{"line 1:", "line 3:", "line 4:"}},
		{name: "many bad lines counted", in: strings.Repeat("nope,A\n", 25), err: []string{"line 20:", "and 5 more bad lines"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMappingsCSV(strings.NewReader(tt.in))
			if len(tt.err) > 0 {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				for _, f := range tt.err {
					if !strings.Contains(err.Error(), f) {
						t.Errorf("error lacks %q: %v", f, err)
					}
				}
				if !csvErrorRE.MatchString(err.Error()) {
					t.Errorf("error is not one line naming lines: %q", err)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("got %+v, %v", got, err)
			}
			for i, w := range tt.want {
				if got[i].CustomerName != w {
					t.Errorf("row %d customer %q, want %q", i, got[i].CustomerName, w)
				}
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// `--mappings-file /dev/zero` grew without bound: the input is capped.
func TestParseMappingsCSVBounded(t *testing.T) {
	_, err := ParseMappingsCSV(zeros{})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err %v", err)
	}
}
