package store

import (
	"errors"
	"fmt"

	"github.com/paratira/mdeconnect/internal/sanitize"
)

// Add saves a new connector and its secret. The secret goes to the keyring
// unless the user chose the file backend; c.SecretStore, CreatedAt and UpdatedAt
// are set by the store. It returns *ValidationError for an unsavable connector
// or an empty secret, and an error wrapping ErrExists if the name is taken
// (names are compared ignoring case).
func (s *Store) Add(c Connector, secret string) error {
	c = c.normalize()
	if err := c.validate(); err != nil {
		return err
	}
	if err := validateSecret(secret); err != nil {
		return err
	}
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	c.SecretStore = s.chooseBackend("")
	c = c.clone()
	return s.mutate(func(t *txn) error {
		if i := t.doc.conflict(c.Name, -1); i >= 0 {
			return exists(c.Name, t.doc.Connectors[i].Name)
		}
		at := slot{c.SecretStore, c.Name}
		if err := s.placeSecret(t, at, at, secret); err != nil {
			return err
		}
		t.doc.Connectors = append(t.doc.Connectors, c)
		return nil
	})
}

// Update changes the connector named name through fn, which gets a copy to edit.
// Renaming is allowed and moves the secret with it. Changes to SecretStore and
// CreatedAt are ignored; UpdatedAt is set. If fn returns an error nothing changes.
func (s *Store) Update(name string, fn func(*Connector) error) error {
	return s.mutate(func(t *txn) error {
		i := t.doc.find(name)
		if i < 0 {
			return notFound(name)
		}
		old := t.doc.Connectors[i]
		c := old.clone()
		if err := fn(&c); err != nil {
			return err
		}
		c = c.normalize()
		c.SecretStore, c.CreatedAt, c.UpdatedAt = old.SecretStore, old.CreatedAt, s.now().UTC()
		if err := c.validate(); err != nil {
			return err
		}
		if j := t.doc.conflict(c.Name, i); j >= 0 {
			return exists(c.Name, t.doc.Connectors[j].Name)
		}
		if c.Name != old.Name {
			if err := s.moveSecret(t, old, c.Name); err != nil {
				return err
			}
		}
		t.doc.Connectors[i] = c.clone()
		return nil
	})
}

// moveSecret is the secret half of a rename.
func (s *Store) moveSecret(t *txn, old Connector, newName string) error {
	from := slot{old.SecretStore, old.Name}
	secret, err := s.getSecret(from)
	if err != nil {
		return fmt.Errorf("rename connector %s: %w", sanitize.Quote(old.Name), err)
	}
	to := slot{old.SecretStore, newName}
	return s.placeSecret(t, from, to, secret)
}

// Remove deletes the connector named name and its secret. If the secret cannot
// be deleted (keyring unavailable) the connector is kept, so no secret is
// ever left behind without a connector pointing at it.
func (s *Store) Remove(name string) error {
	return s.mutate(func(t *txn) error {
		i := t.doc.find(name)
		if i < 0 {
			return notFound(name)
		}
		c := t.doc.Connectors[i]
		at := slot{c.SecretStore, c.Name}
		secret, err := s.getSecret(at)
		if err != nil && !errors.Is(err, ErrSecretMissing) {
			return fmt.Errorf("remove connector %s: %w", sanitize.Quote(name), err)
		}
		if err == nil {
			t.onAbort(func() error { return s.putSecret(at, secret) })
		}
		if err := s.deleteSecret(at); err != nil {
			return fmt.Errorf("remove connector %s: %w", sanitize.Quote(name), err)
		}
		t.doc.Connectors = append(t.doc.Connectors[:i], t.doc.Connectors[i+1:]...)
		return nil
	})
}

// RecordValidation saves v as the last validation of the connector named name.
// The roles and free text of v are bounded first (see TenantValidation).
func (s *Store) RecordValidation(name string, v Validation) error {
	v = v.clone()
	v.bound()
	if ok, err := s.recordOne(name, v); ok {
		return err
	}
	return s.mutate(func(t *txn) error {
		i := t.doc.find(name)
		if i < 0 {
			return notFound(name)
		}
		t.doc.Connectors[i].LastValidation = &v
		return nil
	})
}

func exists(name, taken string) error {
	if name == taken {
		return fmt.Errorf("connector %s: %w; choose another name or update the existing one", sanitize.Quote(name), ErrExists)
	}
	return fmt.Errorf("connector %s: %w (%s; names differ only in case); choose another name", sanitize.Quote(name), ErrExists, sanitize.Quote(taken))
}
