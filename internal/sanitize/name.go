package sanitize

import (
	"fmt"
	"unicode/utf8"
)

// MaxName is the longest name, in runes, ValidName accepts.
const MaxName = 128

// ValidName checks a name a user gives (a connector's, a customer's) before it
// is saved or shown: valid UTF-8, at most MaxName runes, and no character a
// terminal acts on or that reorders text (control characters, tab and line
// breaks included, and bidirectional overrides and isolates). The error says
// what is wrong without repeating the name, which the caller quotes.
func ValidName(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("it is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(s); n > MaxName {
		return fmt.Errorf("it is %d characters long; the limit is %d", n, MaxName)
	}
	for i, r := range s {
		switch {
		case isControl(r), isLineSeparator(r):
			return fmt.Errorf("it contains a control character (U+%04X) at byte %d", r, i)
		case isBidi(r):
			return fmt.Errorf("it contains a bidirectional text control (U+%04X) at byte %d", r, i)
		}
	}
	return nil
}
