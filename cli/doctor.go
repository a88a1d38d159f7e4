package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/doctor"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

type doctorOptions struct {
	engineFlags
	tenant     string
	jsonOut    bool
	deviceCode bool
	adminID    string
	clientID   string
	secretIn   bool
}

func newDoctorCmd(a *app) *cobra.Command {
	o := &doctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor [NAME | --tenant TENANT]",
		Short: "Sign in as the tenant's admin (read-only) and explain the connection from the tenant's side",
		Long: "Look at the tenant from its administrator's side. An admin of the tenant signs in\n" +
			"(read-only, through the browser or a device code; the token stays in memory), and\n" +
			"Microsoft Graph tells whether Paratira's enterprise application exists and is enabled,\n" +
			"which of the required roles it holds, who consented and when, why its recent sign-ins\n" +
			"failed and which Conditional Access policies apply. Each finding is shown beside the\n" +
			"app-only check it explains, with what to do. Nothing is written to the tenant.\n\n" +
			"With NAME the connector's tenant is tested app-only first (with its saved secret, or\n" +
			"its last recorded test); with --tenant alone, when a client secret is given.\n" +
			"Over SSH or without a display the sign-in uses a device code.\n\n" +
			"Exit codes: 0 nothing wrong found, 3 a finding failed, 2 bad input, 1 any other error\n" +
			"(the sign-in included), 130 cancelled.",
		Example: "  mdeconnect doctor --tenant contoso.com\n" +
			"  mdeconnect doctor --tenant fabrikam.onmicrosoft.com --device-code --json\n" +
			"  mdeconnect doctor --tenant contoso.com --client-secret-stdin < secret.txt",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runDoctor(cmd, o, args) },
	}
	o.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.tenant, "tenant", "", "tenant ID or domain; with NAME, picks one of its tenants")
	f.BoolVar(&o.jsonOut, "json", false, "print the result as JSON on stdout")
	f.BoolVar(&o.deviceCode, "device-code", false, "sign in with a code entered on another device (automatic over SSH or without a display)")
	f.StringVar(&o.adminID, "admin-client-id", doctor.GraphCLIClientID, "public client the admin signs in with (Microsoft Graph Command Line Tools)")
	f.StringVar(&o.clientID, "client-id", defender.ParatiraClientID, "Paratira's application (client) ID (ad hoc only)")
	f.BoolVar(&o.secretIn, "client-secret-stdin", false, "read the client secret from stdin to test app-only too (ad hoc; or set MDECONNECT_CLIENT_SECRET)")
	return cmd
}

// doctorTarget is the tenant doctor looks at, and Paratira's side of it.
type doctorTarget struct {
	tenant   defender.Target
	cloud    defender.Cloud
	clientID string
	// appOnly is the app-only test joined with the findings; nil when none.
	appOnly *appOnlyTest
}

// appOnlyTest is an app-only test of the tenant, run now or recorded.
type appOnlyTest struct {
	source string
	at     time.Time
	checks []doctor.Check
}

// blocked reports whether the test met Conditional Access.
func (t *appOnlyTest) blocked() bool {
	return t != nil && slices.ContainsFunc(t.checks, func(c doctor.Check) bool { return c.Problem == problem.ConditionalAccessBlocked })
}

func (a *app) runDoctor(cmd *cobra.Command, o *doctorOptions, args []string) error {
	if err := o.check(); err != nil {
		return err
	}
	if a.caErr != nil {
		return a.caErr
	}
	var (
		tg  doctorTarget
		err error
	)
	if len(args) == 1 {
		tg, err = a.doctorSaved(cmd, o, args[0])
	} else {
		tg, err = a.doctorAdHoc(cmd, o)
	}
	if err != nil {
		return err
	}
	rep, err := a.doctorRead(cmd, o, tg)
	if err != nil {
		return err
	}
	if o.jsonOut {
		if err := writeJSON(a.out, rep); err != nil {
			return err
		}
	} else {
		renderDoctor(a.colorWriter(a.out), rep)
	}
	return doctorVerdict(rep)
}

// doctorVerdict is exit 3 when a finding failed.
func doctorVerdict(rep *doctor.Report) error {
	if slices.ContainsFunc(rep.Findings, func(f doctor.Finding) bool { return f.Severity == defender.Fail }) {
		return errChecksFailed
	}
	return nil
}

// doctorRead signs the admin in, reads the tenant and joins the app-only test.
func (a *app) doctorRead(cmd *cobra.Command, o *doctorOptions, tg doctorTarget) (*doctor.Report, error) {
	sess, err := a.doctorSignIn(cmd, o, tg)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	rep, err := doctor.Read(cmd.Context(), sess, doctor.Options{AppID: tg.clientID, ConditionalAccess: tg.appOnly.blocked(), Now: a.now})
	if err != nil {
		return nil, err
	}
	if tg.appOnly != nil {
		doctor.Explain(rep, tg.appOnly.source, tg.appOnly.at, tg.appOnly.checks)
	}
	return rep, nil
}

