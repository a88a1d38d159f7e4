package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound means no connector has the given name. It is wrapped with the name.
var ErrNotFound = errors.New("no such connector")

// ErrExists means another connector already has the name. It is wrapped with the name.
var ErrExists = errors.New("a connector with this name already exists")

// ErrSecretMissing means the connector exists but its secret is not where it
// should be (deleted from the keyring by hand, or a removal that stopped half-way).
var ErrSecretMissing = errors.New("the connector's secret is missing")

// ErrKeyringUnavailable means no system keyring answered in time or at all. The
// wrapping error tells the user how to choose the file backend instead; the store
// never falls back to it on its own.
var ErrKeyringUnavailable = errors.New("no system keyring is available")

// ErrNewerVersion is wrapped by the *CorruptError returned for a file written by a
// newer mdeconnect, so callers can tell "upgrade" apart from "damaged".
var ErrNewerVersion = errors.New("written by a newer mdeconnect")

// ErrLockTimeout means another process held the store's lock for too long.
var ErrLockTimeout = errors.New("timed out waiting for the connector store lock")

// ValidationError says why a connector or secret was refused. Nothing was saved.
type ValidationError struct {
	Field  string // what was wrong: "name", "mapping mode", "mappings", "secret", ...
	Reason string // why, and what to do
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// CorruptError means a store file could not be parsed. The store never writes
// over such a file; every operation returns this error until it is repaired.
type CorruptError struct {
	Path   string // the damaged file
	Reason string // what is wrong with it
	Backup string // a parseable backup of the last good version, or "" if none
	Err    error  // the underlying cause, e.g. ErrNewerVersion or a JSON error
}

func (e *CorruptError) Error() string {
	var b strings.Builder
	if errors.Is(e.Err, ErrNewerVersion) {
		fmt.Fprintf(&b, "%s was %s (%s): upgrade mdeconnect to use it; it was left untouched", e.Path, ErrNewerVersion, e.Reason)
		return b.String()
	}
	fmt.Fprintf(&b, "%s is damaged and was left untouched: %s. ", e.Path, e.Reason)
	if e.Backup != "" {
		fmt.Fprintf(&b, "A backup of the last good version is at %s: mdeconnect can restore it with `mdeconnect store restore`, or move the damaged file aside", e.Backup)
	} else {
		b.WriteString("There is no backup: fix the file by hand, or move it aside to start again with an empty store")
	}
	return b.String()
}

func (e *CorruptError) Unwrap() error { return e.Err }

func lockTimeoutError(path string, timeout time.Duration) error {
	return fmt.Errorf("%w: another mdeconnect held %s for more than %s; let it finish (or close it) and try again", ErrLockTimeout, path, timeout)
}
