package defender

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// scanner reads a JSON document in one pass, keeping only what a check
// asks for: a page of 10,000 devices is 20 MB of fields nobody reads, and
// encoding/json spent 45 % of a run's CPU building them (issue 15). It
// accepts exactly the JSON encoding/json accepts (a fuzz test compares the
// two), so a malformed reply is refused as before; what it skips it still
// checks, byte by byte.
type scanner struct {
	b []byte
	i int
	// depth is the containers around the value being read that count
	// toward maxDepth: an item's own object, as encoding/json counted when
	// it decoded each item on its own.
	depth int
}

// maxDepth matches encoding/json's nesting limit.
const maxDepth = 10000

var errSyntax = errors.New("invalid JSON")

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the next byte after white space, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return fmt.Errorf("%w: expected %q at byte %d", errSyntax, c, s.i)
	}
	s.i++
	return nil
}

// more reports whether a list or object continues after an element: it
// consumes a ',' and returns true, or sees the closing byte and returns
// false (leaving it).
func (s *scanner) more(end byte) (bool, error) {
	switch s.peek() {
	case ',':
		s.i++
		return true, nil
	case end:
		return false, nil
	}
	return false, fmt.Errorf("%w: expected ',' or %q at byte %d", errSyntax, end, s.i)
}

// rawString reads a string literal and returns its content between the
// quotes, and whether it holds escapes or bytes that are not valid UTF-8
// (and so must be decoded by unquote).
func (s *scanner) rawString() (raw []byte, plain bool, err error) {
	if err := s.expect('"'); err != nil {
		return nil, false, err
	}
	start := s.i
	plain = true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, plain, nil
		case c == '\\':
			plain = false
			if err := s.escape(); err != nil {
				return nil, false, err
			}
		case c < 0x20:
			return nil, false, fmt.Errorf("%w: control character in a string at byte %d", errSyntax, s.i)
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				plain = false // encoding/json turns it into U+FFFD
			}
			s.i += n
		}
	}
	return nil, false, fmt.Errorf("%w: unterminated string", errSyntax)
}

// escape checks the escape at s.i (a backslash) and steps over it.
func (s *scanner) escape() error {
	if s.i+1 >= len(s.b) {
		return fmt.Errorf("%w: unterminated string", errSyntax)
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return nil
	case 'u':
		if s.i+6 > len(s.b) {
			return fmt.Errorf("%w: unterminated string", errSyntax)
		}
		for _, h := range s.b[s.i+2 : s.i+6] {
			if !isHex(h) {
				return fmt.Errorf("%w: bad \\u escape at byte %d", errSyntax, s.i)
			}
		}
		s.i += 6
		return nil
	}
	return fmt.Errorf("%w: bad escape at byte %d", errSyntax, s.i)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// str reads a string (or null, as "") clipped to maxField. The string is a
// copy: the reply's buffer can go.
func (s *scanner) str() (string, error) {
	if s.peek() == 'n' {
		return "", s.literal("null")
	}
	raw, plain, err := s.rawString()
	if err != nil {
		return "", err
	}
	return fromRaw(raw, plain)
}

// fromRaw is the clipped string of a literal's content.
func fromRaw(raw []byte, plain bool) (string, error) {
	if !plain {
		return unquote(raw)
	}
	if len(raw) > maxField {
		return clipField(string(raw[:maxField+utf8.UTFMax]), maxField), nil
	}
	return string(raw), nil
}

// strWhole reads a string (or null, as "") whole: a next-page link, which a
// clip would break. The reply's bound (64 MB) is its bound.
func (s *scanner) strWhole() (string, error) {
	if s.peek() == 'n' {
		return "", s.literal("null")
	}
	raw, plain, err := s.rawString()
	if err != nil || plain {
		return string(raw), err
	}
	q := make([]byte, 0, len(raw)+2)
	var v string
	err = json.Unmarshal(append(append(append(q, '"'), raw...), '"'), &v)
	return v, err
}

// known reads a string (or null) that is most often one of values, which
// it returns without a copy (statuses, "True"): 10,000 devices need not
// make 10,000 copies of "Active".
func (s *scanner) known(values ...string) (string, error) {
	if s.peek() != '"' {
		return s.str()
	}
	raw, plain, err := s.rawString()
	if err != nil {
		return "", err
	}
	if plain {
		for _, v := range values {
			if string(raw) == v {
				return v, nil
			}
		}
	}
	return fromRaw(raw, plain)
}

// unquote decodes a string with escapes (or bad UTF-8) as encoding/json does.
func unquote(raw []byte) (string, error) {
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	var v string
	if err := json.Unmarshal(q, &v); err != nil {
		return "", err
	}
	return clipField(v, maxField), nil
}

// key reads an object key and its colon. A key with escapes is decoded;
// most are plain, and then the bytes are returned without a copy.
func (s *scanner) key() ([]byte, error) {
	raw, plain, err := s.rawString()
	if err != nil {
		return nil, err
	}
	if !plain {
		v, err := unquote(raw)
		if err != nil {
			return nil, err
		}
		raw = []byte(v)
	}
	return raw, s.expect(':')
}

func (s *scanner) literal(word string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return fmt.Errorf("%w: bad literal at byte %d", errSyntax, s.i)
	}
	s.i += len(word)
	return nil
}

