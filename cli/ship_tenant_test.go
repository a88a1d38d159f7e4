package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/store"
)

// mappingsOfSaved reads a saved connector's mappings as `show --json` prints them.
func (h *harness) mappingsOfSaved(name string) []mappingView {
	h.t.Helper()
	r := h.run("", "show", name, "--json")
	var v struct {
		Mappings []mappingView `json:"mappings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		h.t.Fatalf("show %s --json: %v\n%s%s", name, err, r.stdout, r.stderr)
	}
	return v.Mappings
}

// Tenants given by domain are stored by GUID as soon as they resolve, match
// by GUID or domain, and are never mapped twice in a connector.
func TestTenantsStoredByGUID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy, role := h.scenario("healthy"), h.scenario("missing-role")
	add := func(args ...string) run {
		return h.run(secret, append([]string{"add", "--skip-test", "--client-secret-stdin", "--mode", "one-to-many"}, args...)...)
	}
	if r := add("--name", "MSP", "--tenant", role.TenantID+"=Role"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	steps := []struct {
		name    string
		args    []string
		code    int
		errHas  string
		tenants []string // the connector's tenant IDs afterwards
	}{
		{"add by domain stores the GUID", []string{"edit", "MSP", "--add-tenant", healthy.Domain + "=Healthy"}, 0, "", []string{role.TenantID, healthy.TenantID}},
		{"the same tenant by GUID is refused", []string{"edit", "MSP", "--add-tenant", healthy.TenantID + "=Again"}, 2, "mapped twice", []string{role.TenantID, healthy.TenantID}},
		{"and by its domain in capitals", []string{"edit", "MSP", "--add-tenant", strings.ToUpper(healthy.Domain) + "=Again"}, 2, "mapped twice", []string{role.TenantID, healthy.TenantID}},
		{"removed by GUID", []string{"edit", "MSP", "--remove-tenant", healthy.TenantID}, 0, "", []string{role.TenantID}},
		{"added by GUID", []string{"edit", "MSP", "--add-tenant", healthy.TenantID + "=Healthy"}, 0, "", []string{role.TenantID, healthy.TenantID}},
		{"removed by a domain never typed", []string{"edit", "MSP", "--remove-tenant", healthy.Domain}, 0, "", []string{role.TenantID}},
		{"an unknown domain saves nothing", []string{"edit", "MSP", "--add-tenant", "no-such-tenant.example.com=X", "--rename", "Other"}, 2, "could not be resolved", []string{role.TenantID}},
		{"a tenant that does not exist", []string{"edit", "MSP", "--add-tenant", h.scenario("tenant-not-found").Domain + "=X"}, 2, "Tenant not found", []string{role.TenantID}},
		{"removing what is not there", []string{"edit", "MSP", "--remove-tenant", healthy.TenantID}, 2, "has no mapping for it", []string{role.TenantID}},
	}
	for _, s := range steps {
		before := h.storeBytes()
		r := h.run("", s.args...)
		if r.code != s.code || !strings.Contains(r.stderr, s.errHas) {
			t.Fatalf("%s: exit %d, want %d with %q\n%s%s", s.name, r.code, s.code, s.errHas, r.stdout, r.stderr)
		}
		var got []string
		for _, m := range h.mappingsOfSaved("MSP") {
			got = append(got, m.TenantID)
			if m.TenantID == healthy.TenantID && s.args[2] == "--add-tenant" && strings.Contains(s.args[3], healthy.Domain) && m.Domain != healthy.Domain {
				t.Errorf("%s: the domain is not kept as the label: %+v", s.name, m)
			}
		}
		if strings.Join(got, ",") != strings.Join(s.tenants, ",") {
			t.Errorf("%s: tenants %v, want %v", s.name, got, s.tenants)
		}
		if s.code != 0 && len(h.storeBytes()) != len(before) {
			t.Errorf("%s: a refused edit changed the store", s.name)
		}
	}

	r := add("--name", "Solo", "--tenant", healthy.Domain+"=Healthy")
	if r.code != 0 {
		t.Fatalf("add --skip-test by domain: %s", r.stderr)
	}
	if ms := h.mappingsOfSaved("Solo"); len(ms) != 1 || ms[0].TenantID != healthy.TenantID || ms[0].Domain != healthy.Domain {
		t.Errorf("add --skip-test stored %+v", ms)
	}
	if r := add("--name", "Typo", "--tenant", "no-such-tenant.example.com=X"); r.code != 2 || !strings.Contains(r.stderr, "give the tenant ID") {
		t.Errorf("add --skip-test with an unknown domain: exit %d\n%s", r.code, r.stderr)
	}
	if r := h.run("", "show", "Typo"); r.code != 2 {
		t.Errorf("the refused connector was saved: %s", r.stdout)
	}
}

// Offline, a domain cannot be resolved: the edit stops (exit 1) and says
// why and what to do; a GUID needs no lookup and still works.
func TestTenantByDomainOffline(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if r := h.run(secret, "add", "--name", "MSP", "--mode", "one-to-many", "--skip-test", "--client-secret-stdin", "--tenant", h.scenario("missing-role").TenantID+"=A"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	offline := dialing(h.cloud, func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("connect: network is unreachable")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := h.runFaulty(ctx, offline, "", "edit", "MSP", "--add-tenant", h.scenario("healthy").Domain+"=B")
	if r.code != 1 || !strings.Contains(r.stderr, "could not be resolved") || !strings.Contains(r.stderr, "Offline or behind a proxy?") {
		t.Errorf("offline: exit %d\n%s", r.code, r.stderr)
	}
	r = h.runFaulty(ctx, offline, "", "edit", "MSP", "--add-tenant", h.scenario("healthy").TenantID+"=B")
	if r.code != 0 {
		t.Errorf("a GUID offline: exit %d\n%s", r.code, r.stderr)
	}
}

// A connector saved before tenants were stored by GUID keeps a domain as
// its tenant: an edit looks it up, so removal by GUID works and the same
// tenant cannot come in again by GUID.
func TestLegacyDomainMappingResolvedOnEdit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	unlicensed, healthy := h.scenario("unlicensed"), h.scenario("healthy")
	st, err := store.Open(store.Options{Dir: h.env[EnvConfigDir], SecretBackend: store.BackendFile})
	if err != nil {
		t.Fatal(err)
	}
	d := connector.Draft{Name: "Old", ClientID: "00e8252c-0847-49c6-95d9-c0045d19f13c", Mode: store.OneToMany, Cloud: "global",
		Mappings: []store.Mapping{{TenantID: unlicensed.Domain, CustomerName: "U"}, {TenantID: healthy.TenantID, CustomerName: "H"}}}
	if err := st.Add(d.Connector(), secret); err != nil {
		t.Fatal(err)
	}
	if r := h.run("", "edit", "Old", "--add-tenant", unlicensed.TenantID+"=Again"); r.code != 2 || !strings.Contains(r.stderr, "mapped twice") {
		t.Errorf("the same tenant by GUID: exit %d\n%s", r.code, r.stderr)
	}
	if r := h.run("", "edit", "Old", "--remove-tenant", unlicensed.TenantID); r.code != 0 {
		t.Fatalf("remove by GUID: exit %d\n%s", r.code, r.stderr)
	}
	if ms := h.mappingsOfSaved("Old"); len(ms) != 1 || ms[0].TenantID != healthy.TenantID {
		t.Errorf("left %+v", ms)
	}
}

// Another saved connector mapping the tenant is named in a warning; the
// change is still made.
func TestTenantMappedByAnotherConnectorWarns(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy, role := h.scenario("healthy"), h.scenario("missing-role")
	for _, c := range []struct{ name, tenant string }{{"Contoso Direct", healthy.TenantID + "=Contoso"}, {"MSP", role.TenantID + "=Role"}} {
		if r := h.run(secret, "add", "--name", c.name, "--mode", "one-to-many", "--tenant", c.tenant, "--skip-test", "--client-secret-stdin"); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	r := h.run("", "edit", "MSP", "--add-tenant", healthy.Domain+"=Contoso")
	want := `tenant ` + healthy.TenantID + ` (` + healthy.Domain + `) is also mapped in connector "Contoso Direct" (customer "Contoso")`
	if r.code != 0 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "a warning, not an error") {
		t.Errorf("edit: exit %d\n%s", r.code, r.stderr)
	}
	r = h.run(secret, "add", "--name", "Third", "--tenant", healthy.TenantID+"=C", "--client-secret-stdin")
	if r.code != 0 || !strings.Contains(r.stderr, `connector "Contoso Direct"`) || !strings.Contains(r.stderr, `connector "MSP"`) {
		t.Errorf("add: exit %d\n%s", r.code, r.stderr)
	}
	if r := h.run("", "edit", "MSP", "--rename", "MSP 2"); strings.Contains(r.stderr, "also mapped") {
		t.Errorf("a rename warned about tenants it did not add:\n%s", r.stderr)
	}
}
