package connector

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

func TestValidationRecord(t *testing.T) {
	res := defender.Result{OK: false, Tenants: []defender.TenantResult{
		{TenantID: tenantA, OK: true, Info: &defender.TenantInfo{TenantID: tenantA, RegionScope: "EU", CloudInstance: "microsoftonline.com"},
			Claims: map[string]defender.Claims{
				"defender": {Roles: []string{"Machine.Read.All", "Alert.Read.All"}},
				"graph":    {Roles: []string{"Directory.Read.All", "Alert.Read.All"}},
			},
			Checks: []defender.CheckResult{{ID: defender.CheckToken, Status: defender.Pass}}},
		{TenantID: tenantB, Checks: []defender.CheckResult{{ID: defender.CheckToken, Status: defender.Fail, Problem: "invalid_client_secret"}}},
	}}
	v := ValidationRecord(res, fixedNow.In(time.FixedZone("CET", 3600)))
	if !v.At.Equal(fixedNow) || v.At.Location().String() != "UTC" || v.OK {
		t.Errorf("at %v ok %v", v.At, v.OK)
	}
	tests := []struct {
		tv                   store.TenantValidation
		id, region, instance string
		ok                   bool
		roles                []string
		check                store.Check
	}{
		{v.Tenants[0], tenantA, "EU", "microsoftonline.com", true, []string{"Machine.Read.All", "Alert.Read.All", "Directory.Read.All"},
			store.Check{ID: string(defender.CheckToken), Status: "pass"}},
		{v.Tenants[1], tenantB, "", "", false, nil,
			store.Check{ID: string(defender.CheckToken), Status: "fail", Problem: "invalid_client_secret"}},
	}
	for _, tc := range tests {
		tv := tc.tv
		if tv.TenantID != tc.id || tv.OK != tc.ok || tv.RegionScope != tc.region || tv.CloudInstance != tc.instance {
			t.Errorf("tenant %+v", tv)
		}
		if !slices.Equal(tv.GrantedRoles, tc.roles) {
			t.Errorf("%s roles %v, want every resource's: %v", tc.id, tv.GrantedRoles, tc.roles)
		}
		if len(tv.Checks) != 1 || tv.Checks[0] != tc.check {
			t.Errorf("%s checks %+v, want %+v", tc.id, tv.Checks, tc.check)
		}
	}
}

func TestResolveMappings(t *testing.T) {
	info := func(id string) *defender.TenantInfo { return &defender.TenantInfo{TenantID: id} }
	tests := []struct {
		name    string
		tenants []string // mappings' TenantID as typed
		infos   []*defender.TenantInfo
		want    []store.Mapping // TenantID and Domain only
		wantErr string
	}{
		{"domain becomes its GUID", []string{"contoso.com"}, []*defender.TenantInfo{info(tenantA)},
			[]store.Mapping{{TenantID: tenantA, Domain: "contoso.com"}}, ""},
		{"a GUID stays", []string{tenantA}, []*defender.TenantInfo{info(tenantA)},
			[]store.Mapping{{TenantID: tenantA}}, ""},
		{"not found stays as typed", []string{"nowhere.example.com", tenantB}, []*defender.TenantInfo{nil, info(tenantB)},
			[]store.Mapping{{TenantID: "nowhere.example.com"}, {TenantID: tenantB}}, ""},
		{"no result at all", []string{"contoso.com"}, nil, []store.Mapping{{TenantID: "contoso.com"}}, ""},
		{"a domain and its own GUID", []string{"contoso.com", tenantA}, []*defender.TenantInfo{info(tenantA), info(tenantA)},
			nil, "contoso.com and " + tenantA + " are the same tenant"},
		{"two domains of one tenant", []string{"contoso.com", "contoso.onmicrosoft.com"}, []*defender.TenantInfo{info(tenantA), info(tenantA)},
			nil, "contoso.com and contoso.onmicrosoft.com are the same tenant"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mps []store.Mapping
			var res defender.Result
			for i, id := range tc.tenants {
				mps = append(mps, store.Mapping{TenantID: id, CustomerName: "C"})
				if i < len(tc.infos) {
					res.Tenants = append(res.Tenants, defender.TenantResult{TenantID: id, Info: tc.infos[i]})
				}
			}
			err := ResolveMappings(mps, &res)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tc.want {
				if mps[i].TenantID != w.TenantID || mps[i].Domain != w.Domain {
					t.Errorf("mapping %d = %s (%s), want %s (%s)", i, mps[i].TenantID, mps[i].Domain, w.TenantID, w.Domain)
				}
				if i < len(res.Tenants) && res.Tenants[i].TenantID != w.TenantID {
					t.Errorf("result %d names %s, want %s", i, res.Tenants[i].TenantID, w.TenantID)
				}
			}
		})
	}
}

// A token claiming 100,000 roles was stored whole: the record keeps the
// required and excess roles first, at most store.MaxGrantedRoles, and counts
// the rest; a re-test of the same token shows no role change.
func TestValidationRecordBoundsRoles(t *testing.T) {
	roles := []string{"Machine.Isolate"}
	for i := range 100_000 {
		roles = append(roles, fmt.Sprintf("Custom.Role%06d", i))
	}
	roles = append(roles, "ServiceHealth.Read.All", "Machine.Read.All")
	tr := defender.TenantResult{TenantID: tenantA, OK: true, Claims: map[string]defender.Claims{"defender": {Roles: roles}}}
	v := ValidationRecord(defender.Result{OK: true, Tenants: []defender.TenantResult{tr}}, fixedNow)
	tv := v.Tenants[0]
	if len(tv.GrantedRoles) != store.MaxGrantedRoles || tv.OtherRoles != len(roles)-store.MaxGrantedRoles {
		t.Fatalf("kept %d roles, %d others", len(tv.GrantedRoles), tv.OtherRoles)
	}
	if want := []string{"Machine.Read.All", "ServiceHealth.Read.All", "Machine.Isolate"}; !slices.Equal(tv.GrantedRoles[:3], want) {
		t.Errorf("first roles %v, want %v", tv.GrantedRoles[:3], want)
	}
	c := store.Connector{Mappings: []store.Mapping{{TenantID: tenantA}}}
	if ch := Compare(c, &v, defender.Result{Tenants: []defender.TenantResult{tr}}, func(string) string { return "" }); len(ch) != 0 {
		t.Errorf("the same token shows changes: %+v", ch)
	}
}
