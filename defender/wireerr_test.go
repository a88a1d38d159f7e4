package defender

import (
	"testing"

	"github.com/paratira/mdeconnect/defender/problem"
)

func TestEntraErrorClassify(t *testing.T) {
	body := func(err, desc string, codes string) []byte {
		return []byte(`{"error":"` + err + `","error_description":"` + desc + `","error_codes":` + codes +
			`,"timestamp":"2026-11-27 07:00:00Z","trace_id":"1f2e3d4c-0000-4000-8000-000000000001","correlation_id":"c0ffee00-0000-4000-8000-000000000002","error_uri":"https://login.microsoftonline.com/error?code=1"}`)
	}
	tests := []struct {
		name string
		body []byte
		want problem.Code
	}{
		{"tenant not found", body("invalid_tenant", "AADSTS90002: Tenant 'x' not found.", "[90002]"), problem.TenantNotFound},
		{"malformed tenant", body("invalid_request", "AADSTS900023: Specified tenant identifier 'x' is neither a valid DNS name, nor a valid external domain.", "[900023]"), problem.TenantNotFound},
		{"app not in tenant", body("unauthorized_client", "AADSTS700016: Application with identifier 'x' was not found in the directory.", "[700016]"), problem.ConsentMissing},
		{"wrong secret", body("invalid_client", "AADSTS7000215: Invalid client secret provided.", "[7000215]"), problem.InvalidClientSecret},
		{"expired secret", body("invalid_client", "AADSTS7000222: The provided client secret keys are expired.", "[7000222]"), problem.ClientSecretExpired},
		{"no defender", body("invalid_resource", "AADSTS500011: The resource principal named https://api.securitycenter.microsoft.com was not found.", "[500011]"), problem.DefenderNotProvisioned},
		{"conditional access", body("invalid_grant", "AADSTS53003: Access has been blocked by Conditional Access policies.", "[53003]"), problem.ConditionalAccessBlocked},
		{"disabled", body("unauthorized_client", "AADSTS7000112: Application is disabled.", "[7000112]"), problem.AppDisabled},
		{"codes only in text", body("invalid_client", "AADSTS7000222: expired", "[]"), problem.ClientSecretExpired},
		{"unknown code, known word", body("invalid_tenant", "AADSTS99999999: new", "[99999999]"), problem.TenantNotFound},
		{"unknown all", body("server_error", "AADSTS50000: oops", "[50000]"), problem.ServiceError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := ParseEntraError(tt.body)
			if !ok {
				t.Fatal("not parsed")
			}
			if got := e.Classify(); got != tt.want {
				t.Errorf("Classify = %s, want %s", got, tt.want)
			}
			d := e.Diagnostics(400)
			if d.TraceID == "" || d.CorrelationID == "" || len(d.AADSTS) == 0 {
				t.Errorf("diagnostics lost support facts: %+v", d)
			}
		})
	}
	for _, bad := range []string{"", "<html>503</html>", `{"value":[]}`, `{"error":{"code":"x"}}`} {
		if _, ok := ParseEntraError([]byte(bad)); ok {
			t.Errorf("ParseEntraError(%q) accepted a non-Entra body", bad)
		}
	}
}

func FuzzEntraError(f *testing.F) {
	f.Add([]byte(`{"error":"invalid_tenant","error_description":"AADSTS90002: x","error_codes":[90002]}`))
	f.Add([]byte(`{"error":"x","error_codes":"nope"}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, ok := ParseEntraError(b)
		if !ok {
			return
		}
		if e.Error == "" {
			t.Fatal("accepted without error field")
		}
		if e.Classify() == problem.None {
			t.Fatal("classified as no problem")
		}
	})
}

func FuzzAPIError(f *testing.F) {
	f.Add([]byte(`{"error":{"code":"Forbidden","message":"(Machine.Read.All)","target":"x"}}`), 403)
	f.Add([]byte(`{"error":{"code":"Authorization_RequestDenied","innerError":{"request-id":"r"}}}`), 403)
	f.Add([]byte(`{"error":"flat"}`), 400)
	f.Fuzz(func(t *testing.T, b []byte, status int) {
		e, ok := ParseAPIError(b)
		if !ok {
			return
		}
		if e.Classify(status) == problem.None {
			t.Fatal("classified as no problem")
		}
		_ = e.Diagnostics(status)
		_ = e.Permissions()
	})
}
