package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/internal/sanitize"
)

// ErrNotFound means no connector has the given name. It is wrapped with the name.
var ErrNotFound = errors.New("no such connector")

// ErrExists means another connector already has the name. It is wrapped with the name.
var ErrExists = errors.New("a connector with this name already exists")

// ErrSecretMissing means the connector exists but its secret is not where it
// should be (deleted from the keyring by hand, or a removal that stopped half-way).
var ErrSecretMissing = errors.New("the connector's secret is missing")

// ErrKeyringUnavailable means no system keyring answered in time or at all.
// The store never falls back to the file backend on its own; the front end
// says how to choose it. It is a *KeyringError's Kind.
var ErrKeyringUnavailable = errors.New("no system keyring is available")

// ErrSecretTooBig means the keyring refused a secret as too big (go-keyring's
// ErrSetDataTooBig: over 2,560 bytes on Windows, a command line over 4 KB on
// macOS). It is a *KeyringError's Kind.
var ErrSecretTooBig = errors.New("the keyring refused the secret as too big")

// ErrKeyringTimeout is a *KeyringError's Err when the keyring did not answer
// within the keyring timeout (it hangs rather than fails on WSL and headless Linux).
var ErrKeyringTimeout = errors.New("no answer")

// ErrNewerVersion is wrapped by the *CorruptError returned for a file written by a
// newer mdeconnect, so callers can tell "upgrade" apart from "damaged".
var ErrNewerVersion = errors.New("written by a newer mdeconnect")

// ErrLockTimeout means another process held the store's lock for too long.
var ErrLockTimeout = errors.New("timed out waiting for the connector store lock")

// ValidationError says why a connector or secret was refused. Nothing was saved.
type ValidationError struct {
	Field  string // what was wrong: "name", "customer name", "mapping mode", "mappings", "secret", ...
	Reason string // why; any value it shows is quoted and sanitised
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// KeyringError is a keyring call that failed. errors.Is finds its Kind
// (ErrKeyringUnavailable or ErrSecretTooBig) and its cause (Err: the keyring's
// own error, or ErrKeyringTimeout); errors.As finds the *KeyringError. Its text
// states the facts; which flag or setting to use instead is the front end's to say.
type KeyringError struct {
	Op        string // what the store was doing: "read", "save", "delete" or "check"
	Connector string // whose secret; "" when only checking the keyring answers
	Kind      error  // ErrKeyringUnavailable or ErrSecretTooBig
	Err       error  // why: the keyring's error, or one wrapping ErrKeyringTimeout
}

func (e *KeyringError) Error() string {
	what := fmt.Sprintf("%s the secret of connector %s", e.Op, sanitize.Quote(e.Connector))
	if e.Connector == "" {
		what = e.Op + " the system keyring"
	}
	if errors.Is(e.Kind, ErrKeyringUnavailable) {
		return fmt.Sprintf("%s: %v (%v); this is common on WSL and on Linux without a desktop session: unlock or start your keyring", what, e.Kind, e.Err)
	}
	return fmt.Sprintf("%s: %v (%v)", what, e.Kind, e.Err)
}

// Unwrap gives errors.Is and errors.As both the kind and the cause.
func (e *KeyringError) Unwrap() []error { return []error{e.Kind, e.Err} }

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
		fmt.Fprintf(&b, "A backup of the last good version, which loads, is at %s", e.Backup)
	} else {
		b.WriteString("There is no backup: fix the file by hand, or move it aside to start again with an empty store")
	}
	return b.String()
}

func (e *CorruptError) Unwrap() error { return e.Err }

func lockTimeoutError(path string, timeout time.Duration) error {
	return fmt.Errorf("%w: another mdeconnect held %s for more than %s; let it finish (or close it) and try again", ErrLockTimeout, path, timeout)
}
