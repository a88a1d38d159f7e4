package store

import (
	"bytes"
	"encoding/json"
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
	raw, err := readOptional(s.path)
	if err != nil {
		return nil, err
	}
	if raw != nil && canonical(raw) {
		if out, ok := summaries(raw, j.latest()); ok {
			return out, nil
		}
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

// summaries reads a canonical file's connectors by position, each given
// the last test the journal has for it (lines); false when one is not as
// the canonical form has it.
func summaries(raw []byte, lines map[string]journalLine) ([]Summary, bool) {
	var out []Summary
	rest := raw[len(canonicalHead)-1:] // from the newline before the first connector
	for len(rest) > len(canonicalTail) {
		if !bytes.HasPrefix(rest, lineOpen) {
			return nil, false
		}
		end := bytes.Index(rest, lineClose)
		if end < 0 {
			return nil, false
		}
		sum, ok := summarise(rest[:end])
		if !ok {
			return nil, false
		}
		if l, found := lines[sum.Name]; found {
			if !journaled(&sum, rest[:end], l) {
				return nil, false
			}
		}
		out = append(out, sum)
		rest = rest[end+len(lineClose):]
		if bytes.HasPrefix(rest, []byte(",")) {
			rest = rest[1:]
		} else if !bytes.Equal(rest, canonicalTail) {
			return nil, false
		}
	}
	return out, true
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
