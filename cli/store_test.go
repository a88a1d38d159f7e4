package cli

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addHealthy saves a connector named name mapping the healthy tenant.
func (h *harness) addHealthy(name string) {
	h.t.Helper()
	r := h.run(secret, "add", "--name", name, "--tenant", h.scenario("healthy").TenantID+"=Contoso", "--client-secret-stdin")
	if r.code != 0 {
		h.t.Fatalf("add %s: exit %d\n%s\n%s", name, r.code, r.stdout, r.stderr)
	}
}

func TestAddListShowRemove(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addHealthy("Contoso")
	r := h.run("", "list", "--json")
	var list []listEntry
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
		t.Fatalf("list: %v %s", err, r.stdout)
	}
	if e := list[0]; e.Name != "Contoso" || e.Tenants != 1 || e.LastTestOK == nil || !*e.LastTestOK || e.Stale {
		t.Errorf("list entry = %+v", e)
	}
	r = h.run("", "show", "Contoso", "--json")
	var v connectorView
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatal(err)
	}
	if v.ClientID != "00e8252c-0847-49c6-95d9-c0045d19f13c" || v.Mode != "one-to-one" || v.LastValidation == nil || len(v.LastValidation.Tenants[0].GrantedRoles) == 0 {
		t.Errorf("show = %+v", v)
	}
	if !strings.Contains(v.SecretLocation, "secrets.json") {
		t.Errorf("secret location = %q", v.SecretLocation)
	}
	if r := h.run("", "show", "Contoso"); !strings.Contains(r.stdout, "••••") || !strings.Contains(r.stdout, "Contoso") {
		t.Errorf("show text:\n%s", r.stdout)
	}
	if r := h.run("", "remove", "Contoso"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("remove without --yes off a terminal: %d %s", r.code, r.stderr)
	}
	if r := h.run("", "remove", "Contoso", "--yes"); r.code != 0 {
		t.Fatalf("remove: %d %s", r.code, r.stderr)
	}
	if r := h.run("", "list", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("after remove: %s", r.stdout)
	}
	files := h.storeBytes()
	for p, b := range files {
		if strings.Contains(b, "Contoso") && !strings.HasSuffix(p, ".bak") {
			t.Errorf("%s still mentions the removed connector", p)
		}
	}
}

func TestRefusedCommandsLeaveStoreUntouched(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addHealthy("Contoso")
	healthy, other := h.scenario("healthy").TenantID, h.scenario("empty").TenantID
	csv := filepath.Join(h.dir, "bad.csv")
	os.WriteFile(csv, []byte("tenant,customer\n"+other+",Fabrikam\nnot-a-tenant,Bad\n"), 0o600)
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		errHas string
	}{
		{"invalid tenant", secret, []string{"add", "--name", "X", "--tenant", "../x=Y", "--client-secret-stdin"}, 2, "not a tenant ID or domain"},
		{"empty name", secret, []string{"add", "--name", "  ", "--tenant", healthy + "=Y", "--client-secret-stdin"}, 2, "--name is required"},
		{"duplicate name", secret, []string{"add", "--name", "contoso", "--tenant", other + "=Y", "--client-secret-stdin"}, 2, "already exists"},
		{"tenant twice", secret, []string{"add", "--name", "X", "--tenant", other + "=A", "--tenant", other + "=B", "--client-secret-stdin"}, 2, "mapped twice"},
		{"one-to-one with two", secret, []string{"add", "--name", "X", "--mode", "one-to-one", "--tenant", other + "=A", "--tenant", healthy + "=B", "--client-secret-stdin"}, 2, "one-to-one maps a single tenant"},
		{"empty secret", "\n", []string{"add", "--name", "X", "--tenant", other + "=A", "--client-secret-stdin"}, 2, "secret on stdin is empty"},
		{"unknown cloud", secret, []string{"add", "--name", "X", "--tenant", other + "=A", "--cloud", "mars", "--client-secret-stdin"}, 2, "unknown cloud"},
		{"no customer", secret, []string{"add", "--name", "X", "--tenant", other, "--client-secret-stdin"}, 2, "has no customer"},
		{"malformed csv line", secret, []string{"add", "--name", "X", "--mappings-file", csv, "--client-secret-stdin"}, 2, "line 3"},
		{"failing checks save nothing", secret, []string{"add", "--name", "X", "--tenant", h.scenario("invalid-secret").TenantID + "=A", "--client-secret-stdin"}, 3, "Nothing was saved"},
		{"edit unknown", "", []string{"edit", "Nope", "--rename", "Y"}, 2, "no such connector"},
		{"edit remove last tenant", "", []string{"edit", "Contoso", "--remove-tenant", healthy}, 2, "no tenant left"},
		{"edit one-to-one add", "", []string{"edit", "Contoso", "--add-tenant", other + "=B"}, 2, "one-to-one maps a single tenant"},
		{"edit nothing", "", []string{"edit", "Contoso"}, 2, "nothing to change"},
		{"edit empty secret", "\n", []string{"edit", "Contoso", "--client-secret-stdin"}, 2, "empty"},
		{"remove unknown", "", []string{"remove", "Nope", "--yes"}, 2, "no such connector"},
		{"unknown secret store", secret, []string{"add", "--name", "X", "--tenant", other + "=A", "--secret-store", "vault", "--client-secret-stdin"}, 2, "unknown secret store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.storeBytes()
			r := h.run(tt.stdin, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.errHas) {
				t.Fatalf("exit %d (want %d), stderr lacks %q:\n%s\n%s", r.code, tt.code, tt.errHas, r.stderr, r.stdout)
			}
			after := h.storeBytes()
			if len(before) != len(after) {
				t.Fatalf("files changed: %d -> %d", len(before), len(after))
			}
			for p, b := range before {
				if after[p] != b {
					t.Errorf("%s changed", p)
				}
			}
		})
	}
}

