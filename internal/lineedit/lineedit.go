// Package lineedit reads one line typed at a terminal in raw mode: the one
// line editor behind every prompt mdeconnect shows (a secret, a yes/no, a
// choice), in cli/ and in the wizard's accessible mode.
//
// In raw mode Ctrl+C arrives as a byte, so it ends the read at once, and a
// cancelled context interrupts a read in flight: nothing is left reading the
// terminal afterwards. Escape sequences (arrow keys, Home, function keys, a
// terminal's replies) are skipped whole, so Left then Enter never types
// "[D" into a secret. It imports nothing of ours.
package lineedit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/term"
	"github.com/muesli/cancelreader"
)

// ErrInterrupted is Ctrl+C at a prompt.
var ErrInterrupted = errors.New("interrupted at the prompt")

// MaxLine bounds a line: nothing typed at a prompt is longer.
const MaxLine = 4096

// Terminal reads one line from the terminal f in raw mode, echoing what is
// typed to echo (nil hides it, for a secret). The terminal is restored
// however the read ends.
func Terminal(ctx context.Context, f *os.File, echo io.Writer) (string, error) {
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
	line, err := Read(cr, echo)
	if err != nil && ctx.Err() != nil {
		return "", ctx.Err()
	}
	return line, err
}

// Read edits one line from raw terminal bytes r: Enter ends it, Backspace
// and Ctrl+U edit it, Ctrl+C is ErrInterrupted, Ctrl+D on an empty line is
// io.EOF, escape sequences are skipped whole.
func Read(r io.Reader, echo io.Writer) (string, error) {
	e := editor{r: r, echo: echo}
	return e.line()
}

type editor struct {
	r    io.Reader
	echo io.Writer
	buf  []byte
	one  [1]byte
}

func (e *editor) next() (byte, error) {
	if _, err := io.ReadFull(e.r, e.one[:]); err != nil {
		return 0, err
	}
	return e.one[0], nil
}

func (e *editor) line() (string, error) {
	for {
		c, err := e.next()
		if err != nil {
			return "", err
		}
		switch {
		case c == '\r' || c == '\n':
			return string(e.buf), nil
		case c == 3: // Ctrl+C
			return "", ErrInterrupted
		case c == 4 && len(e.buf) == 0: // Ctrl+D on nothing
			return "", io.EOF
		case c == 0x1b:
			if err := e.skipEscape(); err != nil {
				return "", err
			}
		case c == 127 || c == 8:
			if len(e.buf) > 0 {
				_, n := utf8.DecodeLastRune(e.buf)
				e.buf = e.buf[:len(e.buf)-n]
				e.show("\b \b")
			}
		case c == 21: // Ctrl+U drops the line
			e.show(strings.Repeat("\b \b", utf8.RuneCount(e.buf)))
			e.buf = e.buf[:0]
		case c >= 32 && len(e.buf) < MaxLine:
			e.buf = append(e.buf, c)
			if c < utf8.RuneSelf || utf8.FullRune(e.buf[lastStart(e.buf):]) {
				e.show(string(e.buf[lastStart(e.buf):]))
			}
		}
	}
}

// skipEscape consumes the rest of an escape sequence: CSI (ESC [ ... final
// byte), SS3 (ESC O x), OSC/DCS strings (ESC ] ... BEL or ESC \), or a lone
// Alt+key pair.
func (e *editor) skipEscape() error {
	c, err := e.next()
	if err != nil {
		return err
	}
	switch c {
	case '[':
		for {
			if c, err = e.next(); err != nil || (c >= 0x40 && c <= 0x7e) {
				return err
			}
		}
	case 'O':
		_, err = e.next()
		return err
	case ']', 'P', '_', '^':
		prevEsc := false
		for {
			if c, err = e.next(); err != nil || c == 7 || (prevEsc && c == '\\') {
				return err
			}
			prevEsc = c == 0x1b
		}
	}
	return nil
}

// lastStart is where the last (possibly partial) UTF-8 sequence of b begins.
func lastStart(b []byte) int {
	i := len(b) - 1
	for i > 0 && len(b)-i < utf8.UTFMax && !utf8.RuneStart(b[i]) {
		i--
	}
	return i
}

func (e *editor) show(s string) {
	if e.echo != nil {
		_, _ = io.WriteString(e.echo, s)
	}
}
