package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// journalStore is a store whose clock moves a second per reading, as a real
// one does between changes, holding "acme" and "globex".
func journalStore(t *testing.T) *Store {
	t.Helper()
	now := testNow
	s := openTest(t, Options{SecretBackend: BackendFile, Now: func() time.Time { now = now.Add(time.Second); return now }})
	mustAdd(t, s, sample("acme", "t1"), "s1")
	mustAdd(t, s, sample("globex", "t2"), "s2")
	return s
}

func testRecord(tenant string, ok bool, at int) Validation {
	return Validation{At: testNow.Add(time.Duration(at) * time.Hour), OK: ok,
		Tenants: []TenantValidation{{TenantID: tenant, OK: ok, Checks: []Check{{ID: "token", Status: "pass"}}}}}
}

func (s *Store) journalBytes(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(s.journalPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return b
}

// lastTest is the connector's last test as Get, List and Summaries each see it.
func lastTest(t *testing.T, s *Store, name string) (get, list *Validation, sum *LastTest) {
	t.Helper()
	c, err := s.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	sums, err := s.Summaries()
	if err != nil {
		t.Fatal(err)
	}
	for i := range all {
		if all[i].Name == name {
			list, sum = all[i].LastValidation, sums[i].LastTest
		}
	}
	return c.LastValidation, list, sum
}

func assertLastTest(t *testing.T, s *Store, name string, want *Validation) {
	t.Helper()
	get, list, sum := lastTest(t, s, name)
	var wantSum *LastTest
	if want != nil {
		wantSum = &LastTest{At: want.At, OK: want.OK}
	}
	if !reflect.DeepEqual(get, want) || !reflect.DeepEqual(list, want) || !reflect.DeepEqual(sum, wantSum) {
		t.Errorf("%s: Get %+v, List %+v, Summaries %+v; want %+v", name, get, list, sum, want)
	}
}

// TestTestsGoToTheJournal: a test appends one line and leaves
// connectors.json as it was; a later test of the same connector wins; a
// change that writes connectors.json folds the journal into it and removes it.
func TestTestsGoToTheJournal(t *testing.T) {
	t.Parallel() // each in its own folder
	s := journalStore(t)
	before, _ := os.ReadFile(s.Path())
	first, second, other := testRecord("t1", false, 1), testRecord("t1", true, 2), testRecord("t2", true, 3)
	for _, r := range []struct {
		name string
		v    Validation
	}{{"acme", first}, {"acme", second}, {"globex", other}} {
		if err := s.RecordValidation(r.name, r.v); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := os.ReadFile(s.Path()); !bytes.Equal(got, before) {
		t.Errorf("connectors.json was written for a test")
	}
	if n := bytes.Count(s.journalBytes(t), []byte("\n")); n != 3 {
		t.Errorf("%d lines in the journal, want 3", n)
	}
	if info, err := os.Stat(s.journalPath); err != nil || info.Mode().Perm() != fileMode {
		t.Errorf("journal: %v, %v", info, err)
	}
	assertLastTest(t, s, "acme", &second)
	assertLastTest(t, s, "globex", &other)

	// A change to another connector folds the journal into connectors.json.
	if err := s.Update("globex", func(c *Connector) error { c.Mappings[0].CustomerName = "Globex"; return nil }); err != nil {
		t.Fatal(err)
	}
	if s.journalBytes(t) != nil {
		t.Errorf("the journal is still there after a change")
	}
	assertLastTest(t, s, "acme", &second)
	assertLastTest(t, s, "globex", &other)
}

// TestJournalLinesLeftBehind: a change killed between writing
// connectors.json and removing the journal leaves its lines. They set again
// only what was folded: never a test on a connector changed, renamed or
// removed and added again since.
func TestJournalLinesLeftBehind(t *testing.T) {
	t.Parallel() // each in its own folder
	for _, tt := range []struct {
		name   string
		change func(*Store) error
		// after is the connector to look at after the change, and what its last test is.
		after     string
		keepsTest bool
	}{
		{"edited", func(s *Store) error {
			return s.Update("acme", func(c *Connector) error { c.Mappings[0].CustomerName = "Acme"; return nil })
		}, "acme", true},
		{"renamed", func(s *Store) error {
			return s.Update("acme", func(c *Connector) error { c.Name = "acme2"; return nil })
		}, "acme2", true},
		{"removed and added again", func(s *Store) error {
			if err := s.Remove("acme"); err != nil {
				return err
			}
			return s.Add(sample("acme", "t1"), "s1")
		}, "acme", false},
		{"another connector changed", func(s *Store) error {
			return s.Update("globex", func(c *Connector) error { c.Mappings[0].CustomerName = "G"; return nil })
		}, "acme", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := journalStore(t)
			v := testRecord("t1", true, 1)
			if err := s.RecordValidation("acme", v); err != nil {
				t.Fatal(err)
			}
			left := s.journalBytes(t)
			if err := tt.change(s); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(s.journalPath, left, 0o600); err != nil { // the removal lost
				t.Fatal(err)
			}
			want := &v
			if !tt.keepsTest {
				want = nil
			}
			assertLastTest(t, s, tt.after, want)
			if tt.after != "acme" {
				if _, err := s.Get("acme"); !errors.Is(err, ErrNotFound) {
					t.Errorf("acme after the rename: %v", err)
				}
			}
			// An edit after the test: a line left behind does not put the
			// test back on the edited connector, whose test it no longer is.
			if tt.keepsTest {
				if err := s.Update(tt.after, func(c *Connector) error { c.LastValidation = nil; return nil }); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(s.journalPath, left, 0o600); err != nil {
					t.Fatal(err)
				}
				assertLastTest(t, s, tt.after, nil)
			}
		})
	}
}

// TestDamagedJournal: a line cut short by a crash, or damaged by hand, is
// skipped; the next test cuts a torn last line off before it appends, so
// its line starts whole. A record in a line is bounded as one in
// connectors.json is.
func TestDamagedJournal(t *testing.T) {
	t.Parallel() // each in its own folder
	s := journalStore(t)
	first, second := testRecord("t1", false, 1), testRecord("t2", true, 2)
	if err := s.RecordValidation("acme", first); err != nil {
		t.Fatal(err)
	}
	whole := s.journalBytes(t)
	// A torn line longer than the next one, so cutting it off is seen.
	tail := append(whole[:len(whole)-1:len(whole)-1], bytes.Repeat([]byte(" "), 4096)...)
	torn := append(append([]byte{}, whole...), tail...)
	damaged := append([]byte("{not json\n[]\n{\"name\":\"globex\"}\n"), torn...)
	if err := os.WriteFile(s.journalPath, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	assertLastTest(t, s, "acme", &first)
	assertLastTest(t, s, "globex", nil)
	if err := s.RecordValidation("globex", second); err != nil {
		t.Fatal(err)
	}
	got := s.journalBytes(t)
	if !bytes.HasPrefix(got, damaged[:len(damaged)-len(tail)]) || !bytes.HasSuffix(got, []byte("}\n")) || bytes.Count(got, []byte("\n")) != 5 {
		t.Errorf("journal after a torn line:\n%s", got)
	}
	assertLastTest(t, s, "acme", &first)
	assertLastTest(t, s, "globex", &second)

	// Roles written into a line by hand are bounded when read.
	var roles []string
	for i := range MaxGrantedRoles + 10 {
		roles = append(roles, fmt.Sprintf("Role.%d", i))
	}
	many := testRecord("t1", true, 3)
	many.Tenants[0].GrantedRoles = roles
	line, err := journalEntry(mustGet(t, s, "acme"), many)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.journalPath, append(got, line...), 0o600); err != nil {
		t.Fatal(err)
	}
	if c := mustGet(t, s, "acme"); len(c.LastValidation.Tenants[0].GrantedRoles) != MaxGrantedRoles || c.LastValidation.Tenants[0].OtherRoles != 10 {
		t.Errorf("roles from the journal: %d kept, %d counted", len(c.LastValidation.Tenants[0].GrantedRoles), c.LastValidation.Tenants[0].OtherRoles)
	}
}

func mustGet(t *testing.T, s *Store, name string) Connector {
	t.Helper()
	c, err := s.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestJournalFolds: the journal never grows past journalFoldAt: the test
// that would take it past folds it into connectors.json, in one write.
func TestJournalFolds(t *testing.T) {
	t.Parallel() // each in its own folder
	s := journalStore(t)
	v := testRecord("t1", true, 1)
	v.Tenants[0].RegionScope = strings.Repeat("x", 200)
	line, err := journalEntry(mustGet(t, s, "acme"), v)
	if err != nil {
		t.Fatal(err)
	}
	fits := journalFoldAt / len(line)
	for i := range fits {
		v.At = testNow.Add(time.Duration(i) * time.Minute)
		if err := s.RecordValidation("acme", v); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := os.ReadFile(s.Path())
	if n := len(s.journalBytes(t)); n != fits*len(line) {
		t.Fatalf("journal of %d bytes after %d tests of %d", n, fits, len(line))
	}
	v.At = testNow.Add(time.Duration(fits) * time.Minute)
	if err := s.RecordValidation("acme", v); err != nil {
		t.Fatal(err)
	}
	if s.journalBytes(t) != nil {
		t.Errorf("the journal was not folded")
	}
	if bak, _ := os.ReadFile(s.Path() + backupExt); !bytes.Equal(bak, before) {
		t.Errorf("the fold did not keep the file before it as the backup")
	}
	want := v.clone()
	want.bound()
	assertLastTest(t, s, "acme", &want)
}

// TestJournalNotOurs: a journal that is too large, a symbolic link or
// readable by others is not appended to: the next test folds it (its lines
// that apply) and removes it; what a link points to is left alone.
func TestJournalNotOurs(t *testing.T) {
	t.Parallel() // each in its own folder
	for _, tt := range []struct {
		name string
		make func(s *Store, line []byte) error
	}{
		{"too large", func(s *Store, line []byte) error {
			return os.WriteFile(s.journalPath, bytes.Repeat([]byte("\n"), journalMaxRead+1), 0o600)
		}},
		{"readable by others", func(s *Store, line []byte) error {
			if err := os.WriteFile(s.journalPath, line, 0o600); err != nil {
				return err
			}
			return os.Chmod(s.journalPath, 0o644)
		}},
		{"symbolic link", func(s *Store, line []byte) error {
			target := filepath.Join(filepath.Dir(s.dir), "elsewhere.jsonl")
			if err := os.WriteFile(target, line, 0o600); err != nil {
				return err
			}
			return os.Symlink(target, s.journalPath)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := journalStore(t)
			v := testRecord("t2", true, 1)
			line, err := journalEntry(mustGet(t, s, "globex"), v)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.make(s, line); err != nil {
				t.Skip(err)
			}
			w := testRecord("t1", false, 2)
			if err := s.RecordValidation("acme", w); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(s.journalPath); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the journal is still there: %v", err)
			}
			assertLastTest(t, s, "acme", &w)
			if tt.name != "too large" {
				assertLastTest(t, s, "globex", &v)
			}
			if b, err := os.ReadFile(filepath.Join(filepath.Dir(s.dir), "elsewhere.jsonl")); err == nil && !bytes.Equal(b, line) {
				t.Errorf("the link's target was written")
			}
		})
	}
}

// TestTestOfAConnectorGone: a test of a connector removed meanwhile is
// refused and not journaled.
func TestTestOfAConnectorGone(t *testing.T) {
	t.Parallel() // each in its own folder
	s := journalStore(t)
	if err := s.RecordValidation("nobody", testRecord("t9", true, 1)); !errors.Is(err, ErrNotFound) {
		t.Errorf("RecordValidation of a connector that is not there: %v", err)
	}
	if s.journalBytes(t) != nil {
		t.Errorf("journaled a test of a connector that is not there")
	}
}
