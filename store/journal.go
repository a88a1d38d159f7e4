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

// The journal of tests. Recording one test in connectors.json meant writing
// and syncing the whole file: 19 MB for 10,000 connectors, 70 ms and more
// for `test NAME` beyond the test itself (issue 15). A test is now appended
// to last-tests.jsonl, one line of JSON, and synced: a few kilobytes. Every
// read of the store applies the journal after connectors.json; every change
// that writes connectors.json anyway (add, edit, remove, `test --all`)
// folds the journal into it and then removes it, and so does the append
// that would take it past journalFoldAt. The journal stays small, so a read
// pays little for it.
//
// A line says which connector it is for by name and by the connector's
// updated_at: it applies only to the connector as it was tested. So a line
// left behind (a change killed between writing connectors.json and removing
// the journal) can only set again what was folded, never a record on a
// connector edited, renamed or removed and added again since. A line cut
// short by a crash, or damaged, is skipped; the next append first cuts the
// file back to its last whole line.

const (
	journalFile = "last-tests.jsonl"
	// journalFoldAt is the size past which an append folds the journal into
	// connectors.json instead: about 150 tests of a one-tenant connector.
	journalFoldAt = 256 << 10
	// journalMaxRead bounds what is read of a journal, which no mdeconnect
	// lets grow past journalFoldAt: a larger file is someone else's, and is
	// ignored (the next change folds and removes it).
	journalMaxRead = 4 << 20
)

// journalLine is one line of the journal.
type journalLine struct {
	Name      string    `json:"name"`
	UpdatedAt time.Time `json:"updated_at"`
	// Record is a Validation, decoded only when the line applies.
	Record json.RawMessage `json:"last_validation"`
}

// journal is what a read found in the journal.
type journal struct {
	lines []journalLine // in the order written: a later line wins
	size  int64         // the file's size; 0 when there is none
	whole int64         // where the last whole line ends: past it is a torn line
	ok    bool          // the file is a regular 0600 file of at most journalMaxRead bytes
}

// readJournal reads the journal. A missing file is an empty journal; one
// that cannot be read is an error, as connectors.json's would be.
func (s *Store) readJournal() (journal, error) {
	f, err := os.Open(s.journalPath)
	if errors.Is(err, os.ErrNotExist) {
		return journal{ok: true}, nil
	}
	if err != nil {
		return journal{}, fmt.Errorf("read %s: %w; check the file's owner and permissions", s.journalPath, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return journal{}, fmt.Errorf("read %s: %w", s.journalPath, err)
	}
	j := journal{size: fi.Size()}
	if !fi.Mode().IsRegular() || fi.Size() > journalMaxRead {
		return j, nil
	}
	raw, err := io.ReadAll(io.LimitReader(f, journalMaxRead))
	if err != nil {
		return journal{}, fmt.Errorf("read %s: %w", s.journalPath, err)
	}
	j.size, j.ok = int64(len(raw)), true
	if lfi, err := os.Lstat(s.journalPath); err != nil || !lfi.Mode().IsRegular() || lfi.Mode().Perm() != fileMode {
		j.ok = false // appended to by no one: the next change folds it
	}
	for len(raw) > 0 {
		end := bytes.IndexByte(raw, '\n')
		if end < 0 {
			break // cut short by a crash: skipped, and cut off by the next append
		}
		var l journalLine
		if json.Unmarshal(raw[:end], &l) == nil && l.Name != "" && len(l.Record) > 0 {
			j.lines = append(j.lines, l)
		}
		raw = raw[end+1:]
		j.whole += int64(end + 1)
	}
	return j, nil
}

// latest returns, for each connector named in the journal, its last line.
func (j journal) latest() map[string]journalLine {
	out := make(map[string]journalLine, len(j.lines))
	for _, l := range j.lines {
		out[l.Name] = l
	}
	return out
}

// record decodes a line's validation, bounded as a record read from
// connectors.json is; false when it is damaged.
func (l journalLine) record() (Validation, bool) {
	var v Validation
	dec := json.NewDecoder(bytes.NewReader(l.Record))
	dec.DisallowUnknownFields()
	if dec.Decode(&v) != nil {
		return Validation{}, false
	}
	v.bound()
	return v, true
}

// appliesTo reports whether l is a test of c as it is now.
func (l journalLine) appliesTo(c Connector) bool {
	return l.Name == c.Name && l.UpdatedAt.Equal(c.UpdatedAt)
}

// apply sets, on each connector of doc that a line applies to, its record.
func (j journal) apply(doc *document) {
	if len(j.lines) == 0 {
		return
	}
	at := make(map[string]int, len(doc.Connectors))
	for i, c := range doc.Connectors {
		at[c.Name] = i
	}
	for name, l := range j.latest() {
		i, ok := at[name]
		if !ok || !l.appliesTo(doc.Connectors[i]) {
			continue
		}
		if v, ok := l.record(); ok {
			doc.Connectors[i].LastValidation = &v
		}
	}
}

// applyOne is apply for one connector.
func (j journal) applyOne(c *Connector) {
	for i := len(j.lines) - 1; i >= 0; i-- {
		if l := j.lines[i]; l.Name == c.Name {
			if !l.appliesTo(*c) {
				return
			}
			if v, ok := l.record(); ok {
				c.LastValidation = &v
			}
			return
		}
	}
}

// journalEntry encodes the line recording v as the last test of c.
func journalEntry(c Connector, v Validation) ([]byte, error) {
	rec, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode the test record: %w", err)
	}
	line, err := json.Marshal(journalLine{Name: c.Name, UpdatedAt: c.UpdatedAt, Record: rec})
	if err != nil {
		return nil, fmt.Errorf("encode the test record: %w", err)
	}
	return append(line, '\n'), nil
}

// appendJournal adds line to the journal j and flushes it to disk, under the
// lock. A torn last line is cut off first, so the new line starts whole.
func (s *Store) appendJournal(j journal, line []byte) (err error) {
	created := j.size == 0
	f, err := os.OpenFile(s.journalPath, os.O_WRONLY|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("write %s: %w; check the folder's owner and permissions", s.journalPath, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s: close: %w", s.journalPath, cerr)
		}
	}()
	if j.whole != j.size {
		if err := f.Truncate(j.whole); err != nil {
			return fmt.Errorf("write %s: cut off a damaged last line: %w", s.journalPath, err)
		}
	}
	if _, err := f.WriteAt(line, j.whole); err != nil {
		return fmt.Errorf("write %s: %w; check free disk space", s.journalPath, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: flush to disk: %w", s.journalPath, err)
	}
	if created {
		return syncDir(s.dir)
	}
	return nil
}

// dropJournal removes the journal once connectors.json holds what it said.
// A removal lost to a crash leaves lines that set again what was folded.
func (s *Store) dropJournal() {
	_ = os.Remove(s.journalPath)
}
