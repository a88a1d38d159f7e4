package cli

import (
	"unicode/utf8"

	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/muesli/cancelreader"

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
		line, err := readTerminal(ctx, f, nil)
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

// readTerminal reads one line from the terminal f in raw mode, echoing it to
// echoTo (nil for a secret). Ctrl+C arrives as a byte and ends the read as a cancel; a
// cancelled ctx (SIGTERM) interrupts the read in flight. Nothing is left
// reading stdin afterwards, so whatever comes next (fang asks the terminal
// for its background colour) gets its answer.
func readTerminal(ctx context.Context, f *os.File, echoTo io.Writer) (string, error) {
	st, err := term.MakeRaw(f.Fd())
	if err != nil {
		return "", fmt.Errorf("cannot read from the terminal: %w", err)
	}
	defer term.Restore(f.Fd(), st) //nolint:errcheck // nothing better to do
	cr, err := cancelreader.NewReader(f)
	if err != nil {
		return "", fmt.Errorf("cannot read from the terminal: %w", err)
	}
	defer cr.Close()
	stop := context.AfterFunc(ctx, func() { cr.Cancel() })
	defer stop()
	var buf []byte
	b := make([]byte, 1)
	for {
		if _, err := cr.Read(b); err != nil {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			return "", err
		}
		switch c := b[0]; {
		case c == '\r' || c == '\n':
			return string(buf), nil
		case c == 3: // Ctrl+C
			return "", context.Canceled
		case c == 4 && len(buf) == 0: // Ctrl+D on nothing
			return "", io.EOF
		case c == 127 || c == 8:
			if len(buf) > 0 {
				_, n := utf8.DecodeLastRune(buf)
				buf = buf[:len(buf)-n]
				echo(echoTo, "\b \b")
			}
		case c == 21: // Ctrl+U drops the line
			echo(echoTo, strings.Repeat("\b \b", utf8.RuneCount(buf)))
			buf = buf[:0]
		case c >= 32:
			buf = append(buf, c)
			echo(echoTo, string(c))
		}
	}
}

// echo shows typed input back in raw mode, unless it is a secret (w nil).
func echo(w io.Writer, s string) {
	if w != nil {
		_, _ = io.WriteString(w, s)
	}
}

// confirm asks a yes/no question on stderr; only "y" or "yes" is yes. It
// returns the context's error when Ctrl+C ends the wait.
func (a *app) confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprint(a.errOut, question+" [y/N] ")
	var answer string
	var err error
	if f, ok := a.in.(*os.File); ok && term.IsTerminal(f.Fd()) {
		answer, err = readTerminal(ctx, f, a.errOut)
		fmt.Fprint(a.errOut, "\r\n")
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
