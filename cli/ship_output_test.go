package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/paratira/mdeconnect/defender"
)

func checks(statuses ...defender.Status) []defender.CheckResult {
	out := make([]defender.CheckResult, len(statuses))
	for i, s := range statuses {
		out[i] = defender.CheckResult{ID: defender.CheckIDs()[i%len(defender.CheckIDs())], Status: s}
	}
	return out
}

// Tenants and checks are counted apart: a failed tenant never reads as passed.
func TestSummaryCountsTenantsAndChecksApart(t *testing.T) {
	t.Parallel()
	P, W, F, S := defender.Pass, defender.Warn, defender.Fail, defender.Skip
	tests := []struct {
		name    string
		tenants []defender.TenantResult
		want    string
	}{
		{"one failed tenant", []defender.TenantResult{{OK: false, Checks: checks(P, F, F, S, S, S, S, S)}},
			"1 tenant: 0 passing, 1 failing · checks: 1 passed, 2 failed, 5 skipped · 1.5 s"},
		{"one good tenant", []defender.TenantResult{{OK: true, Checks: checks(P, P, P, P, P, P, P, P)}},
			"1 tenant: 1 passing, 0 failing · checks: 8 passed, 0 failed · 1.5 s"},
		{"three tenants", []defender.TenantResult{{OK: true, Checks: checks(P, P)}, {OK: true, Checks: checks(P, W)}, {OK: false, Checks: checks(P, F)}},
			"3 tenants: 1 passing, 1 warning, 1 failing · checks: 4 passed, 1 warning, 1 failed · 1.5 s"},
	}
	for _, tt := range tests {
		res := defender.Result{Tenants: tt.tenants, DurationMS: 1500}
		if got := resultSummary(res); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestListSaysNeverTested(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if r := h.run(secret, "add", "--name", "Untested", "--tenant", h.scenario("healthy").TenantID+"=C", "--skip-test", "--client-secret-stdin"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	h.addHealthy("Tested")
	r := h.run("", "list")
	lines := strings.Split(r.stdout, "\n")
	if len(lines) < 3 || !strings.Contains(lines[2], "never tested: mdeconnect test Untested") || strings.Contains(r.stdout, "30 days") {
		t.Errorf("list:\n%s", r.stdout)
	}
	h.now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
	r = h.run("", "list")
	if !strings.Contains(r.stdout, "passed 31 days ago  ! not verified for over 30 days: mdeconnect test Tested") || strings.Count(r.stdout, "30 days") != 1 {
		t.Errorf("list a month later:\n%s", r.stdout)
	}
}

// One name for the customer in every JSON: `customer`, with show's and
// add's old `customer_name` kept for one release.
func TestJSONCustomerAndAdHocTenantID(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	healthy := h.scenario("healthy")
	r := h.run(secret, "add", "--name", "Contoso", "--tenant", healthy.Domain+"=Contoso Ltd", "--client-secret-stdin", "--json")
	var added struct {
		Connector struct {
			Mappings []map[string]any `json:"mappings"`
		} `json:"connector"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &added); err != nil || len(added.Connector.Mappings) != 1 {
		t.Fatalf("add --json: %v\n%s", err, r.stdout)
	}
	var shown struct {
		Name     string           `json:"name"`
		Mappings []map[string]any `json:"mappings"`
	}
	if err := json.Unmarshal([]byte(h.run("", "show", "Contoso", "--json").stdout), &shown); err != nil || shown.Name != "Contoso" {
		t.Fatalf("show --json: %v", err)
	}
	for what, m := range map[string]map[string]any{"add": added.Connector.Mappings[0], "show": shown.Mappings[0]} {
		if m["customer"] != "Contoso Ltd" || m["customer_name"] != "Contoso Ltd" || m["tenant_id"] != healthy.TenantID || m["domain"] != healthy.Domain {
			t.Errorf("%s --json mapping = %v", what, m)
		}
	}

	r = h.run(secret, "test", "--tenant", " "+healthy.Domain+"=Contoso Ltd", "--tenant", "no-such-tenant.example.com", "--client-secret-stdin", "--json")
	var res struct {
		Tenants []map[string]any `json:"tenants"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Tenants) != 2 {
		t.Fatalf("test --json: %v\n%s", err, r.stdout)
	}
	if got := res.Tenants[0]; got["tenant_id"] != healthy.TenantID || got["input"] != healthy.Domain || got["customer"] != "Contoso Ltd" {
		t.Errorf("resolved tenant = %v", got)
	}
	if got := res.Tenants[1]; got["tenant_id"] != "no-such-tenant.example.com" || got["input"] != "no-such-tenant.example.com" {
		t.Errorf("a tenant discovery did not find keeps what was typed: %v", got)
	}
}

// Tables align by what the screen shows, CJK included, and fit the terminal.
func TestTablesAlignWideCharactersAndFit(t *testing.T) {
	t.Parallel()
	rows := [][]string{{"日本の顧客株式会社", "one-to-many", "12", "never tested: mdeconnect test '日本の顧客株式会社'"},
		{"Contoso", "one-to-one", "1", warnStyle.Render("passed 3 days ago")}}
	for _, width := range []int{0, 100, 60} {
		var b strings.Builder
		writeTable(&b, width, []string{"NAME", "MODE", "TENANTS", "LAST TEST"}, rows, 2)
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("width %d: %d lines\n%s", width, len(lines), b.String())
		}
		start := func(line, cell string) int { return ansi.StringWidth(line[:strings.Index(line, cell)]) }
		end := func(line, cell string) int { return start(line, cell) + ansi.StringWidth(cell) }
		if a, b, d := start(lines[0], "MODE"), start(lines[1], "one-to-many"), start(lines[2], "one-to-one"); a != b || b != d {
			t.Errorf("width %d: MODE starts at %d, %d, %d", width, a, b, d)
		}
		if a, b, d := end(lines[0], "TENANTS"), end(lines[1], "12"), end(lines[2], "1 "); a != b || b != d-1 {
			t.Errorf("width %d: TENANTS (right-aligned) ends at %d, %d, %d", width, a, b, d-1)
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); width > 0 && w > width {
				t.Errorf("width %d: a line of %d columns: %q", width, w, l)
			}
		}
		if clipped := strings.Contains(b.String(), "…"); clipped != (width == 60) {
			t.Errorf("width %d: clipped %v\n%s", width, clipped, b.String())
		}
	}
}

func TestListAndSandboxListUseTheTable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, name := range []string{"日本の顧客", "Contoso"} {
		if r := h.run(secret, "add", "--name", name, "--tenant", h.scenario("healthy").TenantID+"=C", "--skip-test", "--client-secret-stdin"); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	out := h.run("", "list").stdout
	lines := strings.Split(out, "\n")
	if len(lines) < 3 || ansi.StringWidth(lines[1][:strings.Index(lines[1], "one-to-one")]) != ansi.StringWidth(lines[2][:strings.Index(lines[2], "one-to-one")]) {
		t.Errorf("list columns do not line up:\n%s", out)
	}
	var b strings.Builder
	a := newApp(Streams{Out: &b})
	a.width = func() int { return 80 }
	if err := a.listScenarios(false); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("sandbox --list on 80 columns: %q", l)
		}
	}
}
