package store

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/internal/sanitize"
)

// Secrets returns the secrets of cs, connectors as List returned them: the
// file of secrets is read once for all that keep theirs there, and the
// keyring asked once for each of the others. `test --all` over 2,000
// connectors read connectors.json and secrets.json 2,000 times each through
// Secret (issue 15). A connector whose secret cannot be read has, in errs
// under its name, the error Secret would have given.
func (s *Store) Secrets(cs []Connector) (secrets map[string]string, errs map[string]error) {
	secrets, errs = make(map[string]string, len(cs)), map[string]error{}
	var file *secretsDoc
	var fileErr error
	for _, c := range cs {
		at := slot{c.SecretStore, c.Name}
		if at.backend != BackendFile {
			if v, err := s.getSecret(at); err != nil {
				errs[c.Name] = err
			} else {
				secrets[c.Name] = v
			}
			continue
		}
		if file == nil && fileErr == nil {
			doc, err := s.readSecrets()
			file, fileErr = &doc, err
		}
		v, ok := file.Secrets[at.name]
		switch {
		case fileErr != nil:
			errs[c.Name] = fileErr
		case !ok:
			errs[c.Name] = s.missing(at)
		default:
			secrets[c.Name] = v
		}
	}
	return secrets, errs
}

// RecordValidations saves each validation as the last of the connector
// named by its key, in one change: connectors.json is written once, with
// one fsync, however many connectors a run tested (`test --all` wrote it
// twice per connector: 16 GB for 2,000). The roles and free text of each are
// bounded first (see TenantValidation). A name no connector has any more
// (removed while the run went on) is skipped and named in the error, which
// wraps ErrNotFound; the others are saved.
func (s *Store) RecordValidations(vs map[string]Validation) error {
	if len(vs) == 0 {
		return nil
	}
	bounded := make(map[string]Validation, len(vs))
	for name, v := range vs {
		v = v.clone()
		v.bound()
		bounded[name] = v
	}
	if gone, ok, err := s.recordMany(bounded); ok {
		if err != nil {
			return err
		}
		if len(gone) > 0 {
			for i, name := range gone {
				gone[i] = sanitize.Quote(name)
			}
			slices.Sort(gone)
			return errNotRecorded(gone)
		}
		return nil
	}
	var gone []string
	err := s.mutate(func(t *txn) error {
		gone = gone[:0]
		at := make(map[string]int, len(t.doc.Connectors))
		for i, c := range t.doc.Connectors {
			at[c.Name] = i
		}
		for name, v := range bounded {
			i, ok := at[name]
			if !ok {
				gone = append(gone, sanitize.Quote(name))
				continue
			}
			t.doc.Connectors[i].LastValidation = &v
		}
		if len(gone) == len(bounded) && len(gone) > 0 {
			return errNotRecorded(gone)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(gone) > 0 {
		return errNotRecorded(gone)
	}
	return nil
}

func errNotRecorded(names []string) error {
	return fmt.Errorf("connector %s: %w; its result was not recorded", strings.Join(names, ", "), ErrNotFound)
}
