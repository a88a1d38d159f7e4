package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// secretsVersion is the format version of secrets.json.
const secretsVersion = 1

// secretsDoc is the content of secrets.json, the file backend. It has no
// backup: a copy of a secret would be one more place to leak it from.
type secretsDoc struct {
	Version int               `json:"version"`
	Secrets map[string]string `json:"secrets"`
}

// readSecrets reads secrets.json; a missing file holds no secrets.
func (s *Store) readSecrets() (secretsDoc, error) {
	doc := secretsDoc{Version: secretsVersion, Secrets: map[string]string{}}
	raw, err := readOptional(s.secretsPath)
	if err != nil || raw == nil {
		return doc, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return doc, s.corrupt(s.secretsPath, secretsDecodeError(err))
	}
	if dec.More() {
		return doc, s.corrupt(s.secretsPath, fmt.Errorf("unexpected data after the secrets"))
	}
	if doc.Version > secretsVersion {
		return doc, s.corrupt(s.secretsPath, fmt.Errorf("%w: format version %d, this mdeconnect reads up to %d", ErrNewerVersion, doc.Version, secretsVersion))
	}
	if doc.Version != secretsVersion {
		return doc, s.corrupt(s.secretsPath, fmt.Errorf("format version %d is not valid", doc.Version))
	}
	if doc.Secrets == nil {
		doc.Secrets = map[string]string{}
	}
	return doc, nil
}

// writeSecrets must run under the lock.
func (s *Store) writeSecrets(doc secretsDoc) error {
	doc.Version = secretsVersion
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode secrets: %w", err)
	}
	return writeAtomic(s.secretsPath, append(out, '\n'))
}

// secretsDecodeError describes a decoding error without quoting the file, which
// holds secrets.
func secretsDecodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("not valid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Errorf("field %q has the wrong type", typ.Field)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errors.New("the file ends too early (truncated?)")
	default:
		return errors.New("not a valid secrets file")
	}
}
