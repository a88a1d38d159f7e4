package cli

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/doctor"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/internal/sanitize"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

// doctorAuto is --doctor without a value: the report's only tenant.
const doctorAuto = "auto"

// doctorFlags are report's --doctor flags: the tenant's side in the bundle.
type doctorFlags struct {
	tenant       string // "" when off
	includeNames bool
	deviceCode   bool
	adminID      string
}

func (f *doctorFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.tenant, "doctor", "", "also sign in as the tenant's admin (read-only) and add the tenant's side (`mdeconnect doctor`); =TENANT picks one of several tenants")
	fl.Lookup("doctor").NoOptDefVal = doctorAuto
	fl.BoolVar(&f.includeNames, "include-names", false, "with --doctor: keep user principal names and people's names (who consented, who signed in)")
	fl.BoolVar(&f.deviceCode, "device-code", false, "with --doctor: sign in with a code entered on another device")
	fl.StringVar(&f.adminID, "admin-client-id", doctor.GraphCLIClientID, "with --doctor: public client the admin signs in with")
}

// reportDoctorView is a report's "doctor" section.
type reportDoctorView struct {
	// Tenant is the tenant as the admin signed in to it; a replay signs in
	// to the same.
	Tenant string         `json:"tenant"`
	Report *doctor.Report `json:"report,omitempty"`
	// Error says why there is no report (the sign-in did not succeed).
	Error string `json:"error,omitempty"`
	// NamesKept says user principal names were kept (--include-names).
	NamesKept bool `json:"names_kept"`
}

// writeReport writes the report; with --doctor it first reads the tenant's
// side, records its exchanges into the trace (redacted like the rest, and
// without people's names unless --include-names) and adds it as "doctor".
func (a *app) writeReport(cmd *cobra.Command, f *doctorFlags, path string, rep *supportReport) error {
	if f.tenant == "" {
		return writeReportFile(path, rep)
	}
	view := a.reportDoctor(cmd, f, rep)
	b, err := json.MarshalIndent(struct {
		*supportReport
		Doctor *reportDoctorView `json:"doctor"`
	}{rep, view}, "", "  ")
	if err != nil {
		return err
	}
	return store.WriteFileAtomic(path, append(b, '\n'))
}

func (a *app) reportDoctor(cmd *cobra.Command, f *doctorFlags, rep *supportReport) *reportDoctorView {
	view := &reportDoctorView{NamesKept: f.includeNames}
	rt, err := doctorTenantOf(rep, f.tenant)
	if err != nil {
		view.Error = err.Error()
		fmt.Fprintf(a.errOut, "Doctor: %s\n", safeMessage(view.Error))
		return view
	}
	view.Tenant = rt.TenantID
	tr := a.tracing()
	from := len(rep.Trace)
	stop := rep.record(tr)
	r, err := a.doctorRead(cmd, &doctorOptions{deviceCode: f.deviceCode, adminID: f.adminID},
		doctorTarget{tenant: defender.Target{TenantID: rt.TenantID}, cloud: rep.Cloud, clientID: rep.Connector.ClientID, appOnly: reportedTest(rep, rt)})
	stop()
	if err != nil {
		view.Error = sanitize.Line(err.Error(), sanitize.JSON)
		fmt.Fprintf(a.errOut, "Doctor: %s\n", safeMessage(view.Error))
	} else {
		view.Report = r
		fmt.Fprintf(a.errOut, "Doctor: %d finding(s) from the tenant's side added to the report.\n", len(r.Findings))
	}
	red := tr.red
	if !f.includeNames {
		for _, n := range peopleIn(r, rep.Trace[from:]) {
			red.Add(n)
		}
	}
	for i := range rep.Trace[from:] {
		scrubExchange(&rep.Trace[from+i], red)
	}
	redactValue(reflect.ValueOf(view).Elem(), red)
	return view
}

// doctorTenantOf is the report's tenant --doctor names.
func doctorTenantOf(rep *supportReport, want string) (reportTenant, error) {
	if want == doctorAuto {
		if len(rep.Tenants) != 1 {
			return reportTenant{}, usagef("--doctor signs in to one tenant and the report has %d: name it with --doctor=TENANT", len(rep.Tenants))
		}
		return rep.Tenants[0], nil
	}
	tid, err := defender.ParseTenant(want)
	if err != nil {
		return reportTenant{}, usagef("--doctor=%s: %v", want, err)
	}
	for _, t := range rep.Tenants {
		if strings.EqualFold(t.TenantID, tid) || t.Info != nil && strings.EqualFold(t.Info.TenantID, tid) {
			return t, nil
		}
	}
	return reportTenant{}, usagef("--doctor=%s is not a tenant of this report", want)
}

// reportedTest is the report's own app-only test of tenant t.
func reportedTest(rep *supportReport, t reportTenant) *appOnlyTest {
	out := &appOnlyTest{source: "test", at: rep.CreatedAt}
	if rep.Source == "recorded" && rep.RecordedAt != nil {
		out.source, out.at = "recorded", *rep.RecordedAt
	}
	for _, c := range t.Checks {
		out.checks = append(out.checks, doctor.Check{ID: c.ID, Title: c.ID.Title(), Status: c.Status, Problem: problem.Code(c.Problem)})
	}
	return out
}

// sensitiveFieldRE finds the device flow's and PKCE's one-time values, which
// the trace's redactor does not know by name.
var sensitiveFieldRE = regexp.MustCompile(`(?i)("?(?:device_code|user_code|code_verifier)"?\s*[:=]\s*"?)([^"&\s,}]+)`)

// scrubExchange redacts a doctor exchange again, now that the device code
// and the people's names are known.
func scrubExchange(ex *tracedExchange, red *defender.Redactor) {
	clean := func(s string) string { return sensitiveFieldRE.ReplaceAllString(red.String(s), "${1}[REDACTED]") }
	ex.URL, ex.RequestBody, ex.ResponseBody, ex.Error = clean(ex.URL), clean(ex.RequestBody), clean(ex.ResponseBody), clean(ex.Error)
	for _, h := range []map[string]string{ex.RequestHeaders, ex.ResponseHeaders} {
		for k, v := range h {
			h[k] = clean(v)
		}
	}
}

// upnRE finds a user principal name (an address) in text.
var upnRE = regexp.MustCompile(`[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+`)

// peopleIn are the user principal names and people's names the doctor's
// exchanges and report hold: every address, and the display name of every
// user object that has a userPrincipalName.
func peopleIn(r *doctor.Report, exs []tracedExchange) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if r != nil {
		b, _ := json.Marshal(r)
		for _, m := range upnRE.FindAllString(string(b), -1) {
			add(m)
		}
	}
	for _, ex := range exs {
		for _, m := range upnRE.FindAllString(ex.ResponseBody, -1) {
			add(m)
		}
		var doc any
		if json.Unmarshal([]byte(ex.ResponseBody), &doc) == nil {
			userNames(doc, add)
		}
	}
	return out
}

// userNames walks a JSON document for objects that name a user.
func userNames(v any, add func(string)) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["userPrincipalName"].(string); ok {
			if n, ok := x["displayName"].(string); ok {
				add(n)
			}
		}
		for _, e := range x {
			userNames(e, add)
		}
	case []any:
		for _, e := range x {
			userNames(e, add)
		}
	}
}
