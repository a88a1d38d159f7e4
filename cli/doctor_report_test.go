package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender/doctor"
)

// doctorFile is what these tests read of a report's doctor section.
type doctorFile struct {
	Doctor reportDoctorView `json:"doctor"`
}

func summaries(r *doctor.Report) []string {
	var out []string
	for _, f := range r.Findings {
		var checks []string
		for _, c := range f.Explains {
			checks = append(checks, string(c.ID))
		}
		out = append(out, f.ID+": "+f.Summary+" ["+strings.Join(checks, ",")+"]")
	}
	return out
}

// TestReportDoctorReplayRoundTrip: `report --doctor` adds the tenant's side
// to the bundle, without tokens, device codes or people's names; `sandbox
// --replay` of the bundle and `doctor` against the replay show the same
// findings, joined with the same checks.
func TestReportDoctorReplayRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, name := range []string{"service-principal-missing", "conditional-access", "missing-role", "unlicensed", "app-disabled"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := h.scenario(name)
			file := filepath.Join(t.TempDir(), "report.json")
			orig := h.run(secret, "report", "--tenant", s.Domain, "--client-secret-stdin", "--doctor", "-o", file)
			if (orig.code != 0 && orig.code != 3) || !strings.Contains(orig.stderr, "Doctor: ") {
				t.Fatalf("report: exit %d: %s", orig.code, orig.stderr)
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var df doctorFile
			if err := json.Unmarshal(raw, &df); err != nil || df.Doctor.Report == nil {
				t.Fatalf("no doctor section (%v): %s", err, df.Doctor.Error)
			}
			for _, leak := range []string{"admin@", "@" + s.Domain, "Contoso Admin", "eyJ0eXAi", secret, "DAQABIQEAAAB"} {
				if strings.Contains(string(raw), leak) {
					t.Errorf("the report holds %q", leak)
				}
			}
			sb := startSandboxCmd(t, "--replay", file)
			again := runApp(t, runSpec{env: sb.env, client: sb.client, args: []string{"doctor", "--tenant", df.Doctor.Tenant, "--device-code", "--json"}})
			if again.code != orig.code {
				t.Errorf("doctor against the replay: exit %d, report %d\n%s", again.code, orig.code, again.stderr)
			}
			var rep doctor.Report
			if err := json.Unmarshal([]byte(again.stdout), &rep); err != nil {
				t.Fatalf("doctor --json against the replay: %v\n%s", err, again.stderr)
			}
			want := summaries(df.Doctor.Report)
			if got := summaries(&rep); !slices.Equal(got, want) {
				t.Errorf("replayed findings:\n%s\nreport's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestReportDoctorNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	s := h.scenario("service-principal-missing")
	two := h.scenario("healthy")
	for _, tc := range []struct {
		name  string
		args  []string
		found bool // the admin's name is in the report
		err   string
	}{
		{"names kept", []string{"--doctor", "--include-names"}, true, ""},
		{"one of two tenants", []string{"--tenant", two.Domain, "--doctor=" + s.Domain}, false, ""},
		{"two tenants, none named", []string{"--tenant", two.Domain, "--doctor"}, false, "has 2: name it with --doctor=TENANT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "report.json")
			args := append([]string{"report", "--tenant", s.Domain, "--client-secret-stdin", "-o", file}, tc.args...)
			r := h.run(secret, args...)
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("exit %d, no report: %s", r.code, r.stderr)
			}
			var df doctorFile
			if err := json.Unmarshal(raw, &df); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(raw), "admin@"+s.Domain); got != tc.found || !strings.Contains(df.Doctor.Error, tc.err) {
				t.Errorf("admin named: %v, want %v; error %q", got, tc.found, df.Doctor.Error)
			}
		})
	}
}
