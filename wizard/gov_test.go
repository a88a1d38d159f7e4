package wizard

import (
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// In a US Government cloud Paratira's global app does not exist: the
// details step refuses its client ID at the field, before any test.
func TestDetailsRefuseTheGlobalAppInUSGovernmentClouds(t *testing.T) {
	for _, tc := range []struct {
		cloud, clientID string
		refused         bool
	}{
		{"gcc-high", defender.ParatiraClientID, true},
		{"dod", defender.ParatiraClientID, true},
		{"gcc", defender.ParatiraClientID, false},
		{"gcc-high", "11111111-2222-3333-4444-555555555555", false},
	} {
		m := newTestModel(t, &memStore{})
		m.opts.CloudName = tc.cloud
		m.draft.Name, m.draft.ClientID, m.draft.Secret = "Gov", tc.clientID, "s3cret"
		m.draft.Mappings = []store.Mapping{{TenantID: tenantA, CustomerName: "Gov"}}
		f, err := m.checkDetails()
		if tc.refused != (err != nil) {
			t.Errorf("%s with %s: err %v", tc.cloud, tc.clientID, err)
			continue
		}
		if tc.refused && (f != fClientID || !strings.Contains(err.Error(), "US Government")) {
			t.Errorf("%s: field %v, err %v", tc.cloud, f, err)
		}
	}
}
