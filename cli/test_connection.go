package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/store"

	"github.com/paratira/mdeconnect/defender"
	"github.com/spf13/cobra"
)

type testOptions struct {
	engineFlags
	clientID string
	tenants  []string
	secretIn bool
	jsonOut  bool
	all      bool
	// waitConsent re-tests while a fresh consent propagates.
	waitConsent time.Duration
}

func newTestCmd(a *app) *cobra.Command {
	o := &testOptions{}
	cmd := &cobra.Command{
		Use:   "test [NAME]",
		Short: "Test the connection: validate every API and data permission for each tenant",
		Long: "Test the connection the way Paratira does: the tenant exists, Paratira's app gets an\n" +
			"app-only token, the token carries every required role, and each data source answers:\n" +
			"service health and status, endpoint update compliance, risk scores, security\n" +
			"recommendations and Microsoft 365 service health.\n\n" +
			"With NAME it re-tests a saved connector (--tenant picks one of its tenants) and\n" +
			"records the result; with --all, every saved connector. Without, it tests ad hoc.\n\n" +
			"Exit codes: 0 no check failed (warnings allowed), 3 a check failed, 2 bad input,\n" +
			"1 any other error, 130 cancelled.",
		Example: "  printf '%s' \"$SECRET\" | mdeconnect test --tenant contoso.com --client-secret-stdin\n" +
			"  mdeconnect test --tenant 72f988bf-86f1-41af-91ab-2d7cd011db47=Contoso --client-secret-stdin --json < secret.txt\n" +
			"  mdeconnect test Contoso\n" +
			"  mdeconnect test --all --json",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case o.all && len(args) > 0:
				return usagef("give a connector NAME or --all, not both")
			case o.all:
				return a.runTestAll(cmd, o)
			case len(args) == 1:
				return a.runSavedTest(cmd, o, args[0])
			}
			return a.runAdHocTest(cmd, o)
		},
	}
	o.register(cmd)
	registerTestAllFlags(cmd)
	cmd.Flags().StringVar(&o.clientID, "client-id", defender.ParatiraClientID, "Paratira's application (client) ID")
	cmd.Flags().StringArrayVar(&o.tenants, "tenant", nil, "tenant ID or domain to test, optionally =CUSTOMER (repeatable)")
	cmd.Flags().BoolVar(&o.secretIn, "client-secret-stdin", false, "read the client secret from stdin (or set MDECONNECT_CLIENT_SECRET)")
	cmd.Flags().BoolVar(&o.jsonOut, "json", false, "print the result as JSON on stdout")
	cmd.Flags().BoolVar(&o.all, "all", false, "re-test every saved connector and record the results (for cron)")
	cmd.Flags().DurationVar(&o.waitConsent, "wait-for-consent", 0, "after a fresh consent, re-test until the app and its roles appear (default 10m when given without a value)")
	cmd.Flags().Lookup("wait-for-consent").NoOptDefVal = "10m"
	return cmd
}

// parseTargets reads --tenant values of the form TENANT[=CUSTOMER].
func parseTargets(values []string) ([]defender.Target, error) {
	if len(values) == 0 {
		return nil, usagef("no tenant given: add --tenant with the Tenant ID (Entra ID > Overview) or a domain such as contoso.com")
	}
	var ms []store.Mapping
	for _, v := range values {
		id, customer, _ := strings.Cut(v, "=")
		tid, err := defender.ParseTenant(id)
		if err != nil {
			return nil, usagef("--tenant %q: %v", v, err)
		}
		ms = append(ms, store.Mapping{TenantID: tid, CustomerName: strings.TrimSpace(customer)})
	}
	if err := connector.CheckDuplicates(ms); err != nil {
		return nil, usagef("a --tenant is given twice: %v (each tenant is tested once)", err)
	}
	return connector.Targets(ms), nil
}

