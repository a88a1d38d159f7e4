package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// EnvSecretStore chooses where secrets are kept: auto, keyring or file.
const EnvSecretStore = "MDECONNECT_SECRET_STORE"

// openStore opens the connector store with the backend the user chose
// (flag, then environment, then auto).
func (a *app) openStore(backendFlag string) (*store.Store, error) {
	dir, err := store.DefaultDir(a.getenv)
	if err != nil {
		return nil, err
	}
	b := backendFlag
	if b == "" {
		b = a.getenv(EnvSecretStore)
	}
	backend := store.Backend(strings.ToLower(b))
	switch backend {
	case "":
		backend = store.BackendAuto
	case store.BackendAuto, store.BackendKeyring, store.BackendFile:
	default:
		return nil, usagef("unknown secret store %q: choose auto, keyring or file (--secret-store or %s)", b, EnvSecretStore)
	}
	st, err := store.Open(store.Options{Dir: dir, SecretBackend: backend, Keyring: a.keyring, Now: a.now})
	if err == nil && !a.storeWarned {
		a.storeWarned = true
		for _, w := range st.Warnings() {
			fmt.Fprintf(a.errOut, "%s %s\n", warnStyle.Render("Warning:"), safe(w.String()))
		}
	}
	return st, err
}

// loadConnector opens the store and finds the connector called name.
func (a *app) loadConnector(name string) (*store.Store, store.Connector, error) {
	st, err := a.openStore("")
	if err != nil {
		return nil, store.Connector{}, err
	}
	c, err := st.Get(name)
	if err != nil {
		return nil, store.Connector{}, storeError(err)
	}
	return st, c, nil
}

// loadConnectors opens the store and lists every connector.
func (a *app) loadConnectors() (*store.Store, []store.Connector, error) {
	st, err := a.openStore("")
	if err != nil {
		return nil, nil, err
	}
	list, err := st.List()
	return st, list, err
}

// withFileFallback runs save; when no keyring answers and the user is at a
// terminal, it asks before keeping the secret in a 0600 file instead. Never
// a silent downgrade.
func (a *app) withFileFallback(ctx context.Context, st *store.Store, save func(*store.Store) error) error {
	err := save(st)
	if !errors.Is(err, store.ErrKeyringUnavailable) {
		return err
	}
	secrets := filepath.Join(filepath.Dir(st.Path()), "secrets.json")
	err = fmt.Errorf("%w; or, to keep the secret in %s (readable only by you), pass --secret-store file or set %s=file", err, secrets, EnvSecretStore)
	if !a.canPrompt() {
		return err
	}
	yes, cerr := a.prompter().confirm(ctx, fmt.Sprintf("No system keyring answered. Keep the client secret in a file only you can read (mode 0600, next to %s)?", st.Path()))
	if cerr != nil {
		return cerr
	}
	if !yes {
		return err
	}
	fileStore, ferr := a.openStore(string(store.BackendFile))
	if ferr != nil {
		return ferr
	}
	return save(fileStore)
}

// connectorCloud is the cloud a saved connector talks to: its preset, its
// saved endpoints, then the MDECONNECT_*_URL environment on top.
func (a *app) connectorCloud(c store.Connector) (defender.Cloud, error) {
	cloud, err := defender.LookupCloud(c.Cloud)
	if err != nil {
		return cloud, fmt.Errorf("connector %q: %w", c.Name, err)
	}
	if cloud, err = cloud.Overrides(c.Endpoints.LoginURL, c.Endpoints.APIURL, c.Endpoints.GraphURL); err != nil {
		return cloud, fmt.Errorf("connector %q: %w", c.Name, err)
	}
	if cloud, err = cloud.FromEnv(a.getenv); err != nil {
		return cloud, usageError{msg: err.Error()}
	}
	return cloud, nil
}

// storeError explains store failures that need more than their message.
func storeError(err error) error {
	var ve *store.ValidationError
	switch {
	case errors.As(err, &ve):
		return usageError{msg: ve.Error()}
	case errors.Is(err, store.ErrNotFound):
		return usageError{msg: err.Error() + ": `mdeconnect list` shows the saved connectors"}
	case errors.Is(err, store.ErrExists):
		return usageError{msg: err.Error() + ": choose another --name, or change the existing one with `mdeconnect edit`"}
	}
	return err
}
