package lineedit

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
		echo           string
	}{
		{name: "plain", in: "abc\r", want: "abc", echo: "abc"},
		{name: "newline ends", in: "abc\ndef", want: "abc", echo: "abc"},
		{name: "left arrow then enter", in: "abcdefgh\x1b[D\r", want: "abcdefgh", echo: "abcdefgh"},
		{name: "arrows and home inside", in: "ab\x1b[A\x1b[1;5C\x1bOHcd\r", want: "abcd", echo: "abcd"},
		{name: "osc reply skipped", in: "a\x1b]11;rgb:0000/0000/0000\x07b\x1b]52;c;eA==\x1b\\c\r", want: "abc", echo: "abc"},
		{name: "alt key dropped", in: "a\x1bxb\r", want: "ab", echo: "ab"},
		{name: "backspace drops a rune", in: "aé\x7f\x7fb\r", want: "b", echo: "aé\b \b\b \bb"},
		{name: "ctrl+u drops the line", in: "abc\x15d\r", want: "d", echo: "abc\b \b\b \b\b \bd"},
		{name: "control bytes ignored", in: "a\x01\x02\tb\r", want: "ab", echo: "ab"},
		{name: "ctrl+c", in: "ab\x03", err: ErrInterrupted, echo: "ab"},
		{name: "ctrl+d on nothing", in: "\x04", err: io.EOF},
		{name: "ctrl+d after text is ignored", in: "a\x04\r", want: "a", echo: "a"},
		{name: "end of input", in: "abc", err: io.EOF, echo: "abc"},
		{name: "cut escape", in: "a\x1b[", err: io.EOF, echo: "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var echo bytes.Buffer
			got, err := Read(strings.NewReader(tt.in), &echo)
			if got != tt.want || !errors.Is(err, tt.err) && !(tt.err == io.EOF && errors.Is(err, io.ErrUnexpectedEOF)) {
				t.Fatalf("Read(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
			if echo.String() != tt.echo {
				t.Errorf("echo %q, want %q", echo.String(), tt.echo)
			}
		})
	}
}

func TestReadHiddenEchoesNothing(t *testing.T) {
	got, err := Read(strings.NewReader("s3cret\x1b[D\r"), nil)
	if got != "s3cret" || err != nil {
		t.Fatalf("%q %v", got, err)
	}
}

func TestReadBoundsTheLine(t *testing.T) {
	got, err := Read(strings.NewReader(strings.Repeat("x", MaxLine+100)+"\r"), nil)
	if err != nil || len(got) != MaxLine {
		t.Fatalf("len %d, %v", len(got), err)
	}
}
