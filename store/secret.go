package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/internal/sanitize"
	"github.com/zalando/go-keyring"
)

// slot is one place a secret can live.
type slot struct {
	backend Backend
	name    string
}

// Secret returns the secret of the connector named name from wherever it lives.
func (s *Store) Secret(name string) (string, error) {
	c, err := s.Get(name)
	if err != nil {
		return "", err
	}
	return s.getSecret(slot{c.SecretStore, c.Name})
}

// SetSecret replaces the secret of the connector named name (rotation). With
// the "auto" backend the secret stays where it is; with "keyring" or "file" it
// moves there, and the connector records the move.
func (s *Store) SetSecret(name, secret string) error {
	if err := validateSecret(secret); err != nil {
		return err
	}
	return s.mutate(func(t *txn) error {
		i := t.doc.find(name)
		if i < 0 {
			return notFound(name)
		}
		c := &t.doc.Connectors[i]
		to := slot{s.chooseBackend(c.SecretStore), c.Name}
		if err := s.placeSecret(t, slot{c.SecretStore, c.Name}, to, secret); err != nil {
			return err
		}
		c.SecretStore = to.backend
		c.UpdatedAt = s.now().UTC()
		return nil
	})
}

// Where describes, for people, where the secret of c lives.
func (s *Store) Where(c Connector) string {
	switch c.SecretStore {
	case BackendKeyring:
		return fmt.Sprintf("the system keyring (service %q, account %s)", KeyringService, sanitize.Quote(c.Name))
	case BackendFile:
		return fmt.Sprintf("the file %s (readable only by you)", s.secretsPath)
	default:
		return "nowhere: no secret has been saved"
	}
}

// chooseBackend picks where a secret goes: the user's explicit choice, else
// where it already lives, else the keyring. Never the file unless chosen.
func (s *Store) chooseBackend(current Backend) Backend {
	if s.backend != BackendAuto {
		return s.backend
	}
	if current != "" {
		return current
	}
	return BackendKeyring
}

// placeSecret stores secret in to. When from is another place the secret
// moves: the old copy is left for collect to delete once the change is saved,
// so a change that is not saved still has its secret. Both places are noted
// in secrets.pending.json before anything is written, so a process killed
// before connectors.json is saved leaves nothing the next change cannot find.
func (s *Store) placeSecret(t *txn, from, to slot, secret string) error {
	prev, err := s.getSecret(from)
	missing := errors.Is(err, ErrSecretMissing)
	if err != nil && !missing {
		return err
	}
	t.answered(from)
	switch {
	case from == to && missing && !t.doc.uses(to):
		// A new connector's empty place (Add): noted, so collect deletes the
		// secret if the connector is not saved, now or after a kill.
		if err := s.note(t, to); err != nil {
			return err
		}
	case from == to:
		// Rotation in place, or an Add over a secret that was already there
		// (perhaps another store's, keyrings are shared): put back what was.
		t.onAbort(func() error {
			if missing {
				return s.deleteSecret(to)
			}
			return s.putSecret(from, prev)
		})
	case from.backend == BackendKeyring && to.backend == BackendKeyring && strings.EqualFold(from.name, to.name):
		// Some keyrings ignore case: "acme" and "ACME" may be one entry, so
		// the old name is deleted first, lest its deletion remove the new one.
		if err := s.note(t, to, from); err != nil {
			return err
		}
		t.onAbort(func() error {
			err := s.deleteSecret(to)
			if !missing {
				err = errors.Join(err, s.putSecret(from, prev))
			}
			return err
		})
		if err := s.deleteSecret(from); err != nil {
			return err
		}
	default:
		if err := s.note(t, to, from); err != nil {
			return err
		}
	}
	err = s.putSecret(to, secret)
	switch {
	case err == nil:
		t.answered(to)
	case errors.Is(err, ErrKeyringUnavailable):
		t.keyringAnswered = false // collect would wait for it again
	}
	return err
}

func (s *Store) getSecret(at slot) (string, error) {
	if at.backend == BackendFile {
		doc, err := s.readSecrets()
		if err != nil {
			return "", err
		}
		v, ok := doc.Secrets[at.name]
		if !ok {
			return "", s.missing(at)
		}
		return v, nil
	}
	return s.callKeyring("read", at, func() (string, error) { return s.keyring.Get(KeyringService, at.name) })
}

// putSecret must run under the lock: it may rewrite secrets.json.
func (s *Store) putSecret(at slot, secret string) error {
	if at.backend == BackendFile {
		doc, err := s.readSecrets()
		if err != nil {
			return err
		}
		doc.Secrets[at.name] = secret
		return s.writeSecrets(doc)
	}
	_, err := s.callKeyring("save", at, func() (string, error) { return "", s.keyring.Set(KeyringService, at.name, secret) })
	return err
}

// deleteSecret must run under the lock. A secret that is already gone is fine.
func (s *Store) deleteSecret(at slot) error {
	if at.backend == BackendFile {
		doc, err := s.readSecrets()
		if err != nil {
			return err
		}
		if _, ok := doc.Secrets[at.name]; !ok {
			return nil
		}
		delete(doc.Secrets, at.name)
		return s.writeSecrets(doc)
	}
	_, err := s.callKeyring("delete", at, func() (string, error) { return "", s.keyring.Delete(KeyringService, at.name) })
	if errors.Is(err, ErrSecretMissing) {
		return nil
	}
	return err
}

// callKeyring runs op in a goroutine and gives up after the keyring timeout:
// keyrings hang rather than fail on WSL and headless Linux. A hung call is
// abandoned; its goroutine ends whenever the keyring answers.
func (s *Store) callKeyring(verb string, at slot, op func() (string, error)) (string, error) {
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := op()
		done <- result{v, err}
	}()
	timer := time.NewTimer(s.keyringTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		switch {
		case r.err == nil:
			return r.v, nil
		case errors.Is(r.err, keyring.ErrNotFound):
			return "", s.missing(at)
		case errors.Is(r.err, keyring.ErrSetDataTooBig):
			return "", &KeyringError{Op: verb, Connector: at.name, Kind: ErrSecretTooBig, Err: r.err}
		default:
			return "", &KeyringError{Op: verb, Connector: at.name, Kind: ErrKeyringUnavailable, Err: r.err}
		}
	case <-timer.C:
		err := fmt.Errorf("%w within %s", ErrKeyringTimeout, s.keyringTimeout)
		return "", &KeyringError{Op: verb, Connector: at.name, Kind: ErrKeyringUnavailable, Err: err}
	}
}

func (s *Store) missing(at slot) error {
	return fmt.Errorf("connector %s: %w from %s; save the secret again (rotate it) to repair the connector",
		sanitize.Quote(at.name), ErrSecretMissing, s.Where(Connector{Name: at.name, SecretStore: at.backend}))
}

// KeyringAvailable asks the system keyring for an entry that does not exist,
// under the keyring timeout: nil means the keyring answers, so a secret can be
// kept there. Callers ask before a long interactive flow rather than after.
func (s *Store) KeyringAvailable() error {
	_, err := s.callKeyring("check", slot{name: "mdeconnect-probe", backend: BackendKeyring}, func() (string, error) {
		return s.keyring.Get(KeyringService, "mdeconnect-probe")
	})
	var ke *KeyringError
	switch {
	case err == nil || errors.Is(err, ErrSecretMissing):
		return nil
	case errors.As(err, &ke):
		ke.Connector = "" // the probe is no connector
	}
	return err
}
