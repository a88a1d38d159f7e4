package store

import (
	"fmt"
	"os"
	"testing"
)

// benchStore is a store of n connectors, each with a recorded test, written
// in one encode (adding them one by one would take minutes).
func benchStore(b *testing.B, n int) *Store {
	b.Helper()
	dir := b.TempDir()
	s, err := Open(Options{Dir: dir, SecretBackend: BackendFile, Keyring: newMemKeyring()})
	if err != nil {
		b.Fatal(err)
	}
	doc := document{Version: currentVersion}
	for i := range n {
		c := sample(fmt.Sprintf("Customer %05d", i), fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
		c.Type, c.SecretStore, c.CreatedAt, c.UpdatedAt = TypeDefender, BackendFile, testNow, testNow
		tv := TenantValidation{TenantID: c.Mappings[0].TenantID, OK: true, RegionScope: "EU",
			GrantedRoles: []string{"Machine.Read.All", "Score.Read.All", "SecurityRecommendation.Read.All", "ServiceHealth.Read.All"}}
		for _, id := range []string{"tenant", "token", "permissions", "sensor_health", "update_compliance", "exposure_score", "recommendations", "service_health"} {
			tv.Checks = append(tv.Checks, Check{ID: id, Status: "pass"})
		}
		c.LastValidation = &Validation{At: testNow, OK: true, Tenants: []TenantValidation{tv}}
		doc.Connectors = append(doc.Connectors, c)
	}
	raw, err := encode(doc)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(s.Path(), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkStore10k reads a store of 10,000 connectors as list, show and
// test NAME do.
func BenchmarkStore10k(b *testing.B) {
	s := benchStore(b, 10000)
	name := "Customer 05000"
	b.Run("List", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.List(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Summaries", func(b *testing.B) {
		for b.Loop() {
			if l, err := s.Summaries(); err != nil || len(l) != 10000 {
				b.Fatal(len(l), err)
			}
		}
	})
	b.Run("Get", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Get(name); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RecordValidation", func(b *testing.B) {
		v := Validation{At: testNow, OK: true}
		for b.Loop() {
			if err := s.RecordValidation(name, v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
