package connector

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/paratira/mdeconnect/store"

	"github.com/paratira/mdeconnect/defender"
)

// Bounds of a mappings file: an MSP's largest fleet fits many times over,
// and /dev/zero or a wrong file fails at once instead of filling memory.
const (
	MaxCSVBytes = 16 << 20
	MaxCSVRows  = 100_000
	// maxListed is how many bad lines one error names before it counts the rest.
	maxListed = 20
)

// ParseMappingsCSV reads "tenant,customer" rows; a header row is optional.
// Excel's exports are welcome: a byte-order mark, CRLF, and ";" as the
// separator (European locales). Text that is not UTF-8 is refused with how
// to save it as UTF-8. It imports all rows or none, naming every bad line.
func ParseMappingsCSV(r io.Reader) ([]store.Mapping, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCSVBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the mappings: %w", err)
	}
	if len(data) > MaxCSVBytes {
		return nil, fmt.Errorf("the file is larger than %d MB: a mappings file holds one \"tenant,customer\" line per tenant; check that it is the right file", MaxCSVBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if err := checkUTF8(data); err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	cr.Comma = separator(data)
	var out []store.Mapping
	var bad []string
	headerSeen := false // only the first row may be a header
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad = append(bad, csvReadError(err).Error())
			if !errors.As(err, new(*csv.ParseError)) || len(bad) > MaxCSVRows {
				break
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if rows++; rows > MaxCSVRows {
			return nil, fmt.Errorf("line %d: the file has more than %d rows: split it into several files", line, MaxCSVRows)
		}
		if !headerSeen {
			headerSeen = true
			if isHeader(rec) {
				continue
			}
		}
		mp, err := mappingFromRecord(rec)
		if err == nil {
			out, err = Add(out, mp)
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("line %d: %v", line, err))
		}
	}
	if len(bad) > 0 {
		return nil, listBad(bad)
	}
	if len(out) == 0 {
		return nil, errors.New("the file holds no mappings: write one \"tenant,customer\" per line")
	}
	return out, nil
}

// listBad names every bad line, up to maxListed, on one line of text.
func listBad(bad []string) error {
	msg := strings.Join(bad[:min(len(bad), maxListed)], "; ")
	if n := len(bad) - maxListed; n > 0 {
		msg += fmt.Sprintf("; and %d more bad lines", n)
	}
	return errors.New(msg)
}

// separator is ";" when the first data line uses it and no comma (Excel in
// European locales saves "CSV" that way), else ",".
func separator(data []byte) rune {
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.Contains(line, ";") && !strings.Contains(line, ",") {
			return ';'
		}
		return ','
	}
	return ','
}

// checkUTF8 refuses text in another encoding (Windows-1252 from an older
// Excel, say), which would corrupt customers' names, naming the first line.
func checkUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	line := 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("line %d: the file is not UTF-8 text (a byte 0x%02X): in Excel, save it with \"Save As\" > \"CSV UTF-8 (Comma delimited)\"; in other editors choose the UTF-8 encoding", line, data[0])
		}
		if r == '\n' {
			line++
		}
		data = data[n:]
	}
	return nil
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
