package main

import (
	"io"
	"os"
	"strings"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
	"github.com/paratira/mdeconnect/wizard"
)

// mappingsFromFlags reads --tenant TENANT=CUSTOMER values and the CSV file.
func (a *app) mappingsFromFlags(values []string, csvPath string) ([]store.Mapping, error) {
	var out []store.Mapping
	seen := map[string]string{}
	add := func(m store.Mapping, where string) error {
		if prev, dup := seen[m.TenantID]; dup {
			return usagef("tenant %s is mapped twice (%s and %s): a tenant maps to one customer", m.TenantID, prev, where)
		}
		seen[m.TenantID] = where
		m.AddedAt = a.now().UTC()
		out = append(out, m)
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
	tid, err := defender.ParseTenant(id)
	if err != nil {
		return store.Mapping{}, usagef("--tenant %q: %v", v, err)
	}
	customer = strings.TrimSpace(customer)
	if customer == "" {
		return store.Mapping{}, usagef("--tenant %q has no customer: write TENANT=CUSTOMER, e.g. --tenant %s=Contoso", v, tid)
	}
	m := store.Mapping{TenantID: tid, CustomerName: customer}
	if !defender.IsGUID(tid) {
		m.Domain = tid
	}
	return m, nil
}

func readMappingsCSV(path string) ([]store.Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("cannot read the mappings file: %v", err)
	}
	defer f.Close()
	rows, err := parseMappingsCSV(f)
	if err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	return rows, nil
}

// parseMappingsCSV reads tenant,customer rows with the wizard's importer, so
// the CSV rules are the same on both paths.
func parseMappingsCSV(r io.Reader) ([]store.Mapping, error) {
	rows, err := wizard.ParseMappingsCSV(r)
	if err != nil {
		return nil, err
	}
	out := make([]store.Mapping, len(rows))
	for i, m := range rows {
		out[i] = store.Mapping{TenantID: m.TenantID, CustomerName: m.Customer, Domain: m.Domain}
		if out[i].Domain == "" && !defender.IsGUID(m.TenantID) {
			out[i].Domain = m.TenantID
		}
	}
	return out, nil
}
