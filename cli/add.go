package cli

import (
	"encoding/json"
	"fmt"

	"github.com/paratira/mdeconnect/connector"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

type addOptions struct {
	engineFlags
	name         string
	clientID     string
	tenants      []string
	mappingsFile string
	mode         string
	secretIn     bool
	secretStore  string
	skipTest     bool
	force        bool
	jsonOut      bool
}

func newAddCmd(a *app) *cobra.Command {
	o := &addOptions{}
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a connector: validate it, then save it (the wizard when run without flags)",
		Long: "Add a Defender for Endpoint connector without the wizard, for scripts and bulk\n" +
			"onboarding. The connection is tested first and the connector saved only when no\n" +
			"check failed, unless --skip-test or --force (which records the failures).\n" +
			"Run without flags on a terminal, it starts the wizard.\n\n" +
			"A tenant given by domain is stored under its tenant ID, the domain kept as its label:\n" +
			"the test finds it, and with --skip-test Microsoft's OpenID discovery does (no sign-in).\n" +
			"With --skip-test, a domain that cannot be resolved (offline, a typo) saves nothing:\n" +
			"give the tenant ID instead, which needs no lookup. With --force, a tenant the test\n" +
			"could not find is kept as typed. A tenant another saved connector maps too is named\n" +
			"in a warning (not an error).",
		Example: "  mdeconnect add --name Contoso --tenant contoso.com=Contoso --client-secret-stdin < secret.txt\n" +
			"  mdeconnect add --name MSP --mode one-to-many --mappings-file tenants.csv --client-secret-stdin < secret.txt",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().NFlag() == 0 {
				return a.startWizard(cmd)
			}
			return a.runAdd(cmd, o)
		},
	}
	o.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.name, "name", "", "connector name, unique (e.g. \"Defender for Endpoint Connector\")")
	f.StringVar(&o.clientID, "client-id", defender.ParatiraClientID, "Paratira's application (client) ID")
	f.StringArrayVar(&o.tenants, "tenant", nil, "mapping TENANT=CUSTOMER: tenant ID or domain, and the Paratira customer (repeatable)")
	f.StringVar(&o.mappingsFile, "mappings-file", "", "CSV of tenant,customer rows (header optional) for bulk onboarding")
	f.StringVar(&o.mode, "mode", "", "mapping mode: one-to-one or one-to-many (default: from the number of tenants)")
	f.BoolVar(&o.secretIn, "client-secret-stdin", false, "read the client secret from stdin (or set MDECONNECT_CLIENT_SECRET)")
	f.StringVar(&o.secretStore, "secret-store", "", "where the secret is kept: auto, keyring or file (or MDECONNECT_SECRET_STORE)")
	f.BoolVar(&o.skipTest, "skip-test", false, "save without testing the connection (domains are still resolved to tenant IDs)")
	f.BoolVar(&o.force, "force", false, "save even when checks fail, recording the failures")
	f.BoolVar(&o.jsonOut, "json", false, "print the outcome as JSON on stdout")
	return cmd
}

// addOutcome is the JSON form of `add`.
type addOutcome struct {
	Saved      bool             `json:"saved"`
	Connector  *connectorView   `json:"connector,omitempty"`
	Validation *defender.Result `json:"validation,omitempty"`
}

