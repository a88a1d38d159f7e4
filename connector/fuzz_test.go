package connector

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
)

// csvErrorRE is the shape of every refusal: it names the line, or says the file is empty.
var csvErrorRE = regexp.MustCompile(`^(line \d+: .+|the file holds no mappings: .+)$`)

// A stray quote made encoding/csv return no record, and FieldPos(0) on it
// panicked: `add --mappings-file` crashed instead of naming the line.
func TestParseMappingsCSVStrayQuote(t *testing.T) {
	for _, in := range []string{"\"unterminated,\n", tenantA + ",Contoso\n" + tenantB + ",Fab\"rikam\n"} {
		_, err := ParseMappingsCSV(strings.NewReader(in))
		if err == nil || !csvErrorRE.MatchString(err.Error()) || !strings.Contains(err.Error(), "quote") {
			t.Errorf("%q: err %v, want the line and what to do", in, err)
		}
	}
}

// FuzzParseMappingsCSV feeds any bytes to the CSV import: it imports all rows
// or none, never panics, and whatever it accepts is as safe as a typed tenant.
func FuzzParseMappingsCSV(f *testing.F) {
	for _, s := range []string{
		"tenant,customer\n" + tenantA + ",Contoso\n",
		tenantA + ",Contoso\n" + tenantB + ",Fabrikam\n",
		" contoso.com , Contoso \n",
		"# exported\n\n" + tenantA + ",Contoso\n",
		"\"" + tenantA + "\",\"Contoso, Ltd\"\n",
		"tenant,customer\n",
		tenantA + ",A\n" + strings.ToUpper(tenantA) + ",B\n",
		"\"unterminated,\n",
		"\xef\xbb\xbftenant,customer\r\n" + tenantA + ",X\r\n",
		"../x,Y\n",
		"contosotenantnotfound.onmicrosoft.com,Contoso\n",
		"mytenant.example.com,Contoso\n",
		"Tenant ID,Customer\n" + tenantA + ",Contoso\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := ParseMappingsCSV(bytes.NewReader(raw))
		if err != nil {
			if got != nil {
				t.Fatalf("an error with %d mappings: all rows or none", len(got))
			}
			if !csvErrorRE.MatchString(err.Error()) {
				t.Fatalf("error %q names no line", err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatal("no error and no mappings")
		}
		seen := map[string]bool{}
		for _, m := range got {
			again, perr := defender.ParseTenant(m.TenantID)
			if perr != nil || again != m.TenantID {
				t.Fatalf("imported tenant %q is not a clean tenant (%q, %v)", m.TenantID, again, perr)
			}
			if m.CustomerName == "" || m.CustomerName != strings.TrimSpace(m.CustomerName) {
				t.Fatalf("imported customer %q for %s is empty or untrimmed", m.CustomerName, m.TenantID)
			}
			key := strings.ToLower(m.TenantID)
			if seen[key] {
				t.Fatalf("tenant %s imported twice", m.TenantID)
			}
			seen[key] = true
		}
	})
}
