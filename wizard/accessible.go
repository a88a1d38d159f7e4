package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"charm.land/huh/v2"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/cancelreader"
	"github.com/paratira/mdeconnect/defender"
)

// plain is the wizard as line-by-line prompts for screen readers (huh's
// accessible mode): the same steps and draft, no drawing, the secret hidden.
// Its files: this one runs the prompts; accessible_access.go asks for the
// mapping mode, consent and tenant; accessible_details.go for the details and
// the secret; accessible_result.go tests and saves.
type plain struct {
	m *Model // holds the draft and the step logic shared with the TUI
	// ctx ends the prompts: every answer is checked against it, since huh's
	// accessible prompts cannot be cancelled and answer defaults on a
	// cancelled read.
	ctx context.Context
	in  io.Reader
	out io.Writer
	// tty is the terminal the secret is typed on; nil when input is not one.
	tty *os.File
}

// RunAccessible runs the wizard as plain prompts. A cancelled ctx (Ctrl+C)
// returns at once, writing nothing more.
//
// Reading stdin blocks, so the prompts run in a goroutine and input goes
// through a cancelreader: on cancel the read in flight fails, every later
// prompt fails at once, and RunAccessible waits for the goroutine to end, so
// none is left blocked on stdin. The exception is input that is not a file
// (an io.Reader in a test): no read on it can be interrupted, so the
// goroutine ends only at the reader's next line or EOF; it reads nothing
// more and writes nothing, and RunAccessible does not wait for it.
func RunAccessible(ctx context.Context, opts Options, in io.Reader, out io.Writer) (Result, error) {
	p := &plain{m: New(opts), ctx: ctx, in: in, out: out}
	defer p.m.Close()
	cr, err := cancelreader.NewReader(in)
	if err == nil { // a regular file cannot be polled: it never blocks anyway
		defer cr.Close()
		p.in = cr
	}
	if f, ok := in.(*os.File); ok && term.IsTerminal(f.Fd()) {
		p.tty = f
	}
	done := make(chan error, 1)
	go func() { done <- p.run() }()
	select {
	case err := <-done:
		return p.m.result, err
	case <-ctx.Done():
	}
	if cr != nil && cr.Cancel() {
		<-done
		// The prompts have ended: what a failed test left may be read.
		return p.m.result, fmt.Errorf("wizard: %w", context.Canceled)
	}
	return Result{}, fmt.Errorf("wizard: %w", context.Canceled)
}

func (p *plain) run() error {
	steps := []func() error{p.choose, p.consent, p.tenant, p.details, p.test, p.summary}
	if p.m.editing != nil {
		p.say("Editing connector %s: enter keeps each value.", p.m.editing.Name)
		steps = steps[3:]
	}
	for _, step := range steps {
		if err := step(); err != nil {
			if errors.Is(err, huh.ErrUserAborted) || errors.Is(err, cancelreader.ErrCanceled) {
				return fmt.Errorf("wizard: %w", context.Canceled)
			}
			return err
		}
	}
	return nil
}

func (p *plain) say(format string, args ...any) { fmt.Fprintf(p.out, format+"\n", args...) }

func (p *plain) heading(s Step) { p.say("\nStep %d of %d: %s", int(s), stepCount, s) }

// ask runs one accessible form. An answer read after ctx ended is a
// default huh filled in, not the user's: it is refused.
func (p *plain) ask(fields ...huh.Field) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	err := huh.NewForm(huh.NewGroup(fields...)).WithAccessible(true).WithInput(p.in).WithOutput(p.out).Run()
	if cerr := p.ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// input asks for one line; an empty answer keeps def, which the title shows.
func (p *plain) input(title, def string, validate func(string) error) (string, error) {
	if def != "" {
		title += " (enter keeps " + def + ")"
	}
	var v string
	err := p.ask(huh.NewInput().Title(title).Value(&v).Validate(func(s string) error {
		if strings.TrimSpace(s) == "" && def != "" {
			return nil
		}
		return validate(s)
	}))
	if strings.TrimSpace(v) == "" {
		v = def
	}
	return strings.TrimSpace(v), err
}

func validTenant(s string) error { _, err := defender.ParseTenant(s); return err }
