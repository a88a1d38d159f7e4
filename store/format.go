package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/paratira/mdeconnect/internal/sanitize"
)

// currentVersion is the format version this mdeconnect writes. Any change to the
// shape of connectors.json, even a new optional field, bumps it and adds a step:
// older versions then refuse the file instead of silently dropping the field.
//
// Version 2 added other_roles to a tenant's validation (granted roles are
// bounded); a version 1 file is a valid version 2 file.
const currentVersion = 2

// document is the content of connectors.json.
type document struct {
	Version    int         `json:"version"`
	Connectors []Connector `json:"connectors"`
}

// step upgrades raw JSON of version from to version from+1.
type step struct {
	from int
	run  func(raw []byte) ([]byte, error)
}

// steps is the migration table, in order.
func steps() []step {
	return []step{
		{from: 0, run: fromLegacyArray},
		{from: 1, run: setVersion(2)},
	}
}

// fromLegacyArray wraps version 0, a bare array of connectors, in a version 1
// document. Version 0 kept every secret in the keyring and did not say so.
func fromLegacyArray(raw []byte) ([]byte, error) {
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("legacy connector list: %w", err)
	}
	if list == nil {
		list = []map[string]json.RawMessage{}
	}
	for i, c := range list {
		if c == nil {
			return nil, fmt.Errorf("legacy connector %d is null", i+1)
		}
		if _, ok := c["secret_store"]; !ok {
			c["secret_store"] = json.RawMessage(`"keyring"`)
		}
	}
	return json.Marshal(struct {
		Version    int                          `json:"version"`
		Connectors []map[string]json.RawMessage `json:"connectors"`
	}{1, list})
}

// setVersion is the step for a version that only added optional fields.
func setVersion(to int) func([]byte) ([]byte, error) {
	return func(raw []byte) ([]byte, error) {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, err
		}
		doc["version"] = json.RawMessage(strconv.Itoa(to))
		return json.Marshal(doc)
	}
}

// versionOf reads the format version: 0 for a bare array, else the version field.
func versionOf(raw []byte) (int, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return 0, errors.New("the file is empty (truncated?)")
	}
	if trimmed[0] == '[' {
		return 0, nil
	}
	var probe struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(trimmed, &probe); err != nil {
		return 0, fmt.Errorf("not valid JSON: %w", err)
	}
	if probe.Version == nil {
		return 0, errors.New(`it has no "version" field`)
	}
	if *probe.Version < 1 {
		return 0, fmt.Errorf("format version %d is not valid", *probe.Version)
	}
	return *probe.Version, nil
}

// migrate brings raw up to currentVersion, one step at a time.
func migrate(raw []byte) ([]byte, error) {
	version, err := versionOf(raw)
	if err != nil {
		return nil, err
	}
	if version > currentVersion {
		return nil, fmt.Errorf("%w: format version %d, this mdeconnect reads up to %d", ErrNewerVersion, version, currentVersion)
	}
	for _, s := range steps() {
		if s.from != version {
			continue
		}
		if raw, err = s.run(raw); err != nil {
			return nil, fmt.Errorf("upgrade from format version %d: %w", version, err)
		}
		version++
	}
	if version != currentVersion {
		return nil, fmt.Errorf("no upgrade path from format version %d", version)
	}
	return raw, nil
}

// decode parses connectors.json of any known version and checks it is coherent.
func decode(raw []byte) (document, error) {
	// A current file, the usual case, needs one parse; probing its version
	// first parsed it twice, which `list` of 1,000 connectors paid for.
	// Anything else takes the migration path, whose errors are the ones to report.
	doc, err := decodeCurrent(raw)
	if err != nil || doc.Version != currentVersion {
		if raw, err = migrate(raw); err != nil {
			return document{}, err
		}
		if doc, err = decodeCurrent(raw); err != nil {
			return document{}, err
		}
	}
	if err := doc.check(); err != nil {
		return document{}, err
	}
	for _, c := range doc.Connectors {
		if c.LastValidation != nil {
			c.LastValidation.bound()
		}
	}
	return doc, nil
}

// decodeCurrent parses raw as a document of the current version's shape.
func decodeCurrent(raw []byte) (document, error) {
	var doc document
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return document{}, fmt.Errorf("not a valid connector list: %w", err)
	}
	if dec.More() {
		return document{}, errors.New("unexpected data after the connector list")
	}
	return doc, nil
}

// check refuses documents the store could not have written.
func (d document) check() error {
	seen := make(map[string]bool, len(d.Connectors))
	for i, c := range d.Connectors {
		if err := c.validate(); err != nil {
			return fmt.Errorf("connector %d (%s): %w", i+1, sanitize.Quote(c.Name), err)
		}
		if c.SecretStore != BackendKeyring && c.SecretStore != BackendFile {
			return fmt.Errorf("connector %s: unknown secret_store %s", sanitize.Quote(c.Name), sanitize.Quote(string(c.SecretStore)))
		}
		key := strings.ToLower(c.Name)
		if seen[key] {
			return fmt.Errorf("connector name %s appears twice", sanitize.Quote(c.Name))
		}
		seen[key] = true
	}
	return nil
}

// encode writes d as version currentVersion, connectors sorted by name.
func encode(d document) ([]byte, error) {
	d.Version = currentVersion
	if d.Connectors == nil {
		d.Connectors = []Connector{}
	}
	sort.SliceStable(d.Connectors, func(i, j int) bool { return d.Connectors[i].Name < d.Connectors[j].Name })
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode connectors: %w", err)
	}
	return append(out, '\n'), nil
}

// clone copies the list, so a change can replace or drop connectors while
// the loaded document stays as it was.
func (d document) clone() document {
	d.Connectors = slices.Clone(d.Connectors)
	return d
}

// find returns the index of the connector named name, or -1.
func (d *document) find(name string) int {
	for i, c := range d.Connectors {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// conflict returns the index of a connector other than skip whose name equals
// name ignoring case (keyrings such as Windows' compare names that way), or -1.
func (d *document) conflict(name string, skip int) int {
	for i, c := range d.Connectors {
		if i != skip && strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}
