package store

import (
	"errors"
	"fmt"
	"os"
)

// RestoreBackup replaces a damaged or missing connectors.json with
// connectors.json.bak, after checking the backup parses. The damaged file is
// kept as connectors.json.corrupt-<timestamp>. It refuses to run when the
// current file is healthy, since that would silently undo the last change.
func (s *Store) RestoreBackup() error {
	if err := ensureDir(s.dir); err != nil {
		return err
	}
	unlock, err := lock(s.lockPath, s.lockTimeout)
	if err != nil {
		return err
	}
	defer unlock()
	bak, err := readOptional(s.backupPath)
	if err != nil {
		return fmt.Errorf("restore connector store: %w", err)
	}
	if bak == nil {
		return fmt.Errorf("restore connector store: there is no backup at %s; move the damaged file aside to start again with an empty store", s.backupPath)
	}
	if _, err := decode(bak); err != nil {
		return fmt.Errorf("restore connector store: the backup %s is damaged too (%w); fix one of the files by hand or move both aside", s.backupPath, err)
	}
	_, _, err = s.load()
	var corrupt *CorruptError
	switch {
	case err == nil:
		if _, statErr := os.Stat(s.path); statErr == nil {
			return fmt.Errorf("restore connector store: %s is healthy, nothing to restore; to go back to the previous version, move it aside first", s.path)
		}
	case errors.As(err, &corrupt):
		aside := fmt.Sprintf("%s.corrupt-%s", s.path, s.now().UTC().Format("20060102T150405.000000000Z"))
		if err := os.Rename(s.path, aside); err != nil {
			return fmt.Errorf("restore connector store: keep the damaged file as %s: %w", aside, err)
		}
	default:
		return fmt.Errorf("restore connector store: %w", err)
	}
	if err := writeAtomic(s.path, bak); err != nil {
		return fmt.Errorf("restore connector store from %s: %w", s.backupPath, err)
	}
	return nil
}
