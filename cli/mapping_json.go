package cli

import (
	"encoding/json"
	"time"

	"github.com/paratira/mdeconnect/store"
)

// A mapping's customer is `customer` in every JSON mdeconnect prints, as in
// `test --json`. `show --json` and `add --json` called it customer_name
// (the store's own name for it, on disk): they print both for one release,
// then customer_name goes (CHANGELOG.md, Deprecated).

// mappingView is a mapping as commands print it.
type mappingView struct {
	TenantID string `json:"tenant_id"`
	Customer string `json:"customer"`
	// CustomerName is Customer's old name, kept for one release.
	CustomerName string    `json:"customer_name"`
	Domain       string    `json:"domain,omitempty"`
	AddedAt      time.Time `json:"added_at"`
}

func mappingViews(ms []store.Mapping) []mappingView {
	out := make([]mappingView, len(ms))
	for i, m := range ms {
		out[i] = mappingView{TenantID: m.TenantID, Customer: m.CustomerName, CustomerName: m.CustomerName, Domain: m.Domain, AddedAt: m.AddedAt}
	}
	return out
}

// MarshalJSON prints the connector with its mappings as mappingViews; every
// other field is the store's.
func (v connectorView) MarshalJSON() ([]byte, error) {
	type plain connectorView // without this method
	return json.Marshal(struct {
		plain
		Mappings []mappingView `json:"mappings"`
	}{plain(v), mappingViews(v.Mappings)})
}
