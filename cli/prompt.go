package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/paratira/mdeconnect/internal/lineedit"
)

// prompter asks the user things on the terminal: a yes/no, a hidden secret. Every question goes through one line editor
// (internal/lineedit) in raw mode, so Ctrl+C ends any of them at once and
// escape sequences never become input. When the input is not a terminal, it
// reads plain lines (a script's answers).
type prompter struct {
	in  io.Reader
	out io.Writer // questions and echo: stderr, so stdout stays data
	tty bool
	// lines reads plain lines when in is not a terminal; one buffer for
	// every question, so a script's answers are read in order.
	lines *bufio.Reader
}

func (a *app) prompter() *prompter {
	if a.prompts == nil {
		a.prompts = &prompter{in: a.in, out: a.errOut, tty: a.inTTY, lines: bufio.NewReader(io.LimitReader(a.in, 1<<20))}
	}
	return a.prompts
}

// line reads one answer, echoing it unless hidden.
func (p *prompter) line(ctx context.Context, hidden bool) (string, error) {
	var echo io.Writer
	if !hidden {
		echo = p.out
	}
	if !p.tty {
		s, err := p.lines.ReadString('\n')
		if err == io.EOF && s != "" {
			err = nil
		}
		return strings.TrimRight(s, "\r\n"), err
	}
	var s string
	var err error
	if f, ok := p.in.(*os.File); ok {
		s, err = lineedit.Terminal(ctx, f, echo)
	} else { // a terminal claimed by a test: raw bytes
		s, err = lineedit.Read(p.in, echo)
	}
	fmt.Fprint(p.out, "\r\n")
	if errors.Is(err, lineedit.ErrInterrupted) {
		return "", context.Canceled
	}
	return s, err
}

// confirm asks a yes/no question; only "y" or "yes" is yes, and no answer
// at all (end of input) is no.
func (p *prompter) confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprint(p.out, question+" [y/N] ")
	answer, err := p.line(ctx, false)
	if errors.Is(err, io.EOF) {
		fmt.Fprintln(p.out)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return yes(answer), nil
}

// secret reads a value without echo.
func (p *prompter) secret(ctx context.Context, label string) (string, error) {
	fmt.Fprint(p.out, label)
	return p.line(ctx, true)
}

// yes is a y/N answer that said yes.
func yes(answer string) bool {
	a := strings.ToLower(strings.TrimSpace(answer))
	return a == "y" || a == "yes"
}