func TestAddForceRecordsFailuresAndCSV(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bad := h.scenario("missing-role").TenantID
	if r := h.run(secret, "add", "--name", "Forced", "--tenant", bad+"=A", "--force", "--client-secret-stdin"); r.code != 0 {
		t.Fatalf("force: %d %s", r.code, r.stderr)
	}
	r := h.run("", "show", "Forced", "--json")
	var v connectorView
	json.Unmarshal([]byte(r.stdout), &v)
	if v.LastValidation == nil || v.LastValidation.OK {
		t.Fatalf("forced add did not record the failure: %+v", v.LastValidation)
	}
	csv := filepath.Join(h.dir, "tenants.csv")
	os.WriteFile(csv, []byte(h.scenario("healthy").Domain+",Contoso\n"+h.scenario("empty").TenantID+",Fabrikam\n"), 0o600)
	if r := h.run(secret, "add", "--name", "MSP", "--mappings-file", csv, "--client-secret-stdin", "--json"); r.code != 0 {
		t.Fatalf("csv add: %d %s %s", r.code, r.stderr, r.stdout)
	}
	r = h.run("", "show", "MSP", "--json")
	json.Unmarshal([]byte(r.stdout), &v)
	if v.Mode != "one-to-many" || len(v.Mappings) != 2 {
		t.Fatalf("csv connector = %+v", v.Connector)
	}
	if m := v.Mappings[0]; m.TenantID != h.scenario("healthy").TenantID || m.Domain != h.scenario("healthy").Domain {
		t.Errorf("the domain mapping was not resolved to its GUID: %+v", m)
	}
	if r := h.run(secret, "add", "--name", "Same", "--tenant", h.scenario("healthy").Domain+"=A", "--tenant", h.scenario("healthy").TenantID+"=B", "--client-secret-stdin"); r.code != 2 || !strings.Contains(r.stderr, "same tenant") {
		t.Errorf("a domain and its GUID: %d %s", r.code, r.stderr)
	}
	if r := h.run(secret, "add", "--name", "Skip", "--tenant", h.scenario("tenant-not-found").TenantID+"=A", "--skip-test", "--client-secret-stdin"); r.code != 0 {
		t.Errorf("--skip-test: %d %s", r.code, r.stderr)
	}
}

func TestEditAndSavedTest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addHealthy("Contoso")
	extra := h.scenario("extra-write-roles").TenantID
	if r := h.run("", "edit", "Contoso", "--add-tenant", extra+"=Fabrikam", "--mode", "one-to-many", "--rename", "Contoso MSP"); r.code != 0 {
		t.Fatalf("edit: %d %s", r.code, r.stderr)
	}
	r := h.run("", "test", "Contoso MSP", "--json")
	if r.code != 0 {
		t.Fatalf("test NAME: %d %s %s", r.code, r.stderr, r.stdout)
	}
	var out savedTestOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Tenants) != 2 || out.Connector != "Contoso MSP" {
		t.Fatalf("test NAME json: %v %s", err, r.stdout)
	}
	if r := h.run("", "test", "Contoso MSP", "--tenant", extra); r.code != 0 || !strings.Contains(r.stdout, "More than read-only access granted") {
		t.Errorf("test NAME --tenant: %d\n%s", r.code, r.stdout)
	}
	// Rotate to a wrong secret: the next test fails and says why.
	if r := h.run("wrong-secret-value", "edit", "Contoso MSP", "--client-secret-stdin"); r.code != 0 {
		t.Fatalf("rotate: %d %s", r.code, r.stderr)
	}
	if r := h.run("", "test", "Contoso MSP"); r.code != 3 || !strings.Contains(r.stdout, "Invalid client secret") {
		t.Errorf("after rotation: %d\n%s", r.code, r.stdout)
	}
	for p, b := range h.storeBytes() {
		if strings.Contains(b, "wrong-secret-value") && filepath.Base(p) != "secrets.json" {
			t.Errorf("the secret is in %s", p)
		}
	}
}

// noKeyring is a system keyring that does not answer, as on WSL.
type noKeyring struct{}

func (noKeyring) Get(string, string) (string, error) { return "", errors.New("dbus: no session bus") }
func (noKeyring) Set(string, string, string) error   { return errors.New("dbus: no session bus") }
func (noKeyring) Delete(string, string) error        { return errors.New("dbus: no session bus") }

func TestNoKeyringNeverDowngradesSilently(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.keyring = noKeyring{}
	delete(h.env, "MDECONNECT_SECRET_STORE")
	before := h.storeBytes()
	r := h.run(secret, "add", "--name", "Contoso", "--tenant", h.scenario("healthy").TenantID+"=Contoso", "--skip-test", "--client-secret-stdin")
	if r.code != 1 || !strings.Contains(r.stderr, "no system keyring") || !strings.Contains(r.stderr, "--secret-store file") {
		t.Fatalf("exit %d, want 1 with the file-store hint:\n%s", r.code, r.stderr)
	}
	if len(h.storeBytes()) != len(before) {
		t.Errorf("a refused save wrote files: %v", h.storeBytes())
	}
	if r := h.run(secret, "add", "--name", "Contoso", "--tenant", h.scenario("healthy").TenantID+"=Contoso", "--skip-test", "--secret-store", "file", "--client-secret-stdin"); r.code != 0 {
		t.Fatalf("--secret-store file: exit %d\n%s", r.code, r.stderr)
	}
	if r := h.run("", "show", "Contoso"); !strings.Contains(r.stdout, "secrets.json") {
		t.Errorf("show does not say the secret is in the file:\n%s", r.stdout)
	}
}
