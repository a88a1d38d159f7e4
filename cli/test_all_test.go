package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/store"
)

// addScenario saves a connector of one tenant of the fake's scenario.
func (h *harness) addScenario(name, scenario string) {
	h.t.Helper()
	if r := h.run(secret, "add", "--name", name, "--tenant", h.scenario(scenario).TenantID+"="+name, "--client-secret-stdin", "--skip-test"); r.code != 0 {
		h.t.Fatalf("add %s: exit %d\n%s", name, r.code, r.stderr)
	}
}

// TestTestAllWritesTheStoreOnce fails if `test --all` writes the store more
// than once a run: the store keeps the file from before each write as its
// backup, so after one write the backup is the file from before the run,
// and after two it is the first write's.
func TestTestAllWritesTheStoreOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, c := range []struct{ name, scenario string }{{"Alpha", "healthy"}, {"Bravo", "missing-role"}, {"Charlie", "unlicensed"}, {"Delta", "empty"}} {
		h.addScenario(c.name, c.scenario)
	}
	path := filepath.Join(h.env["MDECONNECT_CONFIG_DIR"], "connectors.json")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r := h.run("", "test", "--all", "--parallel", "2"); r.code != 3 {
		t.Fatalf("test --all: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	if bak, err := os.ReadFile(path + ".bak"); err != nil || string(bak) != string(before) {
		t.Fatalf("test --all wrote the store more than once (the backup is not the file from before the run)")
	}
	st, err := store.Open(store.Options{Dir: h.env["MDECONNECT_CONFIG_DIR"], SecretBackend: store.BackendFile})
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if v := c.LastValidation; v == nil || len(v.Tenants) != 1 || v.OK != (c.Name != "Bravo") {
			t.Errorf("%s: recorded %+v", c.Name, v)
		}
	}
}

// TestTestAllSummaryAndFailedOnly: the summary names the failing and the
// warning tenants and what changed; --failed-only the failing ones alone.
func TestTestAllSummaryAndFailedOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addScenario("Alpha", "healthy")
	h.addScenario("Bravo", "missing-role")
	h.addScenario("Charlie", "unlicensed")
	// A connector whose secret is gone cannot be tested: it is named too.
	h.addScenario("Echo", "healthy")
	secrets := filepath.Join(h.env["MDECONNECT_CONFIG_DIR"], "secrets.json")
	raw, err := os.ReadFile(secrets)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc["secrets"].(map[string]any), "Echo")
	raw, _ = json.Marshal(doc)
	if err := os.WriteFile(secrets, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	all := h.run("", "test", "--all")
	failed := h.run("", "test", "--all", "--failed-only")
	for _, r := range []run{all, failed} {
		if r.code != 3 {
			t.Fatalf("exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"3 connector(s), 3 tenant(s): 1 passing, 1 warning, 1 failing", "Bravo", "Insufficient permissions", "Echo"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("summary lacks %q:\n%s", want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "Alpha") {
			t.Errorf("a passing connector is listed:\n%s", r.stdout)
		}
	}
	if !strings.Contains(all.stdout, "Charlie") {
		t.Errorf("the warning tenant is not listed:\n%s", all.stdout)
	}
	if strings.Contains(failed.stdout, "Charlie") {
		t.Errorf("--failed-only lists a tenant that only warned:\n%s", failed.stdout)
	}
	if all.stderr != failed.stderr || strings.Contains(all.stderr, "\r") {
		t.Errorf("progress drawn though stderr is not a terminal:\n%q", all.stderr)
	}
}

// TestTestAllJSON: --json is one document with every connector in list
// order; --json-lines a line per connector, one per connector that could
// not be tested, and a summary line.
func TestTestAllJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	names := []string{"Zulu", "Alpha", "Mike", "Bravo"}
	for _, n := range names {
		h.addScenario(n, "healthy")
	}
	h.addScenario("Kilo", "missing-role")
	r := h.run("", "test", "--all", "--json", "--parallel", "3")
	var out allOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 3 {
		t.Fatalf("exit %d, %v:\n%s", r.code, err, r.stdout)
	}
	var got []string
	for _, c := range out.Connectors {
		got = append(got, c.Connector)
		if len(c.Tenants) != 1 || len(c.Tenants[0].Checks) == 0 {
			t.Errorf("%s: %d tenants", c.Connector, len(c.Tenants))
		}
	}
	if want := []string{"Alpha", "Bravo", "Kilo", "Mike", "Zulu"}; !slices.Equal(got, want) {
		t.Errorf("connectors %v, want %v", got, want)
	}
	if out.OK || out.Summary.Connectors != 5 || out.Summary.Failing != 1 || out.Summary.Passing != 4 {
		t.Errorf("ok %v, summary %+v", out.OK, out.Summary)
	}

	r = h.run("", "test", "--all", "--json-lines")
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	var lines []map[string]json.RawMessage
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 6 || lines[5]["summary"] == nil || string(lines[5]["ok"]) != "false" {
		t.Fatalf("%d lines:\n%s", len(lines), r.stdout)
	}
	for _, l := range lines[:5] {
		if l["connector"] == nil || l["tenants"] == nil {
			t.Errorf("line without its connector and tenants: %v", l)
		}
	}
	if r := h.run("", "test", "--all", "--json", "--json-lines"); r.code != 2 {
		t.Errorf("--json with --json-lines: exit %d, want 2", r.code)
	}
}

