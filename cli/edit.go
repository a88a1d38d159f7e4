package cli

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/connector"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

type editOptions struct {
	addTenants    []string
	removeTenants []string
	rename        string
	cloud         string
	mode          string
	secretIn      bool
	secretStore   string
}

func newEditCmd(a *app) *cobra.Command {
	o := &editOptions{}
	cmd := &cobra.Command{
		Use:   "edit NAME",
		Short: "Change a saved connector: mappings, name, cloud, or rotate its secret",
		Long: "Change a saved connector: add or remove tenants, rename it, move it to another\n" +
			"cloud or mapping mode, or rotate its client secret.\n\n" +
			"A tenant added by domain is looked up through Microsoft's OpenID discovery (no\n" +
			"sign-in) and stored under its tenant ID, the domain kept as its label. When a domain\n" +
			"cannot be resolved (offline, a typo, another cloud) nothing is changed: give the\n" +
			"tenant ID (Entra ID > Overview > Tenant ID) instead, which needs no lookup.\n" +
			"--remove-tenant takes the tenant ID or a domain. A connector never maps one tenant\n" +
			"twice; when another saved connector maps it too, a warning names that connector\n" +
			"(a warning, not an error: both connectors then read that tenant).",
		Example: "  mdeconnect edit Contoso --add-tenant fabrikam.com=Fabrikam --mode one-to-many\n" +
			"  mdeconnect edit Contoso --remove-tenant 72f988bf-86f1-41af-91ab-2d7cd011db47\n" +
			"  mdeconnect edit Contoso --client-secret-stdin < new-secret.txt",
		Args: connectorNameArg,
		RunE: func(cmd *cobra.Command, args []string) error { return a.runEdit(cmd, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.addTenants, "add-tenant", nil, "add a mapping TENANT=CUSTOMER: tenant ID or domain, stored by tenant ID (repeatable)")
	f.StringArrayVar(&o.removeTenants, "remove-tenant", nil, "remove the mapping of TENANT: its tenant ID or domain (repeatable)")
	f.StringVar(&o.rename, "rename", "", "new name for the connector")
	f.StringVar(&o.cloud, "cloud", "", "move to another cloud: global, gcc, gcc-high or dod")
	f.StringVar(&o.mode, "mode", "", "mapping mode: one-to-one or one-to-many")
	f.BoolVar(&o.secretIn, "client-secret-stdin", false, "rotate the client secret: read the new one from stdin")
	f.StringVar(&o.secretStore, "secret-store", "", "with a rotation, where the secret is kept: auto, keyring or file")
	return cmd
}

func (a *app) runEdit(cmd *cobra.Command, o *editOptions, name string) error {
	if cmd.Flags().NFlag() == 0 && a.canPrompt() {
		return a.runEditWizard(cmd, name)
	}
	if cmd.Flags().NFlag() == 0 {
		return usagef("nothing to change: give --add-tenant, --remove-tenant, --rename, --cloud, --mode or --client-secret-stdin")
	}
	e, err := a.parseEdit(o)
	if err != nil {
		return err
	}
	var secret string
	if o.secretIn {
		if secret, err = a.readSecret(cmd.Context(), true); err != nil {
			return err
		}
	}
	st, err := a.openStore(o.secretStore)
	if err != nil {
		return err
	}
	cur, err := st.Get(name)
	if err != nil {
		return storeError(err)
	}
	if err := a.resolveEdit(cmd.Context(), cur, e); err != nil {
		return err
	}
	if err := st.Update(name, func(c *store.Connector) error { return applyEdit(c, e) }); err != nil {
		return storeError(err)
	}
	if o.rename != "" {
		name = strings.TrimSpace(o.rename)
	}
	a.warnMappedElsewhere(st, name, e.adds)
	if secret != "" {
		if err := a.withFileFallback(cmd.Context(), st, func(s *store.Store) error { return s.SetSecret(name, secret) }); err != nil {
			return storeError(err)
		}
	}
	c, err := st.Get(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Updated connector %q: %s, %s, cloud %s; secret %s.\nTest it: mdeconnect test %s\n",
		c.Name, plural(len(c.Mappings), "tenant"), c.Mode, c.Cloud, st.Where(c), connector.ShellQuote(c.Name))
	return nil
}

// edit is one `mdeconnect edit`, checked before anything is written.
type edit struct {
	*editOptions
	adds    []store.Mapping
	removes []string
	// known maps a domain (lower case) to its tenant ID, for the connector's
	// mappings still stored by domain and removals given by domain.
	known map[string]string
}

// parseEdit checks every flag before anything is read or written.
func (a *app) parseEdit(o *editOptions) (*edit, error) {
	e := &edit{editOptions: o, known: map[string]string{}}
	for _, v := range o.addTenants {
		m, err := parseMappingFlag(v)
		if err != nil {
			return nil, err
		}
		m.AddedAt = a.now().UTC()
		e.adds = append(e.adds, m)
	}
	for _, v := range o.removeTenants {
		tid, err := defender.ParseTenant(v)
		if err != nil {
			return nil, usagef("--remove-tenant %q: %v", v, err)
		}
		e.removes = append(e.removes, tid)
	}
	if o.cloud != "" {
		if _, err := defender.LookupCloud(o.cloud); err != nil {
			return nil, usageError{msg: err.Error()}
		}
	}
	if o.mode != "" {
		if err := connector.CheckMode(store.Mode(o.mode), 0); err != nil {
			return nil, flagRuleError(err)
		}
	}
	if o.rename != "" && strings.TrimSpace(o.rename) == "" {
		return nil, usagef("--rename is empty: give the new name")
	}
	return e, nil
}

// resolveEdit stores added tenants under their tenant ID (a domain that
// does not resolve stops the edit) and, on the way, looks up the tenant ID
// of the connector's mappings still stored by domain and of removals given
// by a domain the connector does not name; those lookups may fail quietly:
// the edit then matches what is stored.
func (a *app) resolveEdit(ctx context.Context, cur store.Connector, e *edit) error {
	var extra []string
	for _, m := range cur.Mappings {
		if !defender.IsGUID(m.TenantID) && (len(e.adds) > 0 || len(e.removes) > 0) {
			extra = append(extra, m.TenantID)
		}
	}
	for _, r := range e.removes {
		if !defender.IsGUID(r) && !slices.ContainsFunc(cur.Mappings, func(m store.Mapping) bool { return matchesTenant(m, r) }) {
			extra = append(extra, r)
		}
	}
	if len(extra) == 0 && !slices.ContainsFunc(e.adds, func(m store.Mapping) bool { return !defender.IsGUID(m.TenantID) }) {
		return nil
	}
	if e.cloud != "" {
		cur.Cloud = strings.ToLower(e.cloud)
	}
	cloud, err := a.connectorCloud(cur)
	if err != nil {
		return err
	}
	if err := a.resolveDomains(ctx, cloud, e.adds); err != nil {
		return fmt.Errorf("connector %q: %w", cur.Name, err)
	}
	infos, _, err := a.lookupDomains(ctx, cloud, extra)
	if err != nil {
		return err
	}
	for i, info := range infos {
		if info != nil {
			e.known[strings.ToLower(extra[i])] = info.TenantID
		}
	}
	return nil
}

// matchesTenant says whether m is the tenant named by id: its GUID or its domain.
func matchesTenant(m store.Mapping, id string) bool {
	return strings.EqualFold(m.TenantID, id) || (m.Domain != "" && strings.EqualFold(m.Domain, id))
}

func applyEdit(c *store.Connector, e *edit) error {
	for i, m := range c.Mappings {
		if tid, ok := e.known[strings.ToLower(m.TenantID)]; ok {
			c.Mappings[i].TenantID, c.Mappings[i].Domain = tid, cmp.Or(m.Domain, m.TenantID)
		}
	}
	for _, id := range e.removes {
		i := slices.IndexFunc(c.Mappings, func(m store.Mapping) bool {
			return matchesTenant(m, id) || (e.known[strings.ToLower(id)] != "" && strings.EqualFold(m.TenantID, e.known[strings.ToLower(id)]))
		})
		if i < 0 {
			return usagef("--remove-tenant %s: connector %q has no mapping for it: `mdeconnect show %s` lists its tenants",
				id, c.Name, connector.ShellQuote(c.Name))
		}
		c.Mappings = slices.Delete(c.Mappings, i, i+1)
	}
	for _, m := range e.adds {
		var err error
		if c.Mappings, err = connector.Add(c.Mappings, m); err != nil {
			return usagef("connector %q: %v", c.Name, err)
		}
	}
	if err := connector.CheckDuplicates(c.Mappings); err != nil {
		return usagef("connector %q: %v: remove one with --remove-tenant", c.Name, err)
	}
	if e.rename != "" {
		c.Name = strings.TrimSpace(e.rename)
	}
	if e.cloud != "" {
		c.Cloud = strings.ToLower(e.cloud)
		if err := connector.CheckCloudClientID(c.Cloud, c.ClientID); err != nil {
			return usagef("--cloud %s: %v. A connector's client ID is chosen when it is added: add it again with --cloud %s --client-id ID", c.Cloud, err, c.Cloud)
		}
	}
	if e.mode != "" {
		c.Mode = store.Mode(e.mode)
	}
	if err := connector.CheckMode(c.Mode, len(c.Mappings)); err != nil {
		return flagRuleError(err)
	}
	if len(c.Mappings) == 0 {
		return usagef("the connector would have no tenant left: remove the connector instead (mdeconnect remove %s)", connector.ShellQuote(c.Name))
	}
	return nil
}

// plural is "1 tenant" or "3 tenants".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
