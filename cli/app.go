package cli

import (
	"io"
	"net/http"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

// app holds every side effect a command has, so tests swap them.
type app struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	getenv func(string) string
	now    func() time.Time
	// inTTY, outTTY and errTTY say whether each stream is a terminal.
	inTTY, outTTY, errTTY bool

	// httpClient carries every request to Microsoft, engines' and the
	// wizard's: newHTTPClient's, or a test's. --debug wraps it.
	httpClient *http.Client
	// caErr says why the CA files of the environment cannot be trusted;
	// newEngine stops with it.
	caErr error
	// keyring, when set, replaces the system keyring (tests).
	keyring store.Keyring
	// consentPoll is the first wait between re-tests of a fresh consent.
	consentPoll time.Duration
	// retry, when set, replaces defender.DefaultRetry (tests: short backoff).
	retry defender.RetryPolicy
	// limits keep every engine of this process, whatever connector it
	// tests, under Microsoft's per-API rate limits for each tenant.
	limits *defender.RateLimits
	// storeWarned is set once the store's warnings (files others can read)
	// have been shown, so a command shows them once.
	storeWarned bool
	// prompts asks questions on the terminal (see prompter).
	prompts *prompter
	// onExit runs when the process is about to exit (e.g. print a log path).
	onExit []func()
	// width, when set, is the screen width tables fit (tests); else the
	// terminal's (screenWidth).
	width func() int
}

func newApp(s Streams) *app {
	getenv := s.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	a := &app{in: s.In, out: s.Out, errOut: s.Err, getenv: getenv, now: time.Now, consentPoll: 5 * time.Second,
		inTTY: s.InTTY, outTTY: s.OutTTY, errTTY: s.ErrTTY, limits: defender.NewRateLimits()}
	a.httpClient, a.caErr = newHTTPClient(getenv)
	if a.caErr != nil {
		a.httpClient = &http.Client{Transport: failingTransport{a.caErr}}
	}
	return a
}

func (a *app) finish() {
	for _, f := range a.onExit {
		f()
	}
}

// canPrompt decides, in one place, whether a command may ask questions.
func (a *app) canPrompt() bool { return a.inTTY && a.outTTY }

// stderrIsTerminal decides whether progress lines are drawn.
func (a *app) stderrIsTerminal() bool { return a.errTTY }

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "mdeconnect",
		Short: "Onboard a Microsoft Defender for Endpoint connector for Paratira",
		Long: "mdeconnect walks you through connecting Microsoft Defender for Endpoint to Paratira:\n" +
			"choose the connector, grant admin consent, find the tenant ID, enter the details,\n" +
			"test the connection and save it. Every step is also a scriptable command.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	a.setHelp(root)
	setVersionFlag(root)
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	addWizard(root, a)
	addDebugFlag(root, a)
	root.AddCommand(
		newTestCmd(a),
		newAddCmd(a),
		newListCmd(a),
		newShowCmd(a),
		newEditCmd(a),
		newRemoveCmd(a),
		newStoreCmd(a),
		newConsentURLCmd(a),
		newTenantCmd(a),
		newReportCmd(a),
		newDoctorCmd(a),
		newSandboxCmd(a),
		newVersionCmd(a),
		newManCmd(a),
	)
	a.addCompletions(root)
	return root
}