func (a *app) runAdHocTest(cmd *cobra.Command, o *testOptions) error {
	targets, err := parseTargets(o.tenants)
	if err != nil {
		return err
	}
	cloud, err := a.resolveCloud(o.cloud)
	if err != nil {
		return err
	}
	if err := checkClientID(cloud, o.clientID); err != nil {
		return err
	}
	secret, err := a.checkedSecret(cmd, o.engineFlags, o.secretIn)
	if err != nil {
		return err
	}
	res, err := a.runChecks(cmd, checkRun{cloud: cloud, clientID: o.clientID, secret: secret, flags: o.engineFlags, targets: targets, wait: o.waitConsent})
	if err != nil {
		return err
	}
	if o.jsonOut {
		if err := writeJSON(a.out, adHocJSON(res, o.tenants)); err != nil {
			return err
		}
		return resultError(res)
	}
	return a.printResult(res, false)
}

// adHocOutput is ad hoc `test --json`: the engine's result with each tenant
// under its tenant ID (the GUID discovery found, so a domain never sits in
// tenant_id) and what was typed for it in input.
type adHocOutput struct {
	defender.Result
	Tenants []adHocTenant `json:"tenants"`
}

type adHocTenant struct {
	defender.TenantResult
	// Input is the --tenant value as typed, without its =CUSTOMER.
	Input string `json:"input"`
}

// adHocJSON pairs res.Tenants[i] with values[i], the --tenant it came from.
func adHocJSON(res defender.Result, values []string) adHocOutput {
	out := adHocOutput{Result: res, Tenants: make([]adHocTenant, len(res.Tenants))}
	for i, t := range res.Tenants {
		if t.Info != nil && defender.IsGUID(t.Info.TenantID) {
			t.TenantID = t.Info.TenantID
		}
		out.Tenants[i] = adHocTenant{TenantResult: t}
		if i < len(values) {
			id, _, _ := strings.Cut(values[i], "=")
			out.Tenants[i].Input = strings.TrimSpace(id)
		}
	}
	return out
}

// checkRun is one validation a command asks for.
type checkRun struct {
	cloud    defender.Cloud
	clientID string
	secret   string
	flags    engineFlags
	targets  []defender.Target
	// wait, when set, re-tests tenants whose fresh consent has not propagated.
	wait time.Duration
	prog *progress
	// name is the saved connector's, "" for an ad hoc test.
	name string
}

// runChecks validates with progress on stderr when it is a terminal.
func (a *app) runChecks(cmd *cobra.Command, r checkRun) (defender.Result, error) {
	if connector.SecretLooksLikeID(r.secret) {
		fmt.Fprintln(a.errOut, "Warning: the client secret looks like a secret ID (a GUID). Paratira needs the secret's Value, shown once when it was created.")
	}
	if r.prog == nil {
		r.prog = a.newProgressFor(len(r.targets))
	}
	newEngine := func() (*defender.Engine, error) {
		return a.newEngine(r.cloud, r.clientID, r.secret, r.flags, r.prog.event)
	}
	defer r.prog.done()
	if r.wait <= 0 {
		eng, err := newEngine()
		if err != nil {
			return defender.Result{}, err
		}
		res, err := eng.Validate(cmd.Context(), r.targets)
		a.withRemedies(&res, r)
		return res, err
	}
	if _, err := newEngine(); err != nil {
		return defender.Result{}, err
	}
	res, err := defender.WaitForConsent(cmd.Context(), newEngine, r.targets, r.wait, a.consentPoll, func(w defender.Waiting) {
		r.prog.clear()
		fmt.Fprintln(a.errOut, w.String())
	})
	a.withRemedies(&res, r)
	return res, err
}

// printResult writes a result as JSON or text, and turns failures into exit 3.
func (a *app) printResult(res defender.Result, jsonOut bool) error {
	if jsonOut {
		enc := json.NewEncoder(a.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("writing JSON: %w", err)
		}
	} else {
		renderResult(a.colorWriter(a.out), res)
	}
	return resultError(res)
}

// resultError is exit 3 when a check failed.
func resultError(res defender.Result) error {
	if !res.OK {
		return errChecksFailed
	}
	return nil
}
