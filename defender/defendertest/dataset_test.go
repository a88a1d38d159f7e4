package defendertest

import (
	"reflect"
	"strings"
	"testing"
)

// TestTenantDataKeptAndRebuilt: a cloud keeps the data of its last
// keptDatasets tenants; an older tenant's data is let go and built again,
// the same, when asked for.
func TestTenantDataKeptAndRebuilt(t *testing.T) {
	t.Parallel()
	fleet := Fleet(keptDatasets + 1)
	c := NewTestCloud(t, Options{Scenarios: fleet})
	first := c.tenantData(fleet[0].TenantID)
	if again := c.tenantData(fleet[0].TenantID); again != first {
		t.Fatal("a kept data set was built again")
	}
	for _, s := range fleet[1:] {
		c.tenantData(s.TenantID)
	}
	if c.tenant(fleet[0].TenantID).data.Load() != nil {
		t.Fatalf("the oldest of %d data sets is still kept", keptDatasets+1)
	}
	if c.tenant(fleet[1].TenantID).data.Load() == nil {
		t.Fatal("a recent data set was let go")
	}
	rebuilt := c.tenantData(fleet[0].TenantID)
	if rebuilt == first || !reflect.DeepEqual(rebuilt, first) {
		t.Fatal("a data set let go came back different (or was never let go)")
	}
}

// TestLookupMatchesLookupIn: the cloud's index finds what a scan of its
// scenarios finds, by name, tenant ID or domain in any case.
func TestLookupMatchesLookupIn(t *testing.T) {
	t.Parallel()
	list := append(Scenarios(), Fleet(3)...)
	dup := list[len(list)-1]
	dup.Name = "a-later-copy"
	list = append(list, dup) // same ID and domain: the first one wins
	c := NewTestCloud(t, Options{Scenarios: list})
	keys := []string{"unknown.example.com", "00000000-0000-4000-8000-000000000000", ""}
	for _, s := range list {
		keys = append(keys, s.Name, s.TenantID, strings.ToUpper(s.TenantID), s.Domain, strings.ToUpper(s.Domain))
	}
	for _, k := range keys {
		got, gotOK := c.lookup(k)
		want, wantOK := lookupIn(list, k)
		if gotOK != wantOK || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: lookup %q %v, lookupIn %q %v", k, got.Name, gotOK, want.Name, wantOK)
		}
	}
}
