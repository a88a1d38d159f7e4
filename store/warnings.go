package store

import (
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// WarningKind names what a Warning is about.
type WarningKind string

// The warnings Store.Warnings gives.
const (
	// FolderShared: other users can read or change the store's folder, so
	// they can see which tenants are connected, and may replace its files.
	FolderShared WarningKind = "folder-shared"
	// SecretsShared: other users can read or change secrets.json, which holds
	// client secrets in clear.
	SecretsShared WarningKind = "secrets-shared"
)

// Warning is something about the store's files its user should know. The
// store works anyway and changes nothing: whose folder and which mode is the
// user's decision, so the front end shows it (and may say how to fix it).
type Warning struct {
	Kind WarningKind
	Path string      // the folder or file
	Mode fs.FileMode // its permission bits
}

func (w Warning) String() string {
	others := "other users can read it"
	if w.Mode&0o022 != 0 {
		others = "other users can change it"
	}
	switch w.Kind {
	case FolderShared:
		return fmt.Sprintf("the connector store folder %s has mode %04o: %s", w.Path, w.Mode, others)
	case SecretsShared:
		return fmt.Sprintf("%s, which holds client secrets, has mode %04o: %s", w.Path, w.Mode, others)
	}
	return fmt.Sprintf("%s has mode %04o: %s", w.Path, w.Mode, others)
}

// Warnings looks at the store's folder and secrets.json (following symbolic
// links, as every operation does) and reports those other users can use. It
// writes nothing. On Windows, where mode bits say nothing of access, it
// reports nothing.
func (s *Store) Warnings() []Warning {
	if runtime.GOOS == "windows" {
		return nil
	}
	var out []Warning
	for _, f := range []struct {
		path string
		kind WarningKind
	}{{s.dir, FolderShared}, {s.secretsPath, SecretsShared}} {
		info, err := os.Stat(f.path)
		if err != nil || info.Mode().Perm()&0o077 == 0 {
			continue
		}
		out = append(out, Warning{Kind: f.kind, Path: f.path, Mode: info.Mode().Perm()})
	}
	return out
}
