package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// Store is the part of the connector store the wizard uses. Step 1 lists
// the Summaries first and List in full after; Get reads the one to edit.
type Store interface {
	Summaries() ([]store.Summary, error)
	List() ([]store.Connector, error)
	Get(name string) (store.Connector, error)
	Add(c store.Connector, secret string) error
	RecordValidation(name string, v store.Validation) error
	Update(name string, fn func(*store.Connector) error) error
	Secret(name string) (string, error)
	SetSecret(name, secret string) error
	Path() string
	Where(c store.Connector) string
}

// Browser opens a URL for the user. CanOpen says whether it may try, and why
// not when it may not (SSH, no display); Open's failure is never fatal.
type Browser interface {
	CanOpen() (ok bool, why string)
	Open(ctx context.Context, url string) error
}

// Sandbox describes the fake cloud the wizard runs against with --sandbox.
type Sandbox struct {
	// Scenario is the chosen scenario's name; Domain its tenant's domain.
	Scenario, Domain string
	// ClientSecret is the secret the fake accepts, offered prefilled.
	ClientSecret string
	// Dir is where connectors are saved; Temporary says it is removed at exit.
	Dir       string
	Temporary bool
}

// Options are the wizard's side effects and settings, so tests swap them.
type Options struct {
	Cloud     defender.Cloud
	CloudName string
	// CloudFor makes the cloud of a name (global, gcc, gcc-high, dod) with
	// the caller's overrides, so a test that finds the tenant in another
	// cloud can offer to switch there; its error refuses the switch, in
	// words shown as they are. Nil offers no switch.
	CloudFor   func(name string) (defender.Cloud, error)
	HTTPClient *http.Client // nil: the engine's default
	Store      Store
	// RedirectURI is where consent comes back (default defender.DefaultRedirectURI).
	RedirectURI string
	Browser     Browser
	Sandbox     *Sandbox
	// Hyperlinks turns on OSC 8 links for terminals that support them.
	Hyperlinks bool
	Parallel   int
	// ConsentWait bounds how long the test re-tests a tenant whose consent,
	// granted in this session, has not reached its tokens yet (default 10
	// minutes); ConsentFirstDelay is the first pause between tries (default
	// 10 seconds), doubled each try up to 30 seconds.
	ConsentWait, ConsentFirstDelay time.Duration
	// NewEngine builds every engine the wizard uses (tenant lookup, test
	// runs, consent waits); the caller adds what it wraps engines with, such
	// as a tracer that must learn the secret to redact it. Default defender.New.
	NewEngine func(cfg defender.Config) (*defender.Engine, error)
	// WriteReport writes a failed test's support report; nil writes none.
	WriteReport WriteReport
	// AdminSignIn signs a failed tenant's admin in, read-only, to look at
	// it from the tenant's side (doctor.SignIn with the caller's client and
	// log redaction); nil offers no such look. ReadTenant reads the tenant
	// (default doctor.Read).
	AdminSignIn AdminSignIn
	ReadTenant  ReadTenant
	// Edit is a saved connector to change instead of adding one, and its
	// secret (read from the store by the caller).
	Edit       *store.Connector
	EditSecret string
	// NewState makes the consent state; default defender.NewState.
	NewState func() string
	Now      func() time.Time
}

func (o Options) withDefaults() Options {
	if o.RedirectURI == "" {
		o.RedirectURI = defender.DefaultRedirectURI
	}
	if o.CloudName == "" {
		o.CloudName = o.Cloud.Name
	}
	if o.NewEngine == nil {
		o.NewEngine = defender.New
	}
	if o.NewState == nil {
		o.NewState = defender.NewState
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ConsentWait <= 0 {
		o.ConsentWait = 10 * time.Minute
	}
	if o.ConsentFirstDelay <= 0 {
		o.ConsentFirstDelay = 10 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = defender.DefaultParallel
	}
	return o
}

// engineFor returns a builder of engines for the draft's app as it is now,
// signing in with secret (empty for discovery alone). It copies what it
// needs, so work in flight may call it while the draft changes.
func (m *Model) engineFor(secret string, onEvent func(defender.Event)) func() (*defender.Engine, error) {
	build := m.opts.NewEngine
	cfg := defender.Config{Cloud: m.opts.Cloud, ClientID: m.draft.ClientID, ClientSecret: secret,
		HTTPClient: m.opts.HTTPClient, Parallel: m.opts.Parallel, OnEvent: onEvent}
	return func() (*defender.Engine, error) { return build(cfg) }
}

// Result is what a finished wizard did.
type Result struct {
	Saved bool
	// Connector is the saved connector (no secret in it).
	Connector store.Connector
	// StorePath is the connectors file; SecretWhere says where the secret lives.
	StorePath, SecretWhere string
	// Failures are the failed checks of the last test, one plain line each,
	// and ReportPath its support report: set however the wizard ended, so
	// the caller leaves them in the terminal's history.
	Failures   []string
	ReportPath string
	// Updated says an existing connector was changed (edit), not added.
	Updated bool
}

// ErrCancelled is returned when the user quit before saving.
var ErrCancelled = context.Canceled

// RunOptions are how the program meets the terminal.
type RunOptions struct {
	In      io.Reader
	Out     io.Writer
	Profile colorprofile.Profile // 0 means detect
}

// Run runs the wizard until the connector is saved (Result.Saved) or the user
// quits, which returns an error wrapping context.Canceled.
func Run(ctx context.Context, opts Options, ro RunOptions) (Result, error) {
	m := New(opts)
	m.ctx = ctx
	defer m.Close()
	progOpts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(ro.In), tea.WithOutput(ro.Out)}
	if ro.Profile != 0 {
		progOpts = append(progOpts, tea.WithColorProfile(ro.Profile))
	}
	_, err := tea.NewProgram(m, progOpts...).Run()
	switch {
	case m.cancelled, errors.Is(err, tea.ErrInterrupted), errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return m.result, fmt.Errorf("wizard: %w", context.Canceled)
	case err != nil:
		return m.result, fmt.Errorf("wizard: %w", err)
	case !m.result.Saved:
		return m.result, fmt.Errorf("wizard: quit before saving: %w", context.Canceled)
	}
	return m.result, nil
}
