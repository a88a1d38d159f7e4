package cli

import (
	"encoding/json"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/store"
)

// reportSchema is the version of the report format; replay reads it.
const reportSchema = 1

// supportReport is the diagnostic bundle `mdeconnect report` writes: enough
// for support to see why a test failed and to replay it on their own desk.
// Nothing in it is a secret: every string passes through the redactor.
type supportReport struct {
	Schema     int              `json:"schema"`
	CreatedAt  time.Time        `json:"created_at"`
	Source     string           `json:"source"` // "run", or "recorded" with --last
	RecordedAt *time.Time       `json:"recorded_at,omitempty"`
	Tool       toolInfo         `json:"mdeconnect"`
	System     systemInfo       `json:"system"`
	Cloud      defender.Cloud   `json:"cloud"`
	Connector  reportConnector  `json:"connector"`
	OK         bool             `json:"ok"`
	DurationMS int64            `json:"duration_ms"`
	Tenants    []reportTenant   `json:"tenants"`
	Trace      []tracedExchange `json:"trace"`
}

type toolInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	Module    string `json:"module,omitempty"`
	Revision  string `json:"vcs_revision,omitempty"`
	Time      string `json:"vcs_time,omitempty"`
	Modified  bool   `json:"vcs_modified,omitempty"`
}

type systemInfo struct {
	GOOS        string `json:"goos"`
	GOARCH      string `json:"goarch"`
	Term        string `json:"term"`
	TermProgram string `json:"term_program,omitempty"`
	StdinTTY    bool   `json:"stdin_tty"`
	StdoutTTY   bool   `json:"stdout_tty"`
	StderrTTY   bool   `json:"stderr_tty"`
	NoColor     bool   `json:"no_color,omitempty"`
	Proxy       bool   `json:"https_proxy_set,omitempty"`
	CertFile    bool   `json:"ssl_cert_file_set,omitempty"`
}

// reportConnector is the connector tested, without its secret.
type reportConnector struct {
	Name        string          `json:"name,omitempty"`
	AdHoc       bool            `json:"ad_hoc,omitempty"`
	ClientID    string          `json:"client_id"`
	Cloud       string          `json:"cloud"`
	Mode        store.Mode      `json:"mapping_mode,omitempty"`
	SecretStore store.Backend   `json:"secret_store,omitempty"`
	Endpoints   store.Endpoints `json:"endpoints,omitzero"`
	Mappings    []reportMapping `json:"mappings,omitempty"`
}

type reportMapping struct {
	TenantID string `json:"tenant_id"`
	Customer string `json:"customer,omitempty"`
	Domain   string `json:"domain,omitempty"`
}

func mappingsOf(ms []store.Mapping) []reportMapping {
	out := make([]reportMapping, len(ms))
	for i, m := range ms {
		out[i] = reportMapping{TenantID: m.TenantID, Customer: m.CustomerName, Domain: m.Domain}
	}
	return out
}

type reportTenant struct {
	TenantID string                     `json:"tenant_id"`
	Customer string                     `json:"customer,omitempty"`
	OK       bool                       `json:"ok"`
	Info     *defender.TenantInfo       `json:"discovery,omitempty"`
	Claims   map[string]defender.Claims `json:"token_claims,omitempty"`
	// GrantedRoles is what a recorded (--last) test kept of the claims.
	GrantedRoles []string      `json:"granted_roles,omitempty"`
	Checks       []reportCheck `json:"checks"`
}

type reportCheck struct {
	ID           defender.CheckID      `json:"id"`
	Title        string                `json:"title"`
	Status       defender.Status       `json:"status"`
	Problem      problem.Code          `json:"problem"`
	ProblemTitle string                `json:"problem_title,omitempty"`
	Message      string                `json:"message,omitempty"`
	Remedy       string                `json:"remedy,omitempty"`
	DurationMS   int64                 `json:"duration_ms"`
	Diag         *defender.Diagnostics `json:"diag,omitempty"`
}

// newReport fills what every report has: the tool, the system, the cloud.
func (a *app) newReport(cloud defender.Cloud, conn reportConnector) *supportReport {
	return &supportReport{Schema: reportSchema, CreatedAt: a.now().UTC(), Source: "run",
		Tool: buildInfo(), System: a.systemInfo(), Cloud: cloud, Connector: conn, Trace: []tracedExchange{}}
}

