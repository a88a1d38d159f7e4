package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/paratira/mdeconnect/internal/sanitize"
)

// Store is an opened connector store. Its methods are safe to call from several
// goroutines and processes at once.
type Store struct {
	dir            string
	path           string
	backupPath     string
	lockPath       string
	secretsPath    string
	pendingPath    string
	journalPath    string
	backend        Backend
	keyring        Keyring
	keyringTimeout time.Duration
	lockTimeout    time.Duration
	now            func() time.Time
}

// Open prepares the store in opts.Dir. It reads and writes nothing yet: a
// damaged file is reported by the first operation, and the folder is created
// (mode 0700) by the first change, so reading needs no write access. An
// existing folder keeps its mode; Warnings says when others can use it.
func Open(opts Options) (*Store, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(opts.Dir, dataFile)
	return &Store{
		dir:            opts.Dir,
		path:           path,
		backupPath:     path + backupExt,
		lockPath:       filepath.Join(opts.Dir, lockFile),
		secretsPath:    filepath.Join(opts.Dir, secretsFile),
		pendingPath:    filepath.Join(opts.Dir, pendingFile),
		journalPath:    filepath.Join(opts.Dir, journalFile),
		backend:        opts.SecretBackend,
		keyring:        opts.Keyring,
		keyringTimeout: opts.KeyringTimeout,
		lockTimeout:    opts.LockTimeout,
		now:            opts.Now,
	}, nil
}

// Path returns the path of connectors.json.
func (s *Store) Path() string { return s.path }

// List returns every connector, sorted by name.
func (s *Store) List() ([]Connector, error) {
	_, doc, err := s.load()
	if err != nil {
		return nil, err
	}
	out := make([]Connector, 0, len(doc.Connectors))
	for _, c := range doc.Connectors {
		out = append(out, c.clone())
	}
	return out, nil
}

// Get returns the connector named name, or an error wrapping ErrNotFound.
// It reads that connector alone when the file is in the store's own form
// (see getOne); damage elsewhere in the file is then reported by the next
// List or change.
func (s *Store) Get(name string) (Connector, error) {
	if c, ok, err := s.getOne(name); ok {
		return c, err
	}
	_, doc, err := s.load()
	if err != nil {
		return Connector{}, err
	}
	i := doc.find(name)
	if i < 0 {
		return Connector{}, notFound(name)
	}
	return doc.Connectors[i].clone(), nil
}

func notFound(name string) error {
	return fmt.Errorf("connector %s: %w", sanitize.Quote(name), ErrNotFound)
}

// load reads connectors.json and applies the journal of tests. A missing
// file is an empty store (raw is nil); a file that does not parse is a
// *CorruptError. The journal is read first: a fold that lands between the
// two reads then only sets again what connectors.json already holds.
func (s *Store) load() (raw []byte, doc document, err error) {
	j, err := s.readJournal()
	if err != nil {
		return nil, document{}, err
	}
	raw, err = readOptional(s.path)
	if err != nil || raw == nil {
		return nil, document{Version: currentVersion}, err
	}
	doc, err = decode(raw)
	if err != nil {
		return nil, document{}, s.corrupt(s.path, err)
	}
	j.apply(&doc)
	return raw, doc, nil
}

// corrupt builds the error for a damaged data file, pointing at the backup
// only if the backup itself parses.
func (s *Store) corrupt(path string, cause error) *CorruptError {
	e := &CorruptError{Path: path, Reason: cause.Error(), Err: cause}
	if path != s.path {
		return e
	}
	if bak, err := readOptional(s.backupPath); err == nil && bak != nil {
		if _, err := decode(bak); err == nil {
			e.Backup = s.backupPath
		}
	}
	return e
}

// txn is one locked load-modify-save. undo holds the compensations for
// secrets changed in place, in case the change is not saved; pending holds the
// places noted in secrets.pending.json (this change's and any a killed change
// left), which collect clears once connectors.json says who uses them.
type txn struct {
	doc             document
	undo            []func() error
	pending, noted  []slot
	noteDamaged     bool // the note on disk is not what noted says
	keyringAnswered bool // a keyring call of this change got an answer
}

func (t *txn) onAbort(f func() error) { t.undo = append(t.undo, f) }

// answered records that a call about at got an answer from the keyring.
func (t *txn) answered(at slot) {
	if at.backend == BackendKeyring {
		t.keyringAnswered = true
	}
}

// mutate runs fn on the current document under the lock and saves the result,
// keeping the previous file as the backup. If fn or the save fails, nothing is
// written and fn's side effects are undone, still under the lock. Either way,
// secrets left at noted places that no connector uses are then deleted.
func (s *Store) mutate(fn func(*txn) error) error {
	if err := ensureDir(s.dir); err != nil {
		return err
	}
	unlock, err := lock(s.lockPath, s.lockTimeout)
	if err != nil {
		return err
	}
	defer unlock()
	removeStaleTemps(s.dir)
	raw, doc, err := s.load()
	if err != nil {
		return err
	}
	pending, damaged := s.readPending()
	t := &txn{doc: doc.clone(), pending: pending, noted: pending, noteDamaged: damaged}
	if err = fn(t); err == nil {
		err = s.save(raw, t.doc)
	}
	if err == nil {
		s.dropJournal() // what it held is in the file just written
		s.collect(t, t.doc)
		return nil
	}
	for i := len(t.undo) - 1; i >= 0; i-- {
		if uerr := t.undo[i](); uerr != nil {
			err = errors.Join(err, fmt.Errorf("could not undo a change to a secret: %w", uerr))
		}
	}
	s.collect(t, doc)
	return err
}

// save writes doc, first keeping prev (the last good file) as the backup.
func (s *Store) save(prev []byte, doc document) error {
	out, err := encode(doc)
	if err != nil {
		return err
	}
	return s.saveBytes(prev, out)
}

// saveBytes writes out as connectors.json, first keeping prev as the backup.
func (s *Store) saveBytes(prev, out []byte) error {
	if prev != nil {
		if err := s.keepBackup(prev); err != nil {
			return fmt.Errorf("back up the connector store before changing it: %w", err)
		}
	}
	return writeAtomic(s.path, out)
}

// keepBackup makes the current file, whose content is prev, the backup.
// It links the file rather than copying it: its bytes reached the disk when
// it was saved, so the backup costs no write and no fsync of its own (a
// save is one fsync of data, not two); the new name is made durable by the
// folder sync of the save that follows. Where the file system has no hard
// links, the backup is written out as a copy.
func (s *Store) keepBackup(prev []byte) error {
	tmp := filepath.Join(s.dir, "."+filepath.Base(s.backupPath)+".tmp-link")
	_ = os.Remove(tmp)
	if err := os.Link(s.path, tmp); err != nil {
		return writeAtomic(s.backupPath, prev)
	}
	if fi, err := os.Lstat(tmp); err != nil || fi.Mode().Perm() != fileMode {
		// A file others could read (made by hand, or by an old version):
		// the backup is a copy of its own, 0600, as every file written is.
		_ = os.Remove(tmp)
		return writeAtomic(s.backupPath, prev)
	}
	err := os.Rename(tmp, s.backupPath)
	// rename(2) does nothing when both names are links to one file (the
	// backup already is this file, a save having been killed after making
	// it): the temporary name is then still there.
	_ = os.Remove(tmp)
	if err != nil {
		return fmt.Errorf("write %s: replace: %w", s.backupPath, err)
	}
	return nil
}
