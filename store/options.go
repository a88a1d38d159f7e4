package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zalando/go-keyring"
)

// Backend names where secrets are kept.
type Backend string

// The secret backends. A connector's SecretStore is always BackendKeyring or BackendFile.
const (
	// BackendAuto uses the keyring for new secrets and keeps existing secrets where
	// they are. It never falls back to the file.
	BackendAuto Backend = "auto"
	// BackendKeyring keeps secrets in the system keyring; SetSecret moves a secret there.
	BackendKeyring Backend = "keyring"
	// BackendFile keeps secrets in secrets.json (mode 0600) next to the connectors;
	// SetSecret moves a secret there. Only used when the user chose it.
	BackendFile Backend = "file"
)

// Keyring is the part of a system keyring the store uses. Get returns
// keyring.ErrNotFound (from github.com/zalando/go-keyring) when there is no secret.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// Options configures Open. Only Dir is required.
type Options struct {
	// Dir is the store's own folder. The first change creates it, mode 0700;
	// an existing folder keeps its mode. Callers fill it with DefaultDir.
	Dir string
	// SecretBackend is "auto" (the default when empty), "keyring" or "file".
	SecretBackend Backend
	// Keyring defaults to the system keyring through go-keyring.
	Keyring Keyring
	// KeyringTimeout bounds every keyring call (default 3s); keyrings hang on WSL
	// and headless Linux.
	KeyringTimeout time.Duration
	// LockTimeout bounds the wait for another mdeconnect to finish (default 10s).
	LockTimeout time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
}

// KeyringService is the keyring service under which secrets are saved; the
// keyring user is the connector name.
const KeyringService = "mdeconnect"

const (
	dataFile    = "connectors.json"
	lockFile    = "connectors.lock"
	secretsFile = "secrets.json"
	backupExt   = ".bak"
	dirMode     = 0o700
	fileMode    = 0o600
)

// DefaultDir returns the folder for mdeconnect's data: MDECONNECT_CONFIG_DIR if
// set, else "mdeconnect" in the user's configuration folder.
func DefaultDir(getenv func(string) string) (string, error) {
	if dir := getenv("MDECONNECT_CONFIG_DIR"); dir != "" {
		return dir, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the user configuration folder (%w), and MDECONNECT_CONFIG_DIR is not set", err)
	}
	return filepath.Join(base, "mdeconnect"), nil
}

// goKeyring is the system keyring.
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Set(service, user, pw string) error       { return keyring.Set(service, user, pw) }
func (goKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// withDefaults validates o and fills what was left empty.
func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, fmt.Errorf("open connector store: no folder given (Options.Dir is empty)")
	}
	switch o.SecretBackend {
	case "":
		o.SecretBackend = BackendAuto
	case BackendAuto, BackendKeyring, BackendFile:
	default:
		return o, fmt.Errorf("open connector store: unknown secret store %q; use %q, %q or %q", o.SecretBackend, BackendAuto, BackendKeyring, BackendFile)
	}
	if o.Keyring == nil {
		o.Keyring = goKeyring{}
	}
	if o.KeyringTimeout <= 0 {
		o.KeyringTimeout = 3 * time.Second
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}
