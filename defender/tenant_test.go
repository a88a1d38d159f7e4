package defender

import (
	"strings"
	"testing"
)

func TestParseTenant(t *testing.T) {
	const g = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	tests := []struct {
		in, want, errHas string
	}{
		{in: g, want: g},
		{in: "  " + strings.ToUpper(g) + "\n", want: g},
		{in: "{" + g + "}", want: g},
		{in: `"` + g + `"`, want: g},
		{in: g + "/", want: g},
		{in: "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/TenantOverview.ReactView/tenantId/" + g, want: g},
		{in: "https://login.microsoftonline.com/" + g + "/v2.0", want: g},
		{in: "Contoso.COM", want: "contoso.com"},
		{in: "contoso.onmicrosoft.com.", want: "contoso.onmicrosoft.com"},
		{in: " 'fabrikam.co.uk' ", want: "fabrikam.co.uk"},
		{in: "", errHas: "empty"},
		{in: "   ", errHas: "empty"},
		{in: "../x", errHas: "not a tenant ID or domain"},
		{in: "a/b", errHas: "not a tenant ID or domain"},
		{in: "contoso", errHas: "not a tenant ID or domain"},
		{in: "72f988bf-86f1-41af-91ab-2d7cd011db4", errHas: "not a tenant ID or domain"},
		{in: "-bad.com", errHas: "not a tenant ID or domain"},
		{in: "contoso.123", errHas: "not a tenant ID or domain"},
		{in: "https://portal.azure.com/#home", errHas: "holds no Tenant ID"},
		{in: "https://x/" + g + "/y/00000000-0000-0000-0000-000000000001", errHas: "more than one GUID"},
		{in: "organizations", errHas: "not a tenant ID or domain"},
	}
	for _, tt := range tests {
		got, err := ParseTenant(tt.in)
		if tt.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("ParseTenant(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.errHas)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseTenant(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParseTenant(f *testing.F) {
	for _, s := range []string{"72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.com", "../x", "{a}", "https://x/#/y", " \"'{}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseTenant(in)
		if err != nil {
			if got != "" {
				t.Fatalf("error with a value: %q", got)
			}
			return
		}
		// Whatever is accepted is safe to put in a URL path segment.
		if !IsGUID(got) {
			if _, ok := asDomain(got); !ok {
				t.Fatalf("accepted %q which is neither GUID nor domain", got)
			}
		}
		if strings.ContainsAny(got, "/\\?#% \t\n") || strings.Contains(got, "..") {
			t.Fatalf("accepted unsafe %q from %q", got, in)
		}
		again, err := ParseTenant(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}
