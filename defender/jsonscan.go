package defender

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
)

// scanner reads a JSON document in one pass as it arrives, keeping only
// what a check asks for: a page of 10,000 devices is 20 MB of fields nobody
// reads. encoding/json spent 45 % of a run's CPU building them, and holding
// whole replies to decode them made most of its memory (issue 15). It
// accepts exactly the JSON encoding/json accepts (a table and a fuzz test
// compare the two), so a malformed reply is refused as before; what it
// skips it still checks, byte by byte.
//
// It reads src through a small window that slides as it goes; only a
// literal it keeps (a key, a field's value) is held whole, so a reply's
// bound (the guard's) is still the most it can hold.
type scanner struct {
	src io.Reader // nil: b is the whole document
	b   []byte    // the window: b[i:] is not read yet
	i   int
	pin int   // b[pin:] must stay in the window (a literal being kept); -1 for none
	err error // what src said when it stopped (io.EOF at the end)
	n   int64 // bytes read from src
	// head is the document's first bytes, to say what a refused reply was
	// (an HTML page?) after the window has moved on.
	head   []byte
	keyBuf []byte // the last key read
	// depth is the containers around the value being read that count
	// toward maxDepth: an item's own object, as encoding/json counted when
	// it decoded each item on its own.
	depth int
}

// newScanner reads src through a window of windowSize bytes (it grows only
// to hold a long literal it keeps). Call done when finished with it.
func newScanner(src io.Reader) *scanner {
	return &scanner{src: src, b: (*windows.Get().(*[]byte))[:0], pin: -1}
}

// windowSize is a scanner's window on a reply: a TLS record holds 16 KB.
const windowSize = 16 << 10

// windows are scanners' windows for reuse: a run reads a few hundred
// thousand pages. A sync.Pool is a cache the runtime may empty at any time,
// not state: no scanner sees another's bytes (a window is only read up to
// what its own source wrote).
var windows = sync.Pool{New: func() any { b := make([]byte, windowSize); return &b }}

// done hands the window back; nothing read from the scanner may point into
// it any more (keys and strings it returned are copies).
func (s *scanner) done() {
	if s.src != nil && cap(s.b) == windowSize {
		b := s.b[:windowSize]
		windows.Put(&b)
	}
	s.b, s.src = nil, nil
}

// scanBytes reads a whole document held in b.
func scanBytes(b []byte) *scanner { return &scanner{b: b, pin: -1, head: b[:min(len(b), 512)]} }

// maxDepth matches encoding/json's nesting limit.
const maxDepth = 10000

var errSyntax = errors.New("invalid JSON")

// fill reads more of src into the window, sliding out what was read (and
// is not pinned); false when src has no more.
func (s *scanner) fill() bool {
	if s.src == nil || s.err != nil {
		return false
	}
	keep := s.i
	if s.pin >= 0 && s.pin < keep {
		keep = s.pin
	}
	if keep > 0 {
		n := copy(s.b, s.b[keep:])
		s.b, s.i = s.b[:n], s.i-keep
		if s.pin >= 0 {
			s.pin -= keep
		}
	}
	if len(s.b) == cap(s.b) {
		grown := make([]byte, len(s.b), 2*cap(s.b)+512)
		copy(grown, s.b)
		s.b = grown
	}
	n, err := s.src.Read(s.b[len(s.b):cap(s.b)])
	if s.head == nil && n > 0 {
		s.head = bytes.Clone(s.b[len(s.b) : len(s.b)+min(n, 512)])
	}
	s.b = s.b[:len(s.b)+n]
	s.n += int64(n)
	if err != nil {
		s.err = err
	}
	return n > 0 || err == nil
}

// ready reports whether k unread bytes are in the window, reading for them.
func (s *scanner) ready(k int) bool {
	for len(s.b)-s.i < k {
		if !s.fill() {
			return false
		}
	}
	return true
}

// readErr is why the document ended early, when src failed (a cut
// connection, a reply past its bound) rather than the JSON being bad.
func (s *scanner) readErr() error {
	if s.err == nil || s.err == io.EOF {
		return nil
	}
	return s.err
}

func (s *scanner) ws() {
	for s.ready(1) {
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
	// Most bytes follow no white space (compact JSON has none): skip the loop.
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return s.b[s.i]
	}
	s.ws()
	if s.ready(1) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return fmt.Errorf("%w: expected %q", errSyntax, c)
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
	return false, fmt.Errorf("%w: expected ',' or %q", errSyntax, end)
}

// rawString reads a string literal. When keep is set it returns its
// content between the quotes, valid until the scanner reads on; plain says
// whether it is free of escapes and bytes that are not UTF-8 (else unquote
// decodes it).
// stringStop marks the bytes that end a run of plain ASCII in a string: a
// control character, the closing quote, an escape, the start of a
// multi-byte rune. The lists' strings are a third of what a run reads.
var stringStop = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// plainRun is how many of b's leading 8-byte words hold no stringStop
// byte, in bytes. Each word is tested at once (SWAR): a byte of 0x80 or
// more has its high bit set; x-0x01 borrows into the high bit of a zero
// byte of x (a quote or a backslash, XORed to zero), x-0x20 that of a byte
// below 0x20. A borrow can only flag bytes after the first true stop, so
// a word with no flag has no stop byte.
func plainRun(b []byte) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	n := 0
	for len(b)-n >= 8 {
		w := binary.LittleEndian.Uint64(b[n:])
		q, bs := w^(ones*'"'), w^(ones*'\\')
		if (w|(w-ones*0x20)|((q-ones)&^q)|((bs-ones)&^bs))&highs != 0 {
			break
		}
		n += 8
	}
	return n
}