// doctorSaved looks at one tenant of a saved connector, tested app-only with
// its secret, or from its last recorded test when the secret cannot be read.
func (a *app) doctorSaved(cmd *cobra.Command, o *doctorOptions, name string) (doctorTarget, error) {
	if cmd.Flags().Changed("client-id") || o.secretIn {
		return doctorTarget{}, usagef("a saved connector uses its own client ID and secret: drop --client-id and --client-secret-stdin")
	}
	st, c, err := a.loadConnector(name)
	if err != nil {
		return doctorTarget{}, err
	}
	t, err := oneTenant(c, o.tenant)
	if err != nil {
		return doctorTarget{}, err
	}
	cloud, err := a.connectorCloud(c)
	if err != nil {
		return doctorTarget{}, err
	}
	tg := doctorTarget{tenant: t, cloud: cloud, clientID: c.ClientID}
	secret, serr := st.Secret(c.Name)
	if serr != nil {
		fmt.Fprintf(a.errOut, "%s the secret of connector %s cannot be read (%s): joining its last recorded test instead.\n",
			warnStyle.Render("Warning:"), connector.ShellQuote(c.Name), safe(serr.Error()))
		tg.appOnly = recordedTest(c.LastValidation, t.TenantID)
		return tg, nil
	}
	res, err := a.runChecks(cmd, checkRun{cloud: cloud, clientID: c.ClientID, secret: secret, flags: o.engineFlags,
		targets: []defender.Target{t}, name: c.Name})
	if err != nil {
		return tg, err
	}
	tg.appOnly = ranTest(res, a.now())
	return tg, nil
}

// doctorAdHoc looks at --tenant, tested app-only when a secret is given.
func (a *app) doctorAdHoc(cmd *cobra.Command, o *doctorOptions) (doctorTarget, error) {
	if o.tenant == "" {
		return doctorTarget{}, usagef("give a saved connector NAME or --tenant with the tenant ID or domain to look at")
	}
	tid, err := defender.ParseTenant(o.tenant)
	if err != nil {
		return doctorTarget{}, usagef("--tenant %q: %v", o.tenant, err)
	}
	cloud, err := a.resolveCloud(o.cloud)
	if err != nil {
		return doctorTarget{}, err
	}
	if err := checkClientID(cloud, o.clientID); err != nil {
		return doctorTarget{}, err
	}
	tg := doctorTarget{tenant: defender.Target{TenantID: tid}, cloud: cloud, clientID: o.clientID}
	if !o.secretIn && strings.TrimSpace(a.getenv(EnvClientSecret)) == "" {
		fmt.Fprintf(a.errOut, "No client secret given (--client-secret-stdin or %s): the tenant's side only, without the app-only test.\n", EnvClientSecret)
		return tg, nil
	}
	secret, err := a.readSecret(cmd.Context(), o.secretIn)
	if err != nil {
		return tg, err
	}
	res, err := a.runChecks(cmd, checkRun{cloud: cloud, clientID: o.clientID, secret: secret, flags: o.engineFlags, targets: []defender.Target{tg.tenant}})
	if err != nil {
		return tg, err
	}
	tg.appOnly = ranTest(res, a.now())
	return tg, nil
}

// oneTenant is the connector's tenant doctor looks at: --tenant, or its only one.
func oneTenant(c store.Connector, want string) (defender.Target, error) {
	if want != "" {
		ts, err := pickTargets(c, []string{want})
		if err != nil {
			return defender.Target{}, err
		}
		return ts[0], nil
	}
	all := connector.Targets(c.Mappings)
	if len(all) != 1 {
		var ids []string
		for _, t := range all {
			ids = append(ids, t.TenantID)
		}
		return defender.Target{}, usagef("connector %q has %d tenants and an admin signs in to one: pick it with --tenant (%s)",
			c.Name, len(all), strings.Join(ids, ", "))
	}
	return all[0], nil
}

func ranTest(res defender.Result, at time.Time) *appOnlyTest {
	if len(res.Tenants) == 0 {
		return nil
	}
	return &appOnlyTest{source: "test", at: at, checks: doctor.ChecksOf(res.Tenants[0])}
}

// recordedTest is the connector's last recorded test of tenant, if any.
func recordedTest(v *store.Validation, tenant string) *appOnlyTest {
	if v == nil {
		return nil
	}
	for _, t := range v.Tenants {
		if !strings.EqualFold(t.TenantID, tenant) {
			continue
		}
		out := &appOnlyTest{source: "recorded", at: v.At}
		for _, c := range t.Checks {
			id := defender.CheckID(c.ID)
			out.checks = append(out.checks, doctor.Check{ID: id, Title: id.Title(), Status: defender.Status(c.Status), Problem: problem.Code(c.Problem)})
		}
		return out
	}
	return nil
}

// signInError says what a failed admin sign-in means, and what to do.
func signInError(err error, tenant string) error {
	var se *doctor.SignInError
	if !errors.As(err, &se) {
		return err
	}
	msg := "the admin sign-in to " + safe(tenant) + " did not succeed: " + safeMessage(se.Msg)
	if d := diagWords(&se.Diag); d != "" {
		msg += d
	}
	return errors.New(msg)
}