func (a *app) runAdd(cmd *cobra.Command, o *addOptions) error {
	c, err := a.connectorFromFlags(o)
	if err != nil {
		return err
	}
	st, err := a.openStore(o.secretStore)
	if err != nil {
		return err
	}
	if _, err := st.Get(c.Name); err == nil {
		return storeError(fmt.Errorf("%w: %q", store.ErrExists, c.Name))
	}
	cloud, err := a.connectorCloud(c)
	if err != nil {
		return err
	}
	if err := checkClientID(cloud, c.ClientID); err != nil {
		return err
	}
	if o.skipTest {
		if err := a.resolveDomains(cmd.Context(), cloud, c.Mappings); err != nil {
			return err
		}
	}
	secret, err := a.checkedSecret(cmd, o.engineFlags, o.secretIn)
	if err != nil {
		return err
	}
	var res *defender.Result
	if !o.skipTest {
		r, err := a.runChecks(cmd, checkRun{cloud: cloud, clientID: c.ClientID, secret: secret, flags: o.engineFlags, targets: connector.Targets(c.Mappings)})
		if err != nil {
			return err
		}
		res = &r
		if err := connector.ResolveMappings(c.Mappings, res); err != nil {
			return usageError{msg: err.Error()}
		}
		if !r.OK && !o.force {
			a.reportResult(r, o.jsonOut, addOutcome{Validation: res})
			fmt.Fprintln(a.errOut, "Nothing was saved: fix what failed and run again, or add --force to save and record the failures.")
			return errChecksFailed
		}
	}
	a.warnMappedElsewhere(st, c.Name, c.Mappings)
	if err := a.withFileFallback(cmd.Context(), st, func(s *store.Store) error { return s.Add(c, secret) }); err != nil {
		if res != nil {
			a.reportResult(*res, o.jsonOut, addOutcome{Validation: res})
		}
		return fmt.Errorf("the test ran, but nothing was saved: %w", storeError(err))
	}
	if res != nil {
		if err := st.RecordValidation(c.Name, connector.ValidationRecord(*res, a.now())); err != nil {
			return err
		}
	}
	saved, err := st.Get(c.Name)
	if err != nil {
		return err
	}
	view := newConnectorView(st, saved)
	if o.jsonOut {
		return writeJSON(a.out, addOutcome{Saved: true, Connector: &view, Validation: res})
	}
	if res != nil {
		renderResult(a.colorWriter(a.out), *res)
	}
	fmt.Fprintf(a.out, "Saved connector %q (%s) to %s; %s.\nInitial data collection begins once Paratira picks it up. Re-test any time: mdeconnect test %s\n",
		c.Name, plural(len(c.Mappings), "tenant"), st.Path(), st.Where(saved), connector.ShellQuote(c.Name))
	return nil
}

// reportResult prints a result that ends a command, as JSON or text.
func (a *app) reportResult(res defender.Result, jsonOut bool, v any) {
	if jsonOut {
		_ = writeJSON(a.out, v)
		return
	}
	renderResult(a.colorWriter(a.out), res)
}

func (a *app) connectorFromFlags(o *addOptions) (store.Connector, error) {
	if err := connector.CheckName(o.name, nil); err != nil {
		return store.Connector{}, flagRuleError(err)
	}
	if err := connector.CheckClientID(o.clientID); err != nil {
		return store.Connector{}, flagRuleError(err)
	}
	if _, err := defender.LookupCloud(o.cloud); err != nil {
		return store.Connector{}, usageError{msg: err.Error()}
	}
	mappings, err := a.mappingsFromFlags(o.tenants, o.mappingsFile)
	if err != nil {
		return store.Connector{}, err
	}
	mode := store.Mode(o.mode)
	if mode == "" {
		mode = connector.PickMode(len(mappings))
	}
	if err := connector.CheckMode(mode, len(mappings)); err != nil {
		return store.Connector{}, flagRuleError(err)
	}
	d := connector.Draft{Name: o.name, ClientID: o.clientID, Mode: mode, Cloud: o.cloud, Mappings: mappings}
	return d.Connector(), nil
}

// flagRuleError words a broken connector rule for the command line: the
// field becomes its flag.
func flagRuleError(err error) error {
	fe, ok := connector.AsFieldError(err)
	if !ok {
		return err
	}
	if fe.Missing {
		return usagef("--%s is required: %s", fe.Field, fe.Fix)
	}
	return usagef("--%s: %v", fe.Field, err)
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// startWizard runs the wizard for `mdeconnect add` without flags.
func (a *app) startWizard(cmd *cobra.Command) error {
	return a.runWizard(cmd, &wizardOptions{engineFlags: engineFlags{cloud: "global", parallel: defender.DefaultParallel}})
}
