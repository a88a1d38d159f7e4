package cli

import (
	"os"
	"strings"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/store"
)

// mappingsFromFlags reads --tenant TENANT=CUSTOMER values and the CSV file,
// by the connector's rules.
func (a *app) mappingsFromFlags(values []string, csvPath string) ([]store.Mapping, error) {
	var out []store.Mapping
	add := func(m store.Mapping, where string) error {
		m.AddedAt = a.now().UTC()
		var err error
		if out, err = connector.Add(out, m); err != nil {
			return usagef("%s: %v", where, err)
		}
		return nil
	}
	for _, v := range values {
		m, err := parseMappingFlag(v)
		if err != nil {
			return nil, err
		}
		if err := add(m, "--tenant "+v); err != nil {
			return nil, err
		}
	}
	if csvPath != "" {
		rows, err := readMappingsCSV(csvPath)
		if err != nil {
			return nil, err
		}
		for _, m := range rows {
			if err := add(m, csvPath); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, usagef("no tenant given: add --tenant TENANT=CUSTOMER (tenant ID or domain, and the Paratira customer) or --mappings-file FILE.csv")
	}
	return out, nil
}

func parseMappingFlag(v string) (store.Mapping, error) {
	id, customer, _ := strings.Cut(v, "=")
	m, err := connector.ParseMapping(id, customer)
	if err != nil {
		if fe, ok := connector.AsFieldError(err); ok && fe.Missing {
			return m, usagef("--tenant %q: %s: write TENANT=CUSTOMER, e.g. --tenant %s=Contoso", v, fe.Reason, strings.TrimSpace(id))
		}
		return m, usagef("--tenant %q: %v", v, err)
	}
	return m, nil
}

func readMappingsCSV(path string) ([]store.Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("cannot read the mappings file: %v", err)
	}
	defer f.Close()
	rows, err := connector.ParseMappingsCSV(f)
	if err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	return rows, nil
}
