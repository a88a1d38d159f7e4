package cli

import (
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
		Example: "  mdeconnect edit Contoso --add-tenant fabrikam.com=Fabrikam --mode one-to-many\n" +
			"  mdeconnect edit Contoso --remove-tenant 72f988bf-86f1-41af-91ab-2d7cd011db47\n" +
			"  mdeconnect edit Contoso --client-secret-stdin < new-secret.txt",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runEdit(cmd, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.addTenants, "add-tenant", nil, "add a mapping TENANT=CUSTOMER (repeatable)")
	f.StringArrayVar(&o.removeTenants, "remove-tenant", nil, "remove the mapping of TENANT (repeatable)")
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
	change, err := a.editChange(o)
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
	if err := st.Update(name, change); err != nil {
		return storeError(err)
	}
	if o.rename != "" {
		name = strings.TrimSpace(o.rename)
	}
	if secret != "" {
		if err := a.withFileFallback(cmd.Context(), st, func(s *store.Store) error { return s.SetSecret(name, secret) }); err != nil {
			return storeError(err)
		}
	}
	c, err := st.Get(name)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "Updated connector %q: %d tenant(s), %s, cloud %s; secret %s.\nTest it: mdeconnect test %s\n",
		c.Name, len(c.Mappings), c.Mode, c.Cloud, st.Where(c), connector.ShellQuote(c.Name))
	return nil
}

// editChange checks every flag before anything is written, and returns the change.
func (a *app) editChange(o *editOptions) (func(*store.Connector) error, error) {
	var adds []store.Mapping
	for _, v := range o.addTenants {
		m, err := parseMappingFlag(v)
		if err != nil {
			return nil, err
		}
		m.AddedAt = a.now().UTC()
		adds = append(adds, m)
	}
	var removes []string
	for _, v := range o.removeTenants {
		tid, err := defender.ParseTenant(v)
		if err != nil {
			return nil, usagef("--remove-tenant %q: %v", v, err)
		}
		removes = append(removes, tid)
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
	return func(c *store.Connector) error { return applyEdit(c, o, adds, removes) }, nil
}

func applyEdit(c *store.Connector, o *editOptions, adds []store.Mapping, removes []string) error {
	for _, tid := range removes {
		i := slices.IndexFunc(c.Mappings, func(m store.Mapping) bool {
			return strings.EqualFold(m.TenantID, tid) || strings.EqualFold(m.Domain, tid)
		})
		if i < 0 {
			return usagef("--remove-tenant %s: connector %q has no mapping for it", tid, c.Name)
		}
		c.Mappings = slices.Delete(c.Mappings, i, i+1)
	}
	for _, m := range adds {
		var err error
		if c.Mappings, err = connector.Add(c.Mappings, m); err != nil {
			return usagef("connector %q: %v", c.Name, err)
		}
	}
	if o.rename != "" {
		c.Name = strings.TrimSpace(o.rename)
	}
	if o.cloud != "" {
		c.Cloud = strings.ToLower(o.cloud)
	}
	if o.mode != "" {
		c.Mode = store.Mode(o.mode)
	}
	if err := connector.CheckMode(c.Mode, len(c.Mappings)); err != nil {
		return flagRuleError(err)
	}
	if len(c.Mappings) == 0 {
		return usagef("the connector would have no tenant left: remove the connector instead (mdeconnect remove %s)", connector.ShellQuote(c.Name))
	}
	return nil
}
