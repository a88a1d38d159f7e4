package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
)

func readReportFile(t *testing.T, path string) supportReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep supportReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%s is not a report: %v", path, err)
	}
	return rep
}

// notReplayed are scenarios the round trip leaves out, and why.
var notReplayed = map[string]string{
	"many-devices": "a page of 10,000 devices is more than the 2 MB a trace keeps of one body: the report cannot hold it",
}

// TestReportReplayRoundTrip: a run, its report, `sandbox --replay` of the
// report and `test` against the replay agree check by check.
func TestReportReplayRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, s := range defendertest.Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			if why, ok := notReplayed[s.Name]; ok {
				t.Skip(why)
			}
			t.Parallel()
			file := filepath.Join(t.TempDir(), "report.json")
			orig := h.run(secret, "report", "--tenant", s.Domain+"=Customer", "--client-secret-stdin", "--timeout", "3s", "-o", file)
			if orig.code != 0 && orig.code != 3 {
				t.Fatalf("report: exit %d: %s", orig.code, orig.stderr)
			}
			rep := readReportFile(t, file)
			sb := startSandboxCmd(t, "--replay", file)
			again := runApp(t, runSpec{env: sb.env, client: sb.client, args: []string{"test", "--tenant", s.Domain + "=Customer", "--timeout", "3s", "--json"}})
			if again.code != orig.code {
				t.Errorf("exit %d against the replay, %d originally\n%s", again.code, orig.code, again.stdout)
			}
			var res defender.Result
			if err := json.Unmarshal([]byte(again.stdout), &res); err != nil || len(res.Tenants) != 1 {
				t.Fatalf("test --json against the replay: %v\n%s%s", err, again.stdout, again.stderr)
			}
			want, got := rep.Tenants[0].Checks, res.Tenants[0].Checks
			if len(got) != len(want) {
				t.Fatalf("%d checks against the replay, %d in the report", len(got), len(want))
			}
			for i := range want {
				if got[i].ID != want[i].ID || got[i].Status != want[i].Status || got[i].Problem != want[i].Problem {
					t.Errorf("check %s: replay %s/%s, report %s/%s (%s)", want[i].ID, got[i].Status, got[i].Problem,
						want[i].Status, want[i].Problem, got[i].Message)
				}
			}
		})
	}
}

func TestReportSavedConnector(t *testing.T) {
	h := newHarness(t)
	t.Chdir(t.TempDir())
	h.env["MDECONNECT_CLIENT_SECRET"] = ""
	if r := h.run(secret, "add", "--name", "Contoso EU", "--tenant", h.scenario("missing-role").TenantID+"=Contoso", "--client-secret-stdin", "--force"); r.code != 0 {
		t.Fatalf("add: exit %d: %s", r.code, r.stderr)
	}
	r := h.run("", "report", "Contoso EU")
	if r.code != 3 || !strings.Contains(r.stdout, "Risk scores: Insufficient permissions (HTTP 403, Forbidden") {
		t.Fatalf("report: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	files, _ := filepath.Glob("mdeconnect-report-Contoso-EU-*.json")
	if len(files) != 1 || !strings.Contains(r.stdout, "Report: "+files[0]) {
		t.Fatalf("report files %v; stdout:\n%s", files, r.stdout)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode: %v %v", fi.Mode(), err)
	}
	rep := readReportFile(t, files[0])
	tn := rep.Tenants[0]
	switch {
	case rep.Source != "run" || rep.Connector.Name != "Contoso EU" || rep.Connector.SecretStore != "file":
		t.Errorf("connector = %+v", rep.Connector)
	case rep.Tool.GoVersion == "" || rep.System.GOOS == "" || rep.Cloud.LoginURL != h.cloud.LoginURL:
		t.Errorf("tool %+v system %+v cloud %+v", rep.Tool, rep.System, rep.Cloud)
	case tn.Info == nil || len(tn.Claims[defender.ResourceDefender].Roles) != 2 || tn.Claims[defender.ResourceDefender].TenantID != tn.TenantID:
		t.Errorf("tenant facts = %+v", tn)
	case len(rep.Trace) < 6 || rep.Trace[0].Method == "":
		t.Errorf("trace has %d exchanges", len(rep.Trace))
	}
	score, _ := findCheck(tn.Checks, defender.CheckExposureScore)
	if score.Diag == nil || score.Diag.HTTPStatus != 403 || score.Diag.APICode != "Forbidden" || score.Diag.CorrelationID == "" || score.ProblemTitle == "" {
		t.Errorf("exposure score check = %+v diag %+v", score, score.Diag)
	}
	last := h.run("", "report", "Contoso EU", "--last", "--json", "-o", "last.json")
	var sum reportSummary
	if err := json.Unmarshal([]byte(last.stdout), &sum); err != nil || last.code != 3 || sum.Source != "recorded" || sum.File != "last.json" || len(sum.Tenants[0].Problems) == 0 {
		t.Errorf("--last --json: exit %d %v\n%s", last.code, err, last.stdout)
	}
	if rec := readReportFile(t, "last.json"); rec.RecordedAt == nil || len(rec.Trace) != 0 || len(rec.Tenants[0].GrantedRoles) != 3 || rec.Tenants[0].Customer != "Contoso" {
		t.Errorf("--last report = %+v", rec)
	}
}

func findCheck(cs []reportCheck, id defender.CheckID) (reportCheck, bool) {
	for _, c := range cs {
		if c.ID == id {
			return c, true
		}
	}
	return reportCheck{}, false
}

func TestReportRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	healthy := h.scenario("healthy").TenantID
	tests := []struct {
		name   string
		args   []string
		code   int
		errHas string
	}{
		{"healthy", []string{"report", "--tenant", healthy, "--client-secret-stdin", "-o", filepath.Join(dir, "ok.json")}, 0, ""},
		{"last without name", []string{"report", "--last"}, 2, "give its NAME"},
		{"no tenant", []string{"report", "--client-secret-stdin"}, 2, "no tenant given"},
		{"unknown connector", []string{"report", "nope"}, 2, "mdeconnect list"},
		{"secret with name", []string{"report", "x", "--client-secret-stdin"}, 2, "its own client ID and secret"},
		{"unwritable", []string{"report", "--tenant", healthy, "--client-secret-stdin", "-o", filepath.Join(dir, "no", "such", "dir.json")}, 1, "choose another place"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.run(secret, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.errHas) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", r.code, tt.code, r.stderr, tt.errHas)
			}
		})
	}
}
