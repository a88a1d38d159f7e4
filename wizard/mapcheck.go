package wizard

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// resolveTimeout bounds the lookup of a mapping's domain.
const resolveTimeout = 30 * time.Second

// mappingResolvedMsg is the tenant GUID discovery found for a domain typed
// in a mapping.
type mappingResolvedMsg struct {
	domain string
	info   defender.TenantInfo
	err    error
}

// learn keeps what discovery said a domain is, so a mapping typed as that
// domain is known by its GUID at once.
func (m *Model) learn(info defender.TenantInfo) {
	in := strings.ToLower(strings.TrimSpace(info.Input))
	if in == "" || info.TenantID == "" || defender.IsGUID(in) {
		return
	}
	if m.known == nil {
		m.known = map[string]string{}
	}
	m.known[in] = info.TenantID
}

// parseMapping reads the typed tenant and customer by the connector's rule,
// and names a domain already looked up by its GUID.
func (m *Model) parseMapping(tenant, customer string) (store.Mapping, error) {
	mp, err := connector.ParseMapping(tenant, customer)
	if err != nil {
		return mp, err
	}
	if guid, ok := m.known[strings.ToLower(mp.TenantID)]; ok {
		mp.Domain, mp.TenantID = mp.TenantID, guid
	}
	return mp, nil
}

// resolveMapping looks a mapping's domain up; nil when it is a GUID already.
func (m *Model) resolveMapping(mp store.Mapping) tea.Cmd {
	if defender.IsGUID(mp.TenantID) {
		return nil
	}
	eng, err := m.engineFor("", nil)()
	if err != nil {
		return nil // the test names the problem
	}
	domain := mp.TenantID
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
		defer cancel()
		info, err := eng.ResolveTenant(ctx, domain)
		return mappingResolvedMsg{domain: domain, info: info, err: err}
	}
}

// onMappingResolved turns the mappings typed as msg.domain into its GUID,
// and refuses one that turns out to be a tenant already mapped.
func (m *Model) onMappingResolved(msg mappingResolvedMsg) {
	d := &m.details
	if msg.err != nil {
		if p, ok := errorProblem(msg.err); ok {
			d.err = fmt.Errorf("%s: %s (the test will say more)", msg.domain, problemText(p, ""))
		}
		return
	}
	if msg.info.Input == "" {
		msg.info.Input = msg.domain
	}
	m.learn(msg.info)
	ms := m.draft.Mappings
	for i := range ms {
		if !strings.EqualFold(ms[i].TenantID, msg.domain) {
			continue
		}
		ms[i].Domain, ms[i].TenantID = msg.domain, msg.info.TenantID
		if err := connector.CheckDuplicates(ms[:i+1]); err != nil {
			m.draft.Mappings = slices.Delete(ms, i, i+1)
			m.moveRow(0)
			d.err = fmt.Errorf("%w; the mapping of %s was not added", err, msg.domain)
			return
		}
	}
}

// otherConnectors names the saved connectors (other than the one being
// edited) that already map a tenant of the draft: the same tenant in two
// connectors is collected twice.
func (m *Model) otherConnectors() []string {
	var out []string
	for _, c := range m.connectors.list {
		if m.editing != nil && strings.EqualFold(c.Name, m.editing.Name) {
			continue
		}
		for _, mine := range m.draft.Mappings {
			if i := slices.IndexFunc(c.Mappings, func(o store.Mapping) bool { return sameTenant(o, mine) }); i >= 0 {
				out = append(out, fmt.Sprintf("tenant %s is already in connector %q (customer %s)", mine.TenantID, c.Name, c.Mappings[i].CustomerName))
			}
		}
	}
	return out
}

func sameTenant(a, b store.Mapping) bool {
	eq := func(x, y string) bool { return x != "" && strings.EqualFold(x, y) }
	return eq(a.TenantID, b.TenantID) || eq(a.Domain, b.Domain) || eq(a.Domain, b.TenantID) || eq(a.TenantID, b.Domain)
}
