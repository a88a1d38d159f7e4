package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Summary is what `list` shows of a connector.
type Summary struct {
	Name    string
	Mode    Mode
	Tenants int
	// LastTest is the last test's time and verdict; nil when never tested.
	LastTest *LastTest
}

// LastTest is when a connector was last tested, and whether it passed.
type LastTest struct {
	At time.Time
	OK bool
}

// Summaries returns every connector's Summary, sorted by name. In the
// store's own form (see getOne) it reads them by position, not by decoding
// every field: `list` of 10,000 connectors decoded 19 MB of test records to
// show a date and a verdict (242 ms; issue 15). A file in any other form,
// or one whose connectors are not where that form puts them, is read whole
// by List, which checks it.
func (s *Store) Summaries() ([]Summary, error) {
	j, err := s.readJournal()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(s.path)
	switch {
	case err == nil:
		out, ok := summariesFrom(f, j.latest())
		_ = f.Close()
		if ok {
			return out, nil
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("read %s: %w; check the file's owner and permissions", s.path, err)
	}
	list, err := s.List()
	if err != nil {
		return nil, err
	}
	out := make([]Summary, len(list))
	for i, c := range list {
		out[i] = Summary{Name: c.Name, Mode: c.Mode, Tenants: len(c.Mappings)}
		if v := c.LastValidation; v != nil {
			out[i].LastTest = &LastTest{At: v.At, OK: v.OK}
		}
	}
	return out, nil
}

// The lines of a connector in the canonical form that a Summary reads. A
// JSON string holds no raw newline, so a pattern that begins with one and
// its indentation matches the structure only: a connector's fields are
// indented six spaces, a mapping's opening brace eight.
var (
	lineOpen     = []byte("\n    {\n      \"name\": ")
	lineClose    = []byte("\n    }")
	lineMode     = []byte("\n      \"mapping_mode\": ")
	lineUpdated  = []byte("\n      \"updated_at\": ")
	lineMappings = []byte("\n      \"mappings\": ")
	lineMapping  = []byte("\n        {")
	lineMapEnd   = []byte("\n      ]")
	lineLast     = []byte("\n      \"last_validation\": {")
	lineAt       = []byte("\n        \"at\": ")
	lineOK       = []byte("\n        \"ok\": ")
)

// summariesFrom reads the connectors of the canonical file r reads by
// position, each given the last test the journal has for it (lines), a
// window at a time: 19 MB of connectors read whole cost as much again in
// fresh memory. False when one is not as the canonical form has it.
func summariesFrom(r io.Reader, lines map[string]journalLine) ([]Summary, bool) {
	var out []Summary
	ok := eachObject(r, func(obj []byte, _ int64) bool {
		sum, ok := summarise(obj)
		if !ok {
			return false
		}
		if l, found := lines[sum.Name]; found && !journaled(&sum, obj, l) {
			return false
		}
		out = append(out, sum)
		return true
	})
	return out, ok
}

// eachObject calls fn with each connector's object of the canonical file r
// reads (its text up to, not including, the line of its closing brace) and
// where that text starts in the file, in order, reading a window of
// findChunk bytes at a time (more for an object larger than that). False
// when the file is not in the canonical form, or fn returned false.
func eachObject(r io.Reader, fn func(obj []byte, at int64) bool) bool {
	buf := make([]byte, 0, findChunk)
	eof := false
	var base int64 // where buf starts in the file
	// fill keeps buf[from:] and reads more after it.
	fill := func(from int) {
		base += int64(from)
		n := copy(buf[:cap(buf)], buf[from:])
		if n == cap(buf) {
			buf = append(buf[:n], make([]byte, n)...)
		}
		m, err := io.ReadFull(r, buf[n:cap(buf)])
		buf = buf[:n+m]
		eof = err != nil
	}
	fill(0)
	if !bytes.HasPrefix(buf, canonicalHead) {
		return false
	}
	at := len(canonicalHead) - 1 // the newline before the first connector
	for {
		rest := buf[at:]
		end := bytes.Index(rest, lineClose)
		stop := end + len(lineClose)
		if end < 0 || stop >= len(rest) || (rest[stop] != ',' && !eof) {
			if eof {
				return false
			}
			fill(at)
			at = 0
			continue
		}
		if !bytes.HasPrefix(rest, lineOpen) || !fn(rest[:end], base+int64(at)) {
			return false
		}
		if rest[stop] != ',' {
			return bytes.Equal(rest[stop:], canonicalTail)
		}
		at += stop + 1
	}
}

// journaled gives sum the test of l when l is a test of the connector as
// it is (obj, its object, says when it was last changed); false when obj
// is not as the canonical form has it.
func journaled(sum *Summary, obj []byte, l journalLine) bool {
	at, ok := stringAfter(obj, lineUpdated)
	if !ok {
		return false
	}
	var updated time.Time
	if updated.UnmarshalText([]byte(at)) != nil {
		return false
	}
	if !updated.Equal(l.UpdatedAt) {
		return true
	}
	if v, ok := l.record(); ok {
		sum.LastTest = &LastTest{At: v.At, OK: v.OK}
	}
	return true
}

// summarise reads one connector's object (its text up to its closing brace).
func summarise(obj []byte) (Summary, bool) {
	var sum Summary
	name, ok := stringAfter(obj, lineOpen)
	mode, ok2 := stringAfter(obj, lineMode)
	if !ok || !ok2 {
		return sum, false
	}
	sum.Name, sum.Mode = name, Mode(mode)
	i := bytes.Index(obj, lineMappings)
	if i < 0 {
		return sum, false
	}
	maps := obj[i+len(lineMappings):]
	if !bytes.HasPrefix(maps, []byte("null")) && !bytes.HasPrefix(maps, []byte("[]")) {
		end := bytes.Index(maps, lineMapEnd)
		if end < 0 {
			return sum, false
		}
		sum.Tenants = bytes.Count(maps[:end], lineMapping)
	}
	if j := bytes.Index(obj, lineLast); j >= 0 {
		v := obj[j:]
		at, ok := stringAfter(v, lineAt)
		k := bytes.Index(v, lineOK)
		if !ok || k < 0 {
			return sum, false
		}
		var t LastTest
		if err := t.At.UnmarshalText([]byte(at)); err != nil {
			return sum, false
		}
		t.OK = bytes.HasPrefix(v[k+len(lineOK):], []byte("true"))
		sum.LastTest = &t
	}
	return sum, true
}

// stringAfter reads the JSON string that follows the first line of obj
// starting with prefix.
func stringAfter(obj, prefix []byte) (string, bool) {
	i := bytes.Index(obj, prefix)
	if i < 0 {
		return "", false
	}
	lit := obj[i+len(prefix):]
	end := bytes.IndexByte(lit, '\n')
	if end < 0 {
		end = len(lit)
	}
	lit = bytes.TrimSuffix(lit[:end], []byte(","))
	var s string
	if bytes.IndexByte(lit, '\\') < 0 && len(lit) >= 2 && lit[0] == '"' && lit[len(lit)-1] == '"' {
		return string(lit[1 : len(lit)-1]), true
	}
	if err := json.Unmarshal(lit, &s); err != nil {
		return "", false
	}
	return s, true
}
