package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"
)

// EnvClientSecret carries the client secret for scripts that cannot pipe it.
const EnvClientSecret = "MDECONNECT_CLIENT_SECRET"

// maxSecret bounds what is read from stdin; real secrets are about 40 bytes.
const maxSecret = 4096

// readSecret takes the client secret from stdin (--client-secret-stdin) or
// the environment, never from a flag value, which would end up in shell
// history and process listings. On a terminal it reads without echo.
func (a *app) readSecret(ctx context.Context, fromStdin bool) (string, error) {
	if !fromStdin {
		if s := strings.TrimSpace(a.getenv(EnvClientSecret)); s != "" {
			return s, nil
		}
		return "", usagef("no client secret given: pipe it in with --client-secret-stdin (e.g. `pass show paratira | mdeconnect ... --client-secret-stdin`) or set %s", EnvClientSecret)
	}
	var raw string
	if f, ok := a.in.(*os.File); ok && term.IsTerminal(f.Fd()) {
		fmt.Fprint(a.errOut, "Client secret (input hidden): ")
		line, err := readTerminal(ctx, f, true)
		fmt.Fprintln(a.errOut)
		if err != nil {
			return "", fmt.Errorf("reading the client secret from the terminal: %w", err)
		}
		raw = line
	} else {
		line, err := bufio.NewReader(io.LimitReader(a.in, maxSecret)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("reading the client secret from stdin: %w", err)
		}
		raw = line
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", usagef("the client secret on stdin is empty: pipe in the secret value a Paratira admin gave you")
	}
	return s, nil
}

// secretLooksLikeID warns about the commonest mistake: pasting the secret's
// ID (a GUID) instead of its value.
func secretLooksLikeID(s string) bool {
	return len(s) == 36 && strings.Count(s, "-") == 4
}

// readTerminal reads one line from the terminal f, without echo when hidden.
// Ctrl+C cancels ctx and ends the read at once, the terminal restored; the
// read itself stays blocked until the process exits, which it then does.
func readTerminal(ctx context.Context, f *os.File, hidden bool) (string, error) {
	type line struct {
		s   string
		err error
	}
	done := make(chan line, 1)
	state, _ := term.GetState(f.Fd())
	go func() {
		if hidden {
			b, err := term.ReadPassword(f.Fd())
			done <- line{string(b), err}
			return
		}
		s, err := bufio.NewReader(io.LimitReader(f, maxSecret)).ReadString('\n')
		done <- line{s, err}
	}()
	select {
	case l := <-done:
		if l.err == io.EOF {
			l.err = nil
		}
		return l.s, l.err
	case <-ctx.Done():
		if state != nil {
			_ = term.Restore(f.Fd(), state)
		}
		return "", ctx.Err()
	}
}

// confirm asks a yes/no question on stderr; only "y" or "yes" is yes. It
// returns the context's error when Ctrl+C ends the wait.
func (a *app) confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprint(a.errOut, question+" [y/N] ")
	var answer string
	var err error
	if f, ok := a.in.(*os.File); ok && term.IsTerminal(f.Fd()) {
		answer, err = readTerminal(ctx, f, false)
	} else {
		answer, err = bufio.NewReader(a.in).ReadString('\n')
		if err == io.EOF {
			err = nil
		}
	}
	if err != nil {
		fmt.Fprintln(a.errOut)
		return false, err
	}
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes", nil
}
