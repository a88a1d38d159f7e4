package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// One connector of many, without the rest. The store writes connectors.json
// in one canonical form (encode): each connector an object at the same
// indentation, its name the first field. In that form one connector's
// object can be found by its name with a byte search and read or replaced
// alone: `show NAME` and `test NAME` over 10,000 saved connectors decoded
// and re-encoded all 19 MB of them for one (224 ms and more; issue 15). A
// file in any other form (an older version, a hand edit) takes the full
// path, which also checks the whole file.

// canonicalHead and canonicalTail open and close a current file as encode writes it.
var (
	canonicalHead = []byte("{\n  \"version\": 2,\n  \"connectors\": [\n")
	canonicalTail = []byte("\n  ]\n}\n")
)

// canonical reports whether raw is a current-version file in encode's form.
func canonical(raw []byte) bool {
	return currentVersion == 2 && bytes.HasPrefix(raw, canonicalHead) && bytes.HasSuffix(raw, canonicalTail)
}

// decodeOne reads one connector's object as decodeCurrent and check read
// each connector of a file.
func decodeOne(obj []byte) (Connector, error) {
	var c Connector
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Connector{}, fmt.Errorf("not a valid connector list: %w", err)
	}
	if err := c.validate(); err != nil {
		return Connector{}, err
	}
	if c.SecretStore != BackendKeyring && c.SecretStore != BackendFile {
		return Connector{}, fmt.Errorf("unknown secret_store %q", c.SecretStore)
	}
	if c.LastValidation != nil {
		c.LastValidation.bound()
	}
	return c, nil
}

// getOne is Get for a canonical file: ok is false when the file is in
// another form, and Get must read it whole. It reads the file only up to
// the connector's object, in chunks, not all 19 MB of 10,000 connectors.
func (s *Store) getOne(name string) (c Connector, ok bool, err error) {
	j, err := s.readJournal()
	if err != nil {
		return Connector{}, true, err
	}
	obj, canon, err := s.findObject(name)
	if err != nil || !canon {
		return Connector{}, canon, err
	}
	if obj == nil {
		return Connector{}, true, notFound(name)
	}
	c, err = decodeOne(obj)
	if err != nil {
		return Connector{}, true, s.corrupt(s.path, err)
	}
	j.applyOne(&c)
	return c, true, nil
}

// findChunk is how much of connectors.json findObject reads at a time.
const findChunk = 256 << 10

// findObject reads connectors.json up to the object of the connector named
// name and returns it (nil when no connector has that name); canon is false
// when the file is not in the canonical form (or missing).
func (s *Store) findObject(name string) (obj []byte, canon bool, err error) {
	f, err := os.Open(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w; check the file's owner and permissions", s.path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || fi.Size() < int64(len(canonicalHead)+len(canonicalTail)) {
		return nil, false, nil
	}
	head, tail := make([]byte, len(canonicalHead)), make([]byte, len(canonicalTail))
	if _, err := f.ReadAt(head, 0); err != nil || !bytes.Equal(head, canonicalHead) {
		return nil, false, nil
	}
	if _, err := f.ReadAt(tail, fi.Size()-int64(len(tail))); err != nil || !bytes.Equal(tail, canonicalTail) {
		return nil, false, nil
	}
	q, err := json.Marshal(name) // escaped as encode escapes it
	if err != nil {
		return nil, false, nil
	}
	open := append(append(append([]byte{}, lineOpen...), q...), ",\n"...)
	buf := make([]byte, 0, findChunk+len(open))
	start, searched := -1, 0
	for {
		if len(buf) == cap(buf) {
			if start < 0 {
				// Keep what a pattern split by the chunk's end needs.
				keep := min(len(buf), len(open)-1)
				copy(buf, buf[len(buf)-keep:])
				buf, searched = buf[:keep], 0
			} else {
				buf = append(buf, make([]byte, len(buf))...)[:len(buf)]
			}
		}
		n, rerr := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if start < 0 {
			if i := bytes.Index(buf[searched:], open); i >= 0 {
				start = searched + i + len("\n    ")
			} else {
				searched = max(0, len(buf)-len(open)+1)
			}
		}
		if start >= 0 {
			if j := bytes.Index(buf[start:], lineClose); j >= 0 {
				return buf[start : start+j+len(lineClose)], true, nil
			}
		}
		if rerr == io.EOF {
			return nil, true, nil
		}
		if rerr != nil {
			return nil, false, fmt.Errorf("read %s: %w", s.path, rerr)
		}
	}
}

