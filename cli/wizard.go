package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/connector"

	"github.com/charmbracelet/colorprofile"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/doctor"
	"github.com/paratira/mdeconnect/store"
	"github.com/paratira/mdeconnect/wizard"
	"github.com/spf13/cobra"
)

// wizardOptions are the root command's flags: with no subcommand, mdeconnect
// runs the interactive wizard.
type wizardOptions struct {
	engineFlags
	sandbox     bool
	scenario    string
	accessible  bool
	redirectURI string
	latency     latencyFlag
}

// addWizard makes the root command run the wizard.
func addWizard(root *cobra.Command, a *app) {
	o := &wizardOptions{}
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, _ []string) error { return a.runWizard(cmd, o) }
	o.register(root)
	f := root.Flags()
	f.BoolVar(&o.sandbox, "sandbox", false, "run the wizard against a fake Microsoft cloud started in-process (nothing reaches Microsoft)")
	f.StringVar(&o.scenario, "scenario", "", "with --sandbox: the tenant scenario to play, e.g. healthy or invalid-secret (default: pick one)")
	f.BoolVar(&o.accessible, "accessible", false, "plain prompts for screen readers (or set ACCESSIBLE=1)")
	f.Var(&o.latency, "latency", "with --sandbox: delay each reply of the fake cloud (default 100ms-800ms, jittered; 0 for none)")
	f.StringVar(&o.redirectURI, "redirect-uri", "", "where admin consent returns; must be registered on the app (default "+EnvRedirectURI+" or http://localhost:53682/consent)")
}

func (a *app) runWizard(cmd *cobra.Command, o *wizardOptions) error {
	if !a.canPrompt() {
		return usagef("the wizard needs a terminal (stdin and stdout are not both one): to script it, use\n" +
			"  printf '%%s' \"$SECRET\" | mdeconnect add --name NAME --tenant TENANT=CUSTOMER [--tenant ...] --mode one-to-one|one-to-many --client-secret-stdin\n" +
			"and `mdeconnect test` to validate; see mdeconnect add --help")
	}
	if o.scenario != "" && !o.sandbox {
		return usagef("--scenario only applies with --sandbox")
	}
	if cmd.Flags().Changed("latency") && !o.sandbox {
		return usagef("--latency only applies with --sandbox")
	}
	wo, cleanup, err := a.wizardSetup(cmd.Context(), o)
	if err != nil {
		return err
	}
	defer cleanup()
	if a.accessible(o) {
		// Accessible prompts write their styles as they are: the writer
		// drops the colours NO_COLOR (or the terminal) rules out.
		res, err := wizard.RunAccessible(cmd.Context(), wo, a.in, a.colorWriter(a.errOut))
		return a.wizardDone(res, wo, err)
	}
	res, err := wizard.Run(cmd.Context(), wo, wizard.RunOptions{In: a.in, Out: a.tuiOut(), Profile: a.profile()})
	return a.wizardDone(res, wo, err)
}

// wizardSetup builds the wizard's options: the real cloud and store, or the sandbox's.
func (a *app) wizardSetup(ctx context.Context, o *wizardOptions) (wizard.Options, func(), error) {
	redirect, err := a.redirectURI(o.redirectURI)
	if err != nil {
		return wizard.Options{}, nil, err
	}
	wo := wizard.Options{RedirectURI: redirect, HTTPClient: a.httpClient, Parallel: o.parallel,
		Hyperlinks: hyperlinksSupported(a.getenv), Browser: wizard.SystemBrowser{Getenv: a.getenv},
		NewEngine: a.wizardEngine(o.engineFlags), AdminSignIn: a.wizardAdminSignIn, ReadTenant: doctor.Read}
	if o.sandbox {
		return a.sandboxSetup(ctx, o, wo)
	}
	if wo.Cloud, err = a.resolveCloud(o.cloud); err != nil {
		return wo, nil, err
	}
	wo.CloudName = o.cloud
	// A test that finds the tenant in another cloud offers to switch there,
	// with the same environment overrides as --cloud.
	wo.CloudFor = a.resolveCloud
	wo.WriteReport = a.wizardReport(wo.Cloud)
	st, err := a.wizardStore()
	if err != nil {
		return wo, nil, err
	}
	wo.Store = st
	return wo, func() {}, nil
}

// wizardStore opens the store the wizard saves to. With the auto backend it
// asks the keyring first: learning after every step is typed that the secret
// cannot be kept would lose it all. A file is used only if the user says so.
func (a *app) wizardStore() (*store.Store, error) {
	st, err := a.openStore("")
	if err != nil {
		return nil, err
	}
	if b := strings.ToLower(a.getenv(EnvSecretStore)); b != "" && store.Backend(b) != store.BackendAuto {
		return st, nil // the user chose where secrets go
	}
	kerr := st.KeyringAvailable()
	if kerr == nil {
		return st, nil
	}
	file := st.Where(store.Connector{SecretStore: store.BackendFile})
	fmt.Fprintf(a.errOut, "No system keyring answered (%s).\n", keyringCause(kerr))
	// Ctrl+C arrives as a byte at this prompt (raw mode), so no context is needed to stop it.
	ok, err := a.prompter().confirm(context.Background(), fmt.Sprintf("Keep client secrets in %s?", file))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, usagef("the wizard did not start: no system keyring answered, and client secrets go to a file only if you say so. "+
			"Start or unlock your keyring (GNOME Keyring or KWallet in a desktop session; on WSL or a server, "+
			"e.g. `gnome-keyring-daemon --unlock` inside `dbus-run-session`) and run mdeconnect again, "+
			"or set %s=file to keep client secrets in %s", EnvSecretStore, file)
	}
	return a.openStore(string(store.BackendFile))
}

