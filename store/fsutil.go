package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// writeAtomic replaces path with data so that a reader, or a crash, sees either
// the old or the new content: temp file in the same folder, fsync, rename,
// fsync the folder. The file is 0600 whatever the umask.
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: create temporary file: %w; check the folder exists and is writable", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(fileMode); err != nil {
		return fmt.Errorf("write %s: restrict permissions: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w; check free disk space", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: flush to disk: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: replace: %w", path, err)
	}
	return syncDir(dir)
}

// removeStaleTemps deletes the temporary files of saves that were killed
// before their rename: secrets.json's hold a client secret. Every save runs
// under the lock, so with the lock held no temporary file is in use.
func removeStaleTemps(dir string) {
	for _, name := range []string{dataFile, dataFile + backupExt, secretsFile, pendingFile} {
		left, _ := filepath.Glob(filepath.Join(dir, "."+name+".tmp-*"))
		for _, p := range left {
			_ = os.Remove(p)
		}
	}
}

// readOptional returns the content of path, or nil if it does not exist.
func readOptional(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w; check the file's owner and permissions", path, err)
	}
	if raw == nil {
		raw = []byte{}
	}
	return raw, nil
}

// ensureDir creates dir, mode 0700, if it does not exist. An existing folder
// is left as it is: its mode is the user's choice (Warnings reports one others
// can use), and through a symbolic link it may be any folder at all.
func ensureDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), dirMode); err != nil {
		return fmt.Errorf("create the folder of the connector store %s: %w", dir, err)
	}
	err := os.Mkdir(dir, dirMode)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create connector store folder %s: %w", dir, err)
	}
	// Just created, so ours to restrict: the umask may have taken bits away.
	if err := os.Chmod(dir, dirMode); err != nil {
		return fmt.Errorf("restrict connector store folder %s to its owner: %w", dir, err)
	}
	return nil
}

// WriteFileAtomic writes data to path as the store writes its own files:
// a 0600 temporary file in the same folder, flushed, then renamed over path.
// A symbolic link at path is replaced, never followed, and a failed write
// (a full disk) leaves the previous file whole. Support reports use it.
func WriteFileAtomic(path string, data []byte) error { return writeAtomic(path, data) }