// TestTestAllWaitsForConsent: --wait-for-consent re-tests, within the run,
// the tenants of a fresh consent until their roles appear; the others are
// not tested again.
func TestTestAllWaitsForConsent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addScenario("Fresh", "consent-propagating")
	h.addScenario("Steady", "healthy")
	r := h.run("", "test", "--all", "--wait-for-consent=20s", "--json")
	var out allOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || !out.OK {
		t.Fatalf("exit %d, %v:\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if n := h.cloud.Stats().TokenRequests[h.scenario("healthy").TenantID]["defender"]; n != 1 {
		t.Errorf("the healthy tenant asked for %d Defender tokens, want 1", n)
	}
	if n := h.cloud.Stats().TokenRequests[h.scenario("consent-propagating").TenantID]["defender"]; n < 3 {
		t.Errorf("the fresh tenant asked for %d Defender tokens: not re-tested", n)
	}
}

// TestFleetProgressDraws: the bar is drawn from many goroutines at once
// (run with -race), says what runs, prints a failure on a line of its own
// and is cleared at the end.
func TestFleetProgressDraws(t *testing.T) {
	var b lockedBuffer
	a := newApp(Streams{Out: &b, Err: &b, ErrTTY: true})
	a.width = func() int { return 120 }
	p := a.newFleetProgress(40)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			tenant := fmt.Sprintf("tenant-%02d", i)
			on := p.onEvent("Contoso")
			on(defender.Event{Kind: defender.TenantStarted, TenantID: tenant})
			tr := defender.TenantResult{TenantID: tenant, OK: i != 7, Checks: []defender.CheckResult{{ID: defender.CheckToken, Status: defender.Pass}}}
			if i == 7 {
				tr.Checks[0] = defender.CheckResult{ID: defender.CheckToken, Status: defender.Fail, Problem: problem.InvalidClientSecret, Message: "AADSTS7000215"}
			}
			on(defender.Event{Kind: defender.TenantFinished, TenantID: tenant, Tenant: &tr})
		})
	}
	wg.Wait()
	p.redraw(true)
	line := b.String()
	p.finish()
	out := b.String()
	for _, want := range []string{"40/40 tenants", "1 failed", "✗ Contoso / tenant-07", "AADSTS7000215"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress lacks %q:\n%q", want, line)
		}
	}
	if !strings.HasSuffix(out, "\r\x1b[K") {
		t.Errorf("the bar was not cleared at the end: %q", out[max(0, len(out)-40):])
	}
}

// lockedBuffer is a bytes.Buffer for writers on many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
