package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paratira/mdeconnect/internal/sanitize"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
)

// Exit codes shared by every command; scripts depend on them.
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitFailed    = 3
	exitCancelled = 130
)

// usageError is bad input: exit 2 with a message that says what, why and what to do.
// help is set for cobra's own flag and argument errors, which name no remedy.
type usageError struct {
	msg  string
	help bool
}

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{msg: fmt.Sprintf(format, args...)} }

// errChecksFailed reports that validation ran and at least one check failed.
// Its output has already been printed, so the error handler stays quiet.
var errChecksFailed = errors.New("one or more checks failed")

// silentError carries an exit code whose explanation was already printed.
type silentError struct {
	code int
	err  error
}

func (e silentError) Error() string { return e.err.Error() }
func (e silentError) Unwrap() error { return e.err }

// exitCode maps a command's error to the process exit code, in one place.
func exitCode(err error) int {
	var se silentError
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &se):
		return se.code
	case errors.Is(err, errChecksFailed):
		return exitFailed
	case errors.Is(err, context.Canceled):
		return exitCancelled
	case errors.As(err, &ue), isCobraUsage(err):
		return exitUsage
	default:
		return exitError
	}
}

// isCobraUsage recognises cobra's argument-count and unknown-command errors,
// which are not typed; flag errors arrive typed through flagError.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command ", "accepts at most ", "accepts between ", "accepts 0 arg(s)",
		"requires at least ", "requires at most ", "arg(s), received "} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// flagError makes cobra's flag parsing errors usage errors.
func flagError(_ *cobra.Command, err error) error { return usageError{msg: err.Error(), help: true} }

// renderError prints a failed command's error on stderr, unless its output
// already said everything.
func (a *app) renderError(w io.Writer, _ fang.Styles, err error) {
	var se silentError
	switch {
	case errors.As(err, &se), errors.Is(err, errChecksFailed):
		return
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "Cancelled.")
		return
	}
	// An error can carry a server's words (MSAL quotes its reply): sanitised.
	fmt.Fprintln(w, "Error: "+sanitize.Text(err.Error(), sanitize.JSON))
	if adv := advice(err); adv != "" {
		fmt.Fprintln(w, adv)
	}
	var ue usageError
	if isCobraUsage(err) || (errors.As(err, &ue) && ue.help) {
		fmt.Fprintln(w, "Try --help for usage.")
	}
}

// connectorNameArg is the Args of a command that takes one saved
// connector's name: cobra's own "accepts 1 arg(s), received 0" says neither
// what the argument is nor where to find one.
func connectorNameArg(cmd *cobra.Command, args []string) error {
	switch len(args) {
	case 1:
		return nil
	case 0:
		return usagef("%s needs the name of a saved connector: `mdeconnect list` shows them (e.g. mdeconnect %s 'Contoso EU')", cmd.CommandPath(), cmd.Name())
	}
	return usagef("%s takes one connector name, got %d arguments: quote a name with spaces (e.g. mdeconnect %s 'Contoso EU')", cmd.CommandPath(), len(args), cmd.Name())
}