// number reads a number literal, checked against JSON's grammar.
func (s *scanner) number() ([]byte, error) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && '1' <= s.b[s.i] && s.b[s.i] <= '9':
		s.digits()
	default:
		return nil, fmt.Errorf("%w: bad number at byte %d", errSyntax, start)
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return nil, fmt.Errorf("%w: bad number at byte %d", errSyntax, start)
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return nil, fmt.Errorf("%w: bad number at byte %d", errSyntax, start)
		}
	}
	return s.b[start:s.i], nil
}

func (s *scanner) digits() int {
	n := 0
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// float reads a number (or null, as 0) into a float64, as encoding/json does.
func (s *scanner) float() (float64, error) {
	if s.peek() == 'n' {
		return 0, s.literal("null")
	}
	lit, err := s.number()
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(string(lit), 64)
}

// int reads an integer (or null, as 0); 3.5 or 1e3 is an error, as in encoding/json.
func (s *scanner) int() (int, error) {
	if s.peek() == 'n' {
		return 0, s.literal("null")
	}
	lit, err := s.number()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(lit), 10, 0)
	return int(n), err
}

// skip steps over one value of any kind, checking it. Nesting is kept on a
// small stack of closing brackets, not recursed into, so depth costs no
// goroutine stack.
func (s *scanner) skip() error {
	var stack []byte
	for {
		if err := s.scalarOrOpen(&stack); err != nil {
			return err
		}
		// A value ended: close what it ends, up to the next element.
		for len(stack) > 0 {
			end := stack[len(stack)-1]
			c := s.peek()
			if c == ',' {
				s.i++
				if end == '}' {
					if _, err := s.key(); err != nil {
						return err
					}
				}
				break
			}
			if c != end {
				return fmt.Errorf("%w: expected ',' or %q at byte %d", errSyntax, end, s.i)
			}
			s.i++
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			return nil
		}
	}
}

// scalarOrOpen reads a scalar, an empty list or object, or the opening of
// a list or object (pushing its closing bracket, and reading an object's
// first key), then returns; at an opening it reads on to the first element.
func (s *scanner) scalarOrOpen(stack *[]byte) error {
	for {
		switch c := s.peek(); c {
		case '{', '[':
			if s.depth+len(*stack)+1 > maxDepth {
				return fmt.Errorf("%w: nested too deep", errSyntax)
			}
			s.i++
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			if s.peek() == end {
				s.i++
				return nil
			}
			*stack = append(*stack, end)
			if c == '{' {
				if _, err := s.key(); err != nil {
					return err
				}
			}
			continue
		case '"':
			_, _, err := s.rawString()
			return err
		case 't':
			return s.literal("true")
		case 'f':
			return s.literal("false")
		case 'n':
			return s.literal("null")
		}
		_, err := s.number()
		return err
	}
}
