package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// onePathNames are names whose JSON needs escaping, and names that are
// each other's prefixes.
var onePathNames = []string{"acme", "acme2", "Acme & Sons <EU>", `Quote "Q"`, "Müller GmbH", "東京", `back\slash`, "z"}

func onePathStore(t *testing.T) *Store {
	t.Helper()
	s := openTest(t, Options{SecretBackend: BackendFile})
	for i, n := range onePathNames {
		mustAdd(t, s, sample(n, fmt.Sprintf("t%d", i)), "secret-"+n)
	}
	return s
}

// TestGetReadsOneConnectorAsListDoes: the connector Get finds by its name
// alone is the one List returns.
func TestGetReadsOneConnectorAsListDoes(t *testing.T) {
	s := onePathStore(t)
	if err := s.RecordValidation("acme", Validation{At: testNow, OK: true, Tenants: []TenantValidation{{TenantID: "t0", OK: true, GrantedRoles: []string{"R"}}}}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(s.Path())
	if !canonical(raw) {
		t.Fatalf("the store's own file is not in its canonical form:\n%s", raw)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range list {
		got, ok, err := s.getOne(want.Name)
		if !ok || err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: getOne = %+v, %v, %v; List has %+v", want.Name, got, ok, err, want)
		}
	}
	if _, ok, err := s.getOne("acm"); !ok || err == nil {
		t.Errorf("a prefix of a name was found: %v", err)
	}
}

// TestRecordValidationReplacesOneConnector: recording one connector's test
// leaves connectors.json as it was and appends to the journal; every read
// sees the test; folding the journal writes the file encode would write,
// the rest byte for byte as it was, and removes the journal.
func TestRecordValidationReplacesOneConnector(t *testing.T) {
	s := onePathStore(t)
	v := Validation{At: testNow, OK: false, Tenants: []TenantValidation{{TenantID: "t2", RegionScope: "EU <x>", Checks: []Check{{ID: "token", Status: "fail", Problem: "consent_missing"}}}}}
	before, _ := os.ReadFile(s.Path())
	_, doc, err := s.load()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range onePathNames {
		want := v.clone()
		want.bound()
		doc.Connectors[doc.find(name)].LastValidation = &want
		if ok, err := s.recordOne(name, want); !ok || err != nil {
			t.Fatalf("%q: recordOne = %v, %v", name, ok, err)
		}
		if got, _ := os.ReadFile(s.Path()); string(got) != string(before) {
			t.Fatalf("%q: connectors.json changed for a test", name)
		}
		if c, err := s.Get(name); err != nil || !reflect.DeepEqual(c, doc.Connectors[doc.find(name)]) {
			t.Errorf("%q: Get = %+v, %v", name, c, err)
		}
		if _, loaded, err := s.load(); err != nil || !reflect.DeepEqual(loaded.Connectors, doc.Connectors) {
			t.Errorf("%q: load differs from the connectors with their tests (%v)", name, err)
		}
	}
	expect, err := encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.recordMany(nil); !ok || err != nil {
		t.Fatalf("fold: %v, %v", ok, err)
	}
	if got, _ := os.ReadFile(s.Path()); string(got) != string(expect) {
		t.Fatalf("the folded file differs from encode's:\n%s\nwant\n%s", got, expect)
	}
	if bak, _ := os.ReadFile(s.Path() + ".bak"); string(bak) != string(before) {
		t.Errorf("the backup is not the file before the fold")
	}
	if _, err := os.Stat(filepath.Join(s.dir, journalFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the journal is still there after the fold: %v", err)
	}
}

// TestOtherFormsTakeTheFullPath: a file written in another form (by hand,
// compact) is read and changed whole, and written back in the store's form.
func TestOtherFormsTakeTheFullPath(t *testing.T) {
	s := onePathStore(t)
	_, doc, err := s.load()
	if err != nil {
		t.Fatal(err)
	}
	compact, _ := json.Marshal(doc)
	if err := os.WriteFile(s.Path(), compact, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.getOne("acme"); ok {
		t.Errorf("getOne read a file in another form")
	}
	if c, err := s.Get("Acme & Sons <EU>"); err != nil || c.Name != "Acme & Sons <EU>" {
		t.Errorf("Get = %+v, %v", c, err)
	}
	if err := s.RecordValidation("acme", Validation{At: testNow, OK: true}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(s.Path())
	if !canonical(raw) {
		t.Errorf("the full path did not write the canonical form")
	}
	if c, err := s.Get("acme"); err != nil || c.LastValidation == nil || !c.LastValidation.OK {
		t.Errorf("after recording: %+v, %v", c, err)
	}
}

// TestSummariesAgreeWithList: what Summaries reads by position is what List
// decodes, in the store's own form and in any other.
func TestSummariesAgreeWithList(t *testing.T) {
	s := onePathStore(t)
	many := sample("many tenants", "m1", "m2", "m3")
	mustAdd(t, s, many, "s")
	if err := s.RecordValidation("acme", Validation{At: testNow, OK: true, Tenants: []TenantValidation{{TenantID: "t0", OK: true}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordValidation(`Quote "Q"`, Validation{At: testNow.Add(time.Hour), OK: false}); err != nil {
		t.Fatal(err)
	}
	want := func() []Summary {
		list, err := s.List()
		if err != nil {
			t.Fatal(err)
		}
		var out []Summary
		for _, c := range list {
			sum := Summary{Name: c.Name, Mode: c.Mode, Tenants: len(c.Mappings)}
			if v := c.LastValidation; v != nil {
				sum.LastTest = &LastTest{At: v.At, OK: v.OK}
			}
			out = append(out, sum)
		}
		return out
	}()
	raw, _ := os.ReadFile(s.Path())
	j, _ := s.readJournal()
	byPosition, ok := summariesFrom(bytes.NewReader(raw), j.latest())
	if !ok || !reflect.DeepEqual(byPosition, want) {
		t.Fatalf("by position (%v):\n%+v\nList:\n%+v", ok, byPosition, want)
	}
	// Another form is read whole; a damaged one is refused as List refuses it.
	_, doc, _ := s.load()
	compact, _ := json.Marshal(doc)
	if err := os.WriteFile(s.Path(), compact, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Summaries(); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("another form: %+v, %v", got, err)
	}
	damaged := append(bytes.Clone(raw[:len(raw)/2]), canonicalTail...)
	if err := os.WriteFile(s.Path(), damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, err := s.Summaries(); !errors.As(err, &ce) {
		t.Errorf("a damaged file: %v, want a *CorruptError", err)
	}
}

// TestRecordValidationsReplacesEachConnector: a run's results, recorded
// connector by connector in the store's own form, make the file encode
// would write for them.
func TestRecordValidationsReplacesEachConnector(t *testing.T) {
	s := onePathStore(t)
	vs := map[string]Validation{}
	for i, name := range onePathNames {
		if i%3 != 1 {
			vs[name] = Validation{At: testNow.Add(time.Duration(i) * time.Minute), OK: i%2 == 0,
				Tenants: []TenantValidation{{TenantID: fmt.Sprintf("t%d", i), RegionScope: "<EU>"}}}
		}
	}
	_, doc, err := s.load()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range doc.Connectors {
		if v, ok := vs[c.Name]; ok {
			doc.Connectors[i].LastValidation = &v
		}
	}
	expect, err := encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	vs["removed meanwhile"] = Validation{At: testNow}
	if err := s.RecordValidations(vs); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"removed meanwhile"`) {
		t.Errorf("RecordValidations = %v, want the removed connector named", err)
	}
	if got, _ := os.ReadFile(s.Path()); string(got) != string(expect) {
		t.Errorf("the file differs from encode's:\n%s\nwant\n%s", got, expect)
	}
}

// TestGetAcrossChunks: in a file many times findChunk long, every connector
// is found, wherever its object falls against the chunks read, one of them
// longer than a chunk; Summaries, which reads a window at a time, agrees
// with List.
func TestGetAcrossChunks(t *testing.T) {
	t.Parallel() // each in its own folder, killing its own helpers
	s := openTest(t, Options{SecretBackend: BackendFile})
	doc := document{Version: currentVersion}
	for i := range 2500 {
		c := sample(fmt.Sprintf("Customer %05d%s", i, strings.Repeat("x", i%97)), fmt.Sprintf("t%d", i))
		c.Type, c.SecretStore = TypeDefender, BackendFile
		c.LastValidation = &Validation{At: testNow, OK: i%2 == 0, Tenants: []TenantValidation{{TenantID: fmt.Sprintf("t%d", i), GrantedRoles: []string{"Machine.Read.All"}}}}
		doc.Connectors = append(doc.Connectors, c)
	}
	var tenants []string
	for i := range 4000 {
		tenants = append(tenants, fmt.Sprintf("big-%d", i))
	}
	big := sample("Customer 01234 big", tenants...)
	big.Type, big.SecretStore = TypeDefender, BackendFile
	doc.Connectors = append(doc.Connectors, big)
	raw, err := encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 6*findChunk {
		t.Fatalf("the file is only %d bytes", len(raw))
	}
	if err := os.WriteFile(s.Path(), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if obj, _, _ := s.findObject(big.Name); len(obj) < 2*findChunk {
		t.Fatalf("the large connector is only %d bytes", len(obj))
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range list {
		got, ok, err := s.getOne(want.Name)
		if !ok || err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%d %q: getOne = %v, %v", i, want.Name, ok, err)
		}
	}
	if _, ok, err := s.getOne("Customer 99999"); !ok || !errors.Is(err, ErrNotFound) {
		t.Errorf("a missing connector: %v, %v", ok, err)
	}
	sums, ok := summariesFrom(bytes.NewReader(raw), nil)
	if !ok || len(sums) != len(list) {
		t.Fatalf("summaries: %v, %d of %d", ok, len(sums), len(list))
	}
	for i, c := range list {
		want := Summary{Name: c.Name, Mode: c.Mode, Tenants: len(c.Mappings)}
		if v := c.LastValidation; v != nil {
			want.LastTest = &LastTest{At: v.At, OK: v.OK}
		}
		if !reflect.DeepEqual(sums[i], want) {
			t.Fatalf("summary %d: %+v, want %+v", i, sums[i], want)
		}
	}
	for _, cut := range []int{1, len(canonicalTail), len(canonicalTail) + 1} {
		if _, ok := summariesFrom(bytes.NewReader(raw[:len(raw)-cut]), nil); ok {
			t.Errorf("a file cut %d bytes short was read by position", cut)
		}
	}
	// A fold across the windows writes what encode writes.
	vs := map[string]Validation{}
	for i, c := range list {
		if i%397 == 0 || c.Name == big.Name || i == len(list)-1 {
			vs[c.Name] = Validation{At: testNow.Add(time.Duration(i) * time.Minute), OK: true}
			v := vs[c.Name]
			list[i].LastValidation = &v
		}
	}
	want, err := encode(document{Version: currentVersion, Connectors: list})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordValidations(vs); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(s.Path()); !bytes.Equal(got, want) {
		t.Errorf("the fold of %d records across windows differs from encode's", len(vs))
	}
}
