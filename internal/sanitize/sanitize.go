package sanitize

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits in runes for Line, Text and Quote.
const (
	// Screen is the most a terminal line shows of one value.
	Screen = 300
	// JSON is the most a JSON field keeps of one value.
	JSON = 4096
)

// ellipsis marks a clipped value.
const ellipsis = "…"

// Line returns s as one inert line of at most max runes: control characters
// (C0, DEL and C1, so ESC and the 8-bit CSI U+009B too) and bidirectional
// overrides and isolates are dropped, so no escape sequence survives; tab is
// kept, a line break becomes a space, invalid UTF-8 becomes U+FFFD. A longer
// result is clipped and ends in "…". max < 1 gives "".
func Line(s string, max int) string { return clean(s, max, false) }

// Text is Line for messages of several lines: line breaks are kept as "\n"
// ("\r\n" and a lone "\r" included, so a carriage return cannot overwrite what
// the line already shows).
func Text(s string, max int) string { return clean(s, max, true) }

// Quote returns s, clipped to Screen runes, as a Go-quoted string: every
// character a terminal could act on (control, bidi, invalid UTF-8) is shown
// as an escape such as \x1b or \u202e, so a hostile value is visibly hostile
// and inert inside a note or an error.
func Quote(s string) string { return strconv.Quote(clip(s, Screen)) }

func clean(s string, max int, keepNewlines bool) string {
	if max < 1 {
		return ""
	}
	if isClean(s, max, keepNewlines) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), 4*max))
	n := 0
	add := func(r rune) bool {
		if n == max {
			return false
		}
		b.WriteRune(r)
		n++
		return true
	}
	for i, r := range s {
		switch {
		case r == '\r' && keepNewlines:
			if strings.HasPrefix(s[i+1:], "\n") {
				continue // the "\n" that follows is the line break
			}
			r = '\n'
		case r == '\n' || r == '\r' || isLineSeparator(r):
			r = ' '
			if keepNewlines {
				r = '\n'
			}
		case r == utf8.RuneError:
			// a real U+FFFD or an invalid byte: either way U+FFFD
		case r == '\t':
		case isControl(r) || isBidi(r):
			continue
		}
		if !add(r) {
			return clipped(b.String(), max)
		}
	}
	return b.String()
}

// isClean reports whether s needs no change, so the usual case allocates nothing.
func isClean(s string, max int, keepNewlines bool) bool {
	n := 0
	for i := 0; i < len(s); n++ {
		if n == max {
			return false
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\t' && !(c == '\n' && keepNewlines)) || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || isControl(r) || isBidi(r) || isLineSeparator(r) {
			return false
		}
		i += size
	}
	return true
}

// clipped ends out, which holds max runes and more followed, with "…".
func clipped(out string, max int) string {
	return clip(out, max-1) + ellipsis
}

// clip keeps the first max runes of s (an invalid byte counts as one).
func clip(s string, max int) string {
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}

// isControl is C0, DEL or C1 (unicode.IsControl's set), tab included.
func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

// isBidi is a bidirectional embedding, override or isolate, which can make a
// terminal show text in another order than it is stored (U+202A–U+202E,
// U+2066–U+2069).
func isBidi(r rune) bool { return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) }

// isLineSeparator is U+2028 or U+2029, Unicode's own line and paragraph breaks.
func isLineSeparator(r rune) bool { return r == 0x2028 || r == 0x2029 }
