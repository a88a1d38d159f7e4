package connector

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paratira/mdeconnect/store"

	"github.com/paratira/mdeconnect/defender"
)

// ParseMappingsCSV reads "tenant,customer" rows; a header row is optional.
// It imports all rows or none, naming the first bad line.
func ParseMappingsCSV(r io.Reader) ([]store.Mapping, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	var out []store.Mapping
	headerSeen := false // only the first row may be a header
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvReadError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if !headerSeen {
			headerSeen = true
			if isHeader(rec) {
				continue
			}
		}
		mp, err := mappingFromRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if out, err = Add(out, mp); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the file holds no mappings: write one \"tenant,customer\" per line")
	}
	return out, nil
}

// csvReadError names the line of a row encoding/csv could not read (a stray
// quote, say); there is no record then, so FieldPos would panic.
func csvReadError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %w (column %d): quote a field that holds commas or quotes, and double any quote inside it", pe.StartLine, pe.Err, pe.Column)
	}
	return fmt.Errorf("reading the mappings: %w", err)
}

// headerWords are the first columns a header row may name. A first row is a
// header only when it says one of them: a row that merely mentions "tenant"
// (contosotenant.onmicrosoft.com) is data and must not be skipped.
var headerWords = map[string]bool{"tenant": true, "tenant id": true, "tenantid": true, "tenant domain": true,
	"domain": true, "directory id": true, "directoryid": true}

func isHeader(rec []string) bool {
	f := strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff")) // Excel writes a byte-order mark
	if _, err := defender.ParseTenant(f); err == nil {
		return false
	}
	f = strings.NewReplacer("_", " ", "-", " ").Replace(strings.ToLower(f))
	return headerWords[strings.Join(strings.Fields(f), " ")]
}

func mappingFromRecord(rec []string) (store.Mapping, error) {
	if len(rec) != 2 {
		return store.Mapping{}, fmt.Errorf("expected 2 columns (tenant,customer), found %d", len(rec))
	}
	return ParseMapping(rec[0], rec[1])
}