// addResult puts a run's checks, tenant facts and claims in the report.
func (r *supportReport) addResult(res defender.Result) {
	r.OK, r.DurationMS = res.OK, res.DurationMS
	for _, t := range res.Tenants {
		rt := reportTenant{TenantID: t.TenantID, Customer: t.Customer, OK: t.OK, Info: t.Info, Claims: t.Claims}
		for _, c := range t.Checks {
			rt.Checks = append(rt.Checks, reportCheck{ID: c.ID, Title: c.ID.Title(), Status: c.Status, Problem: c.Problem,
				ProblemTitle: problemTitle(c.Problem), Message: c.Message, Remedy: c.Remedy, DurationMS: c.DurationMS, Diag: c.Diag})
		}
		r.Tenants = append(r.Tenants, rt)
	}
}

// addRecorded puts a connector's last recorded test in the report.
func (r *supportReport) addRecorded(v store.Validation) {
	at := v.At
	r.Source, r.RecordedAt, r.OK = "recorded", &at, v.OK
	for _, t := range v.Tenants {
		rt := reportTenant{TenantID: t.TenantID, OK: t.OK, GrantedRoles: t.GrantedRoles}
		if t.RegionScope != "" || t.CloudInstance != "" {
			rt.Info = &defender.TenantInfo{TenantID: t.TenantID, RegionScope: t.RegionScope, CloudInstance: t.CloudInstance}
		}
		for _, c := range t.Checks {
			id, p := defender.CheckID(c.ID), problem.Code(c.Problem)
			rc := reportCheck{ID: id, Title: id.Title(), Status: defender.Status(c.Status), Problem: p, ProblemTitle: problemTitle(p)}
			if rc.Status == defender.Fail || rc.Status == defender.Warn {
				rc.Remedy = p.Remedy()
			}
			rt.Checks = append(rt.Checks, rc)
		}
		r.Tenants = append(r.Tenants, rt)
	}
}

func problemTitle(p problem.Code) string {
	if p == problem.None {
		return ""
	}
	return p.Title()
}

// finish sorts the trace by start time and redacts every string in the report.
func (r *supportReport) finish(red *defender.Redactor) {
	slices.SortStableFunc(r.Trace, func(x, y tracedExchange) int { return x.Time.Compare(y.Time) })
	redactValue(reflect.ValueOf(r).Elem(), red)
}

// redactValue passes every exported string reachable from v through red.
func redactValue(v reflect.Value, red *defender.Redactor) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(red.String(v.String()))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			redactValue(v.Elem(), red)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				redactValue(v.Field(i), red)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			redactValue(v.Index(i), red)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			redactValue(e, red)
			v.SetMapIndex(k, e)
		}
	}
}

// redactJSONValues redacts the string values of a JSON document.
func redactJSONValues(b []byte, red *defender.Redactor) []byte {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return []byte(strconv.Quote(red.String(string(b))))
	}
	out, err := json.Marshal(redactAny(v, red))
	if err != nil {
		return []byte(strconv.Quote(red.String(string(b))))
	}
	return out
}

func redactAny(v any, red *defender.Redactor) any {
	switch x := v.(type) {
	case string:
		return red.String(x)
	case []any:
		for i := range x {
			x[i] = redactAny(x[i], red)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = redactAny(e, red)
		}
	}
	return v
}

// buildInfo is mdeconnect's version for a report, from the one source
// (currentVersion) that `version` and --debug logs read too.
func buildInfo() toolInfo {
	v := currentVersion()
	return toolInfo{Version: v.Version, GoVersion: v.GoVersion, Module: v.Module,
		Revision: v.Commit, Time: v.Date, Modified: v.Modified}
}

func (a *app) systemInfo() systemInfo {
	return systemInfo{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, Term: a.getenv("TERM"), TermProgram: a.getenv("TERM_PROGRAM"),
		StdinTTY: a.inTTY, StdoutTTY: a.outTTY, StderrTTY: a.errTTY,
		NoColor: a.getenv("NO_COLOR") != "", Proxy: a.getenv("HTTPS_PROXY") != "" || a.getenv("https_proxy") != "",
		CertFile: a.getenv("SSL_CERT_FILE") != ""}
}

// writeReportFile writes the report as indented JSON, readable only by the
// user, atomically: a symbolic link at path is replaced, not followed, and a
// full disk leaves the previous file whole.
func writeReportFile(path string, r *supportReport) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return store.WriteFileAtomic(path, append(b, '\n'))
}
