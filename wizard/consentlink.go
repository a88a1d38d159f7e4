package wizard

import (
	"context"
	"fmt"
	"io"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/cancelreader"
)

// linkShownMsg says the wizard is back from showing the link.
type linkShownMsg struct{ err error }

// showLink leaves the full screen for a moment to print the consent link as
// one line of plain terminal text. A full-screen view can only show a long
// link cut into rows, and a mouse selection across them copies the cuts; the
// terminal wraps a line it was given whole itself, and copies it whole. The
// link stays in the terminal's history after the wizard ends.
func (m *Model) showLink() tea.Cmd {
	m.freshRequest()
	cmd := &linkCommand{ctx: m.ctx, url: m.consent.url, hyperlink: m.opts.Hyperlinks, headless: m.consent.headless != ""}
	return tea.Exec(cmd, func(err error) tea.Msg { return linkShownMsg{err} })
}

// linkCommand prints the link and waits for enter, on the terminal the
// program has just released (cooked mode: enter ends a line, and Ctrl+C is a
// signal that ends ctx).
type linkCommand struct {
	ctx       context.Context
	url       string
	hyperlink bool
	headless  bool
	in        io.Reader
	out       io.Writer
}

func (c *linkCommand) SetStdin(r io.Reader)  { c.in = r }
func (c *linkCommand) SetStdout(w io.Writer) { c.out = w }
func (c *linkCommand) SetStderr(io.Writer)   {}

// Run prints the link on one line, with no break of ours in it, and
// returns at enter (or when ctx ends).
func (c *linkCommand) Run() error {
	link := c.url
	if c.hyperlink {
		link = ansi.SetHyperlink(c.url) + c.url + ansi.ResetHyperlink()
	}
	var b strings.Builder
	b.WriteString("\r\nConsent link for Paratira's app: one line, to select with the mouse or send to the customer's admin.\r\n\r\n")
	b.WriteString(link + "\r\n\r\n")
	if c.headless {
		b.WriteString("Open it in a browser on any computer. After Accept, that browser lands on a localhost address that does not load there:\r\n" +
			"copy that address from its address bar, come back to the wizard and press p to paste it.\r\n\r\n")
	}
	b.WriteString("Press enter to go back to the wizard.")
	if _, err := io.WriteString(c.out, b.String()); err != nil {
		return err
	}
	err := readLine(c.ctx, c.in)
	_, _ = io.WriteString(c.out, "\r\n")
	return err
}

// readLine reads up to a line end, stopping when ctx ends; input that cannot
// be cancelled (not a terminal) is read plainly.
func readLine(ctx context.Context, in io.Reader) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if in == nil {
		return nil
	}
	r := in
	if cr, err := cancelreader.NewReader(in); err == nil {
		defer cr.Close()
		stop := context.AfterFunc(ctx, func() { cr.Cancel() })
		defer stop()
		r = cr
	}
	// Byte by byte: nothing typed after enter is taken from the wizard.
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		switch {
		case n == 1 && (buf[0] == '\n' || buf[0] == '\r'):
			return nil
		case err == io.EOF:
			return nil
		case err != nil:
			return fmt.Errorf("reading enter: %w", err)
		}
	}
}
