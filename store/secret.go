package store

import (
	"errors"
	"fmt"
	"strings"
	"time"

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
		return fmt.Sprintf("the system keyring (service %q, account %q)", KeyringService, c.Name)
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

// placeSecret stores secret in to and clears from (when it is another place),
// registering an undo that puts things back if the change is not saved.
func (s *Store) placeSecret(t *txn, from, to slot, secret string) error {
	prev, err := s.getSecret(from)
	missing := errors.Is(err, ErrSecretMissing)
	if err != nil && !missing {
		return err
	}
	t.onAbort(func() error {
		err := s.deleteSecret(to)
		if !missing {
			err = errors.Join(err, s.putSecret(from, prev))
		}
		return err
	})
	steps := []func() error{
		func() error { return s.putSecret(to, secret) },
		func() error { return s.deleteSecret(from) },
	}
	switch {
	case from == to:
		steps = steps[:1]
	case from.backend == to.backend && strings.EqualFold(from.name, to.name):
		// Some keyrings ignore case: delete the old name first so the delete
		// does not remove the secret just written under the new one.
		steps[0], steps[1] = steps[1], steps[0]
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
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
			return "", fmt.Errorf("%s the secret of connector %q: the keyring refused it as too big (%w); pass --secret-store file to keep it in a file", verb, at.name, r.err)
		default:
			return "", s.unavailable(verb, at, r.err)
		}
	case <-timer.C:
		return "", s.unavailable(verb, at, fmt.Errorf("no answer within %s", s.keyringTimeout))
	}
}

func (s *Store) unavailable(verb string, at slot, cause error) error {
	// Facts only: each command adds what its user can do about it.
	return fmt.Errorf("%s the secret of connector %q: %w (%v); this is common on WSL and on Linux without a desktop session: unlock or start your keyring",
		verb, at.name, ErrKeyringUnavailable, cause)
}

func (s *Store) missing(at slot) error {
	return fmt.Errorf("connector %q: %w from %s; save the secret again (rotate it) to repair the connector",
		at.name, ErrSecretMissing, s.Where(Connector{Name: at.name, SecretStore: at.backend}))
}

// KeyringAvailable asks the system keyring for an entry that does not exist,
// under the keyring timeout: nil means the keyring answers, so a secret can be
// kept there. Callers ask before a long interactive flow rather than after.
func (s *Store) KeyringAvailable() error {
	_, err := s.callKeyring("check", slot{name: "mdeconnect-probe", backend: BackendKeyring}, func() (string, error) {
		return s.keyring.Get(KeyringService, "mdeconnect-probe")
	})
	if err == nil || errors.Is(err, ErrSecretMissing) {
		return nil
	}
	return err
}
