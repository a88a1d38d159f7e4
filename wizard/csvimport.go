package wizard

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paratira/mdeconnect/defender"
)

// ParseMappingsCSV reads "tenant,customer" rows; a header row is optional.
// It imports all rows or none, naming the first bad line.
func ParseMappingsCSV(r io.Reader) ([]Mapping, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	var out []Mapping
	seen := map[string]int{}
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
		if prev, dup := seen[strings.ToLower(mp.TenantID)]; dup {
			return nil, fmt.Errorf("line %d: tenant %s is already mapped on line %d: a tenant maps to one customer", line, mp.TenantID, prev)
		}
		seen[strings.ToLower(mp.TenantID)] = line
		out = append(out, mp)
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

func mappingFromRecord(rec []string) (Mapping, error) {
	if len(rec) != 2 {
		return Mapping{}, fmt.Errorf("expected 2 columns (tenant,customer), found %d", len(rec))
	}
	tid, err := defender.ParseTenant(rec[0])
	if err != nil {
		return Mapping{}, err
	}
	customer := strings.TrimSpace(rec[1])
	if customer == "" {
		return Mapping{}, fmt.Errorf("tenant %s has no customer: add the Paratira customer's name after the comma", tid)
	}
	return Mapping{TenantID: tid, Customer: customer}, nil
}
