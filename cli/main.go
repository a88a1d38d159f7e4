package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"charm.land/fang/v2"
	"github.com/charmbracelet/x/term"
	"github.com/paratira/mdeconnect/wizard"
)

// Streams are the process's standard streams and environment. Tests build
// their own, and may claim a terminal so interactive paths run in-process.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
	Getenv   func(string) string
	// InTTY, OutTTY and ErrTTY say whether each stream is an interactive
	// terminal.
	InTTY, OutTTY, ErrTTY bool
}

// System returns the process's own streams. The variables that may carry a
// secret (MDECONNECT_CLIENT_SECRET among them) leave the process
// environment, so no program mdeconnect starts (the browser, and all it
// starts) inherits them; Getenv still sees them.
func System() Streams {
	return Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: privateEnv(),
		InTTY: isTerminal(os.Stdin), OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr)}
}

// privateEnv moves the secret-bearing variables out of the environment and
// returns a getenv that reads them from memory, the rest from the
// environment.
func privateEnv() func(string) string {
	kept := map[string]string{}
	for _, kv := range os.Environ() {
		name, val, _ := strings.Cut(kv, "=")
		if wizard.PrivateVariable(name) {
			kept[name] = val
			_ = os.Unsetenv(name)
		}
	}
	return func(k string) string {
		if v, ok := kept[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
}

// Main runs one command line and returns the process exit code. Ctrl+C
// and SIGTERM are caught first, so one that comes while the command starts
// still ends it with 130.
func Main(ctx context.Context, args []string, s Streams) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := newApp(s)
	return a.execute(ctx, args)
}

// execute runs the command tree with cobra directly: what fang.Execute
// did (help, --version, man, completion, signals, the error handler) is set
// up in newRootCmd, without fang's wait for a colour answer (see help.go).
func (a *app) execute(ctx context.Context, args []string) int {
	for _, w := range []io.Writer{a.out, a.errOut} {
		enableVirtualTerminal(w)
	}
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		a.renderError(a.errOut, fang.Styles{}, err)
	}
	a.finish()
	return exitCode(err)
}

// isTerminal reports whether the stream is an interactive terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