// recordOne is RecordValidation for a canonical file, under the lock: the
// test is appended to the journal, a few kilobytes, where writing it into
// connectors.json meant writing all of it. The append that would take the
// journal past journalFoldAt folds it, with this test, into connectors.json
// instead. ok is false when the file is in another form, or a killed change
// left secrets to collect (the full path does).
func (s *Store) recordOne(name string, v Validation) (ok bool, err error) {
	if err := ensureDir(s.dir); err != nil {
		return true, err
	}
	unlock, err := lock(s.lockPath, s.lockTimeout)
	if err != nil {
		return true, err
	}
	defer unlock()
	if pending, damaged := s.readPending(); len(pending) > 0 || damaged {
		// A change was killed midway: the full path collects what it left.
		return false, nil
	}
	j, err := s.readJournal()
	if err != nil {
		return true, err
	}
	obj, canon, err := s.findObject(name)
	if err != nil || !canon {
		return canon, err
	}
	if obj == nil {
		return true, notFound(name)
	}
	c, err := decodeOne(obj)
	if err != nil {
		return true, s.corrupt(s.path, err)
	}
	line, err := journalEntry(c, v)
	if err != nil {
		return true, err
	}
	if j.ok && j.whole+int64(len(line)) <= journalFoldAt {
		return true, s.appendJournal(j, line)
	}
	raw, err := readOptional(s.path)
	if err != nil || raw == nil || !canonical(raw) {
		return false, err
	}
	gone, ok, err := s.fold(raw, j, map[string]Validation{name: v})
	if ok && err == nil && len(gone) > 0 {
		err = notFound(name)
	}
	return ok, err
}

// recordMany is RecordValidations for a canonical file, under the lock: the
// journal and vs are folded into connectors.json in one write. gone names
// the records whose connector is not there. ok is false when the file is in
// another form, or a killed change left secrets to collect.
func (s *Store) recordMany(vs map[string]Validation) (gone []string, ok bool, err error) {
	if err := ensureDir(s.dir); err != nil {
		return nil, true, err
	}
	unlock, err := lock(s.lockPath, s.lockTimeout)
	if err != nil {
		return nil, true, err
	}
	defer unlock()
	if pending, damaged := s.readPending(); len(pending) > 0 || damaged {
		return nil, false, nil
	}
	j, err := s.readJournal()
	if err != nil {
		return nil, true, err
	}
	raw, err := readOptional(s.path)
	if err != nil || raw == nil || !canonical(raw) {
		return nil, false, err
	}
	return s.fold(raw, j, vs)
}

// fold writes connectors.json (raw, canonical) with each record of vs, and
// each line of the journal j that applies and vs does not replace, then
// removes the journal. The connectors are taken one at a time: those given a
// record are decoded, given it and encoded again, the others copied as they
// are, so thousands of records never hold the whole store decoded at once.
// gone names the records of vs whose connector is not there. ok is false
// when a connector is not where the canonical form puts it.
func (s *Store) fold(raw []byte, j journal, vs map[string]Validation) (gone []string, ok bool, err error) {
	lines := j.latest()
	out := make([]byte, 0, len(raw)+len(raw)/8)
	found := make(map[string]bool, len(vs))
	changed := false
	prev := 0
	var ferr error
	canon := eachObject(bytes.NewReader(raw), func(text []byte, at int64) bool {
		name, named := stringAfter(text, lineOpen)
		if !named {
			return false
		}
		v, given := vs[name]
		l, journaled := lines[name]
		if !given && !journaled {
			return true
		}
		// The object runs from its opening brace to its closing one.
		start, stop := int(at)+len("\n    "), int(at)+len(text)+len(lineClose)
		c, err := decodeOne(raw[start:stop])
		if err != nil {
			ferr = s.corrupt(s.path, err)
			return false
		}
		set := given
		if !given && l.appliesTo(c) {
			v, set = l.record()
		}
		if set {
			c.LastValidation = &v
			obj, err := json.MarshalIndent(c, "    ", "  ")
			if err != nil {
				ferr = fmt.Errorf("encode connectors: %w", err)
				return false
			}
			out = append(append(out, raw[prev:start]...), obj...)
			prev, changed = stop, true
		}
		found[name] = given
		return true
	})
	if ferr != nil {
		return nil, true, ferr
	}
	if !canon {
		return nil, false, nil
	}
	out = append(out, raw[prev:]...)
	for name := range vs {
		if !found[name] {
			gone = append(gone, name)
		}
	}
	if !changed {
		if j.size > 0 {
			s.dropJournal() // nothing in it applies
		}
		return gone, true, nil
	}
	removeStaleTemps(s.dir)
	if err := s.saveBytes(raw, out); err != nil {
		return nil, true, err
	}
	s.dropJournal()
	return gone, true, nil
}
