package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
)

// cobraArgsError is what one of cobra's own argument validators says about
// args, so the table below breaks if cobra rewords it.
func cobraArgsError(t *testing.T, validate cobra.PositionalArgs, args ...string) error {
	t.Helper()
	err := validate(&cobra.Command{Use: "x"}, args)
	if err == nil {
		t.Fatalf("cobra accepted %q", args)
	}
	return err
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, exitOK},
		{"a check failed", errChecksFailed, exitFailed},
		{"a check failed, wrapped", fmt.Errorf("test --all: %w", errChecksFailed), exitFailed},
		{"cancelled", context.Canceled, exitCancelled},
		{"cancelled, wrapped", fmt.Errorf("validating: %w", context.Canceled), exitCancelled},
		{"a deadline is not a Ctrl+C", context.DeadlineExceeded, exitError},
		{"usage", usagef("--name is required"), exitUsage},
		{"usage, wrapped", fmt.Errorf("add: %w", usagef("bad")), exitUsage},
		{"cobra's flag error", flagError(nil, errors.New("unknown flag: --frob")), exitUsage},
		{"silent keeps its own code", silentError{code: exitFailed, err: errors.New("printed")}, exitFailed},
		{"silent wins over what it wraps", silentError{code: exitError, err: context.Canceled}, exitError},
		{"cobra: unknown command", cobraArgsError(t, cobra.NoArgs, "frob"), exitUsage},
		{"cobra: too many", cobraArgsError(t, cobra.MaximumNArgs(1), "a", "b"), exitUsage},
		{"cobra: exact", cobraArgsError(t, cobra.ExactArgs(1)), exitUsage},
		{"cobra: too few", cobraArgsError(t, cobra.MinimumNArgs(1)), exitUsage},
		{"cobra: range", cobraArgsError(t, cobra.RangeArgs(1, 2), "a", "b", "c"), exitUsage},
		{"anything else", errors.New("writing connectors.json: disk full"), exitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestIsCobraUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"unknown command", cobraArgsError(t, cobra.NoArgs, "frob"), true},
		{"at most", cobraArgsError(t, cobra.MaximumNArgs(1), "a", "b"), true},
		{"exactly", cobraArgsError(t, cobra.ExactArgs(1), "a", "b"), true},
		{"none accepted", cobraArgsError(t, cobra.ExactArgs(0), "a"), true},
		{"at least", cobraArgsError(t, cobra.MinimumNArgs(2), "a"), true},
		{"between", cobraArgsError(t, cobra.RangeArgs(1, 2)), true},
		{"wrapped", fmt.Errorf("mdeconnect: %w", cobraArgsError(t, cobra.MaximumNArgs(0), "a")), true},
		{"our usage error", usagef("--name is required"), false},
		{"a server's words", errors.New("AADSTS90002: Tenant 'contoso.com' not found"), false},
		{"a word alike", errors.New("the request requires admin approval"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isCobraUsage(tt.err); got != tt.want {
				t.Errorf("isCobraUsage(%q) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestRenderErrorHints: usage errors from cobra (and flag errors) add the
// --help hint, ours say what to do themselves, and output that was already
// printed (checks failed, a silent error) adds nothing.
func TestRenderErrorHints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		want     string // "" means nothing is printed
		wantHelp bool
	}{
		{"ours", usagef("--name is required"), "Error: --name is required", false},
		{"cobra's args", cobraArgsError(t, cobra.ExactArgs(1)), "Error: accepts 1 arg(s), received 0", true},
		{"cobra's flags", flagError(nil, errors.New("unknown flag: --frob")), "Error: unknown flag: --frob", true},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), "Cancelled.", false},
		{"checks failed", errChecksFailed, "", false},
		{"silent", silentError{code: exitError, err: errors.New("already said")}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			a := &app{getenv: func(string) string { return "" }}
			a.renderError(&b, fang.Styles{}, tt.err)
			out := b.String()
			if tt.want == "" {
				if out != "" {
					t.Errorf("printed %q, want nothing", out)
				}
				return
			}
			if !strings.HasPrefix(out, tt.want) {
				t.Errorf("printed %q, want it to start with %q", out, tt.want)
			}
			if got := strings.Contains(out, "Try --help for usage."); got != tt.wantHelp {
				t.Errorf("help hint = %v, want %v: %q", got, tt.wantHelp, out)
			}
		})
	}
}

// `store frob` printed the group's help and exited 0; `sandbox --addr nope`
// exited 1: both are bad input.
func TestBadSubcommandsAndAddressesAreUsageErrors(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{{"store", "frob"}, {"tenant", "frob"}, {"sandbox", "--addr", "nope"}} {
		if r := h.run("", args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
	if r := h.run("", "store"); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "restore") {
		t.Errorf("store alone: exit %d, want its help\n%s%s", r.code, r.stdout, r.stderr)
	}
}
