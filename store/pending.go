package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// pendingFile notes the places a change is about to write a secret to (or move
// one from) before it writes anything. A change that is killed before
// connectors.json is saved leaves a secret no connector uses; a keyring cannot
// be listed, so without this note nothing could ever find it again.
const pendingFile = "secrets.pending.json"

// maxPending bounds what is read of the note: each slot may cost a keyring call.
const maxPending = 64

type pendingDoc struct {
	Version int           `json:"version"`
	Slots   []pendingSlot `json:"slots"`
}

// pendingSlot names a place, never a secret.
type pendingSlot struct {
	Store Backend `json:"secret_store"`
	Name  string  `json:"name"`
}

// readPending returns the noted places. A damaged or hostile note gives what
// it holds that is usable, and damaged is set so collect rewrites it: it is
// only a hint.
func (s *Store) readPending() (places []slot, damaged bool) {
	raw, err := readOptional(s.pendingPath)
	if err != nil || raw == nil {
		return nil, false
	}
	var doc pendingDoc
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if dec.Decode(&doc) != nil || doc.Version != 1 {
		return nil, true
	}
	for _, p := range doc.Slots {
		at := slot{p.Store, p.Name}
		known := p.Store == BackendKeyring || p.Store == BackendFile
		if !known || validateName(p.Name) != nil || slices.Contains(places, at) || len(places) == maxPending {
			damaged = true
			continue
		}
		places = append(places, at)
	}
	return places, damaged
}

// note records places before a secret is written there or moved from there.
func (s *Store) note(t *txn, places ...slot) error {
	n := len(t.pending)
	for _, at := range places {
		if !slices.Contains(t.pending, at) {
			t.pending = append(t.pending, at)
		}
	}
	if len(t.pending) == n {
		return nil
	}
	if err := s.writePending(t.pending); err != nil {
		return fmt.Errorf("note where the secret goes before saving it: %w", err)
	}
	t.noted, t.noteDamaged = t.pending, false
	return nil
}

func (s *Store) writePending(places []slot) error {
	if len(places) == 0 {
		if err := os.Remove(s.pendingPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	doc := pendingDoc{Version: 1}
	for _, at := range places {
		doc.Slots = append(doc.Slots, pendingSlot{at.backend, at.name})
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(s.pendingPath, append(out, '\n'))
}

// collect deletes the secrets at the noted places that no connector of doc
// uses (doc is what connectors.json now holds), and notes again what it could
// not delete. Keyring places are tried only when the keyring answered during
// this change: a keyring that hangs must not add its timeout to every change.
// It must run under the lock; it never fails the change it follows.
func (s *Store) collect(t *txn, doc document) {
	var keep, files []slot
	for _, at := range t.pending {
		switch {
		case doc.uses(at):
		case at.backend == BackendFile:
			files = append(files, at)
		case !t.keyringAnswered:
			keep = append(keep, at)
		default:
			if err := s.deleteSecret(at); err != nil {
				keep = append(keep, at)
				if errors.Is(err, ErrKeyringUnavailable) {
					t.keyringAnswered = false
				}
			}
		}
	}
	if len(files) > 0 && s.deleteFileSecrets(files) != nil {
		keep = append(keep, files...)
	}
	if slices.Equal(keep, t.noted) && !t.noteDamaged {
		return
	}
	if s.writePending(keep) == nil {
		t.noted, t.noteDamaged = keep, false
	}
}

// deleteFileSecrets removes several secrets from secrets.json in one write.
func (s *Store) deleteFileSecrets(places []slot) error {
	doc, err := s.readSecrets()
	if err != nil {
		return err
	}
	n := len(doc.Secrets)
	for _, at := range places {
		delete(doc.Secrets, at.name)
	}
	if len(doc.Secrets) == n {
		return nil
	}
	return s.writeSecrets(doc)
}

// uses reports whether a connector of d keeps its secret at at. Keyring names
// match ignoring case: on a keyring that ignores case, deleting "acme" would
// delete the secret of "ACME".
func (d *document) uses(at slot) bool {
	for _, c := range d.Connectors {
		if c.SecretStore != at.backend {
			continue
		}
		if c.Name == at.name || (at.backend == BackendKeyring && strings.EqualFold(c.Name, at.name)) {
			return true
		}
	}
	return false
}