// keyringCause is why the keyring did not answer: the store's typed error
// carries the keyring's own error; the wizard asks instead of advising.
func keyringCause(err error) string {
	if ke, ok := errors.AsType[*store.KeyringError](err); ok && ke.Err != nil {
		return safe(ke.Err.Error())
	}
	return safe(err.Error())
}

// wizardEngine builds the wizard's engines as newEngine builds the commands':
// the --debug log learns each secret to redact it, and --timeout applies.
func (a *app) wizardEngine(f engineFlags) func(defender.Config) (*defender.Engine, error) {
	return func(cfg defender.Config) (*defender.Engine, error) {
		cfg.HTTPClient = a.traceClient(cfg.HTTPClient, cfg.ClientSecret)
		if f.timeout > 0 {
			cfg.Retry = defender.DefaultRetry
			cfg.Retry.PerRequest = f.timeout
		}
		return defender.New(cfg)
	}
}

func (a *app) sandboxSetup(ctx context.Context, o *wizardOptions, wo wizard.Options) (wizard.Options, func(), error) {
	sb, err := startSandbox(a.getenv, defendertest.Options{})
	if err != nil {
		return wo, nil, err
	}
	name := o.scenario
	if name == "" {
		if name, err = a.pickScenario(ctx, sb.fake.Scenarios(), a.accessible(o)); err != nil {
			sb.close()
			return wo, nil, err
		}
	}
	lo, hi := o.latency.delays()
	sc, err := sb.scenario(name)
	if err == nil && o.redirectURI == "" && a.getenv(EnvRedirectURI) == "" {
		wo.RedirectURI, err = freeRedirectURI()
	}
	if err == nil {
		wo.Store, err = sb.openStore()
	}
	if err != nil {
		sb.close()
		return wo, nil, err
	}
	wo.Cloud, wo.CloudName, wo.HTTPClient = sb.cloud, "global", withLatency(a.traced(sb.client), lo, hi)
	// The fake answers as one cloud: a switch is refused in words, not
	// tried against a cloud that is not there.
	wo.CloudFor = func(name string) (defender.Cloud, error) {
		return defender.Cloud{}, fmt.Errorf("the sandbox plays the global cloud only; with a real tenant, start the wizard with --cloud %s", name)
	}
	wo.WriteReport = a.wizardReport(sb.cloud)
	// The browser plays the admin, for consent and for the sign-in of a
	// look from the tenant's side: it does not wait as the engine does.
	wo.Browser = sandboxBrowser{client: a.traced(sb.client), scenario: sc.Name, admin: sb.client}
	// A fresh consent reaches the fake's tokens within seconds, and a role
	// that was never granted never comes: show both without a long wait.
	wo.ConsentFirstDelay, wo.ConsentWait = time.Second, time.Minute
	wo.Sandbox = &wizard.Sandbox{Scenario: sc.Name, Domain: sc.Domain, ClientSecret: defendertest.SandboxClientSecret, Dir: sb.dir, Temporary: sb.temp}
	return wo, sb.close, nil
}

// accessible says the wizard asks plain prompts: asked for, or a terminal
// (TERM=dumb) that cannot draw the full-screen one.
func (a *app) accessible(o *wizardOptions) bool {
	return o.accessible || truthy(a.getenv("ACCESSIBLE")) || a.getenv("TERM") == "dumb"
}

// wizardDone reports the outcome on stderr once the screen is back: a failed
// test's checks and report however the wizard ended, then what was saved.
func (a *app) wizardDone(res wizard.Result, wo wizard.Options, err error) error {
	a.printFailures(res)
	if err != nil {
		return err
	}
	w := a.colorWriter(a.errOut)
	verb := "Saved"
	if res.Updated {
		verb = "Updated"
	}
	fmt.Fprintf(w, "%s %s connector %q.\n", passStyle.Render("✓"), verb, res.Connector.Name)
	fmt.Fprintf(w, "  Connectors file: %s\n  Client secret:   %s\n", res.StorePath, res.SecretWhere)
	if sb := wo.Sandbox; sb != nil {
		fmt.Fprintln(w, "In the sandbox: "+wizard.SandboxRetestNote(sb, res.Connector.Name))
		return nil
	}
	fmt.Fprintf(w, "Re-test it later with: mdeconnect test %s\nInitial data collection will begin automatically.\n", connector.ShellQuote(res.Connector.Name))
	return nil
}

// tuiOut is where the wizard draws: stderr when it is a terminal, so stdout stays for data.
func (a *app) tuiOut() *os.File {
	if f, ok := a.errOut.(*os.File); ok && isTerminal(f) {
		return f
	}
	f, _ := a.out.(*os.File)
	return f
}

func (a *app) profile() colorprofile.Profile {
	if a.getenv("NO_COLOR") != "" {
		return colorprofile.Ascii
	}
	return 0
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// hyperlinksSupported guesses whether the terminal renders OSC 8 links; the
// URL is always printed in full as well.
func hyperlinksSupported(getenv func(string) string) bool {
	switch getenv("TERM_PROGRAM") {
	case "iTerm.app", "WezTerm", "vscode", "ghostty", "Hyper", "rio":
		return true
	}
	if getenv("WT_SESSION") != "" || getenv("VTE_VERSION") != "" || getenv("KITTY_WINDOW_ID") != "" {
		return true
	}
	t := getenv("TERM")
	return strings.Contains(t, "kitty") || strings.Contains(t, "foot") || strings.Contains(t, "alacritty")
}
