package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

const secret = defendertest.SandboxClientSecret

func TestAdHocTest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy, bad := h.scenario("healthy"), h.scenario("invalid-secret")
	tests := []struct {
		name     string
		args     []string
		stdin    string
		code     int
		outHas   string
		errHas   string
		problems []string
	}{
		{name: "healthy", args: []string{"test", "--tenant", healthy.TenantID + "=Contoso", "--client-secret-stdin"}, stdin: secret + "\n", code: 0, outHas: "137 devices: 120 active, 9 inactive, 8 no sensor data"},
		{name: "domain", args: []string{"test", "--tenant", healthy.Domain, "--client-secret-stdin"}, stdin: secret, code: 0, outHas: "resolves to tenant " + healthy.TenantID},
		{name: "failing check exits 3", args: []string{"test", "--tenant", bad.TenantID, "--client-secret-stdin"}, stdin: secret, code: 3, outHas: "Invalid client secret", problems: []string{"invalid_client_secret"}},
		{name: "bad tenant exits 2", args: []string{"test", "--tenant", "../x", "--client-secret-stdin"}, stdin: secret, code: 2, errHas: "not a tenant ID or domain"},
		{name: "no tenant", args: []string{"test", "--client-secret-stdin"}, stdin: secret, code: 2, errHas: "no tenant given"},
		{name: "empty secret", args: []string{"test", "--tenant", healthy.TenantID, "--client-secret-stdin"}, stdin: "\n", code: 2, errHas: "secret on stdin is empty"},
		{name: "no secret at all", args: []string{"test", "--tenant", healthy.TenantID}, code: 2, errHas: "--client-secret-stdin"},
		{name: "unknown cloud", args: []string{"test", "--tenant", healthy.TenantID, "--cloud", "mars", "--client-secret-stdin"}, stdin: secret, code: 2, errHas: "unknown cloud"},
		{name: "bad client id", args: []string{"test", "--tenant", healthy.TenantID, "--client-id", "nope", "--client-secret-stdin"}, stdin: secret, code: 2, errHas: "not a GUID"},
		{name: "unknown flag", args: []string{"test", "--client-secret", "x"}, code: 2, errHas: "unknown flag"},
		{name: "tenant twice", args: []string{"test", "--tenant", healthy.TenantID, "--tenant", strings.ToUpper(healthy.TenantID), "--client-secret-stdin"}, stdin: secret, code: 2, errHas: "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.run(tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.outHas) {
				t.Errorf("stdout lacks %q:\n%s", tt.outHas, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.errHas) {
				t.Errorf("stderr lacks %q:\n%s", tt.errHas, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Error("the secret reached the output")
			}
		})
	}
}

func TestAdHocTestJSONContract(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ok, bad := h.scenario("healthy"), h.scenario("missing-role")
	r := h.run(secret, "test", "--tenant", ok.TenantID+"=A", "--tenant", bad.TenantID+"=B", "--client-secret-stdin", "--json")
	if r.code != 3 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if !sameKeys(doc, "ok", "duration_ms", "tenants") || doc["ok"] != false {
		t.Fatalf("top level = %v", doc)
	}
	tenants := doc["tenants"].([]any)
	if len(tenants) != 2 {
		t.Fatalf("%d tenants", len(tenants))
	}
	first := tenants[0].(map[string]any)
	if !sameKeys(first, "tenant_id", "input", "customer", "ok", "checks") || first["customer"] != "A" || first["ok"] != true {
		t.Errorf("tenant = %v", first)
	}
	check := first["checks"].([]any)[0].(map[string]any)
	if !sameKeys(check, "id", "status", "problem", "message", "remedy", "duration_ms") || check["id"] != "tenant" {
		t.Errorf("check = %v", check)
	}
	second := tenants[1].(map[string]any)
	var problems []string
	for _, c := range second["checks"].([]any) {
		if p := c.(map[string]any)["problem"].(string); p != "" {
			problems = append(problems, p)
		}
	}
	if second["ok"] != false || len(problems) == 0 || problems[0] != "insufficient_permissions" {
		t.Errorf("missing-role problems = %v", problems)
	}
}

func sameKeys(m map[string]any, keys ...string) bool {
	if len(m) != len(keys) {
		return false
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}