func (s *scanner) rawString(keep bool) (raw []byte, plain bool, err error) {
	if err := s.expect('"'); err != nil {
		return nil, false, err
	}
	start := s.i
	if keep {
		s.pin = start
		defer func() { s.pin = -1 }()
	}
	plain = true
	for {
		// The common run of plain ASCII: eight bytes at a time, then a
		// table lookup a byte.
		s.i += plainRun(s.b[s.i:])
		for s.i < len(s.b) && !stringStop[s.b[s.i]] {
			s.i++
		}
		if !s.ready(1) {
			return nil, false, fmt.Errorf("%w: unterminated string", errSyntax)
		}
		switch c := s.b[s.i]; {
		case c == '"':
			if keep {
				raw = s.b[s.pin:s.i]
			}
			s.i++
			return raw, plain, nil
		case c == '\\':
			plain = false
			if err := s.escape(); err != nil {
				return nil, false, err
			}
		case c < 0x20:
			return nil, false, fmt.Errorf("%w: control character in a string", errSyntax)
		default:
			s.ready(utf8.UTFMax) // a rune cut by the window's end is read whole
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				plain = false // encoding/json turns it into U+FFFD
			}
			s.i += n
		}
	}
}

// escape checks the escape at s.i (a backslash) and steps over it.
func (s *scanner) escape() error {
	if !s.ready(2) {
		return fmt.Errorf("%w: unterminated string", errSyntax)
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return nil
	case 'u':
		if !s.ready(6) {
			return fmt.Errorf("%w: unterminated string", errSyntax)
		}
		for _, h := range s.b[s.i+2 : s.i+6] {
			if !isHex(h) {
				return fmt.Errorf("%w: bad \\u escape", errSyntax)
			}
		}
		s.i += 6
		return nil
	}
	return fmt.Errorf("%w: bad escape", errSyntax)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// str reads a string (or null, as "") clipped to maxField. The string is a
// copy: the window moves on.
func (s *scanner) str() (string, error) {
	if s.peek() == 'n' {
		return "", s.literal("null")
	}
	raw, plain, err := s.rawString(true)
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
	raw, plain, err := s.rawString(true)
	if err != nil || plain {
		return string(raw), err
	}
	var v string
	err = json.Unmarshal(quoted(raw), &v)
	return v, err
}

// known reads a string (or null) that is most often one of values, which
// it returns without a copy (statuses, "True"): 10,000 devices need not
// make 10,000 copies of "Active".
func (s *scanner) known(values ...string) (string, error) {
	if s.peek() != '"' {
		return s.str()
	}
	raw, plain, err := s.rawString(true)
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
	var v string
	if err := json.Unmarshal(quoted(raw), &v); err != nil {
		return "", err
	}
	return clipField(v, maxField), nil
}

func quoted(raw []byte) []byte {
	q := make([]byte, 0, len(raw)+2)
	return append(append(append(q, '"'), raw...), '"')
}

// key reads an object key and its colon. A key with escapes is decoded.
// The key is the scanner's copy, valid until the next key.
func (s *scanner) key() ([]byte, error) {
	raw, plain, err := s.rawString(true)
	if err != nil {
		return nil, err
	}
	if plain {
		s.keyBuf = append(s.keyBuf[:0], raw...)
	} else {
		v, err := unquote(raw)
		if err != nil {
			return nil, err
		}
		s.keyBuf = append(s.keyBuf[:0], v...)
	}
	return s.keyBuf, s.expect(':')
}

func (s *scanner) literal(word string) error {
	s.ready(len(word))
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return fmt.Errorf("%w: bad literal", errSyntax)
	}
	s.i += len(word)
	return nil
}

// number reads a number literal, checked against JSON's grammar; the bytes
// are valid until the scanner reads on.
func (s *scanner) number() ([]byte, error) {
	s.ws()
	s.pin = s.i
	defer func() { s.pin = -1 }()
	if s.ready(1) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.ready(1) && s.b[s.i] == '0':
		s.i++
	case s.ready(1) && '1' <= s.b[s.i] && s.b[s.i] <= '9':
		s.digits()
	default:
		return nil, fmt.Errorf("%w: bad number", errSyntax)
	}
	if s.ready(1) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return nil, fmt.Errorf("%w: bad number", errSyntax)
		}
	}
	if s.ready(1) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.ready(1) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return nil, fmt.Errorf("%w: bad number", errSyntax)
		}
	}
	return s.b[s.pin:s.i], nil
}

func (s *scanner) digits() int {
	n := 0
	for s.ready(1) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
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
					if err := s.skipKey(); err != nil {
						return err
					}
				}
				break
			}
			if c != end {
				return fmt.Errorf("%w: expected ',' or %q", errSyntax, end)
			}
			s.i++
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			return nil
		}
	}
}

// skipKey steps over an object key and its colon.
func (s *scanner) skipKey() error {
	if _, _, err := s.rawString(false); err != nil {
		return err
	}
	return s.expect(':')
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
				if err := s.skipKey(); err != nil {
					return err
				}
			}
			continue
		case '"':
			_, _, err := s.rawString(false)
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
