package defender

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/defender/problem"
)

// Bounds that keep checks fast: a check counts what one or a few requests
// return, and says so, rather than downloading a whole estate.
const (
	machinesPageSize = 10000
	machinesMaxPages = 3
	avInfoPageSize   = 1000
	recsPageSize     = 10000
)

// outcome is what a check function decides; timing and remedy are added by the runner.
type outcome struct {
	status  Status
	problem problem.Code
	message string
	diag    *Diagnostics
	// cloud is, for WrongCloud, the preset the tenant belongs to.
	cloud string
}

func pass(format string, args ...any) outcome {
	return outcome{status: Pass, message: fmt.Sprintf(format, args...)}
}

func warn(code problem.Code, format string, args ...any) outcome {
	return outcome{status: Warn, problem: code, message: fmt.Sprintf(format, args...)}
}

func skip(format string, args ...any) outcome {
	return outcome{status: Skip, message: fmt.Sprintf(format, args...)}
}

// failed turns an error into a failing outcome, or a warning for limited
// data: the setup guide's "Limited data available" (a licence, as a 403
// DisabledFeature says, or no devices) never fails a connector.
func failed(err error) outcome {
	e := asError(err)
	o := outcome{status: Fail, problem: e.Problem, message: e.Error(), cloud: e.SuggestedCloud}
	if e.Problem == problem.LimitedData {
		o.status = Warn
	}
	if e.Diag.HTTPStatus != 0 || e.Diag.URL != "" || len(e.Diag.AADSTS) > 0 {
		d := e.Diag
		o.diag = &d
	}
	return o
}

func asError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	if e := new(Error); errorsAs(err, &e) {
		return e
	}
	if isCancel(err) {
		return &Error{Problem: problem.NetworkError, Msg: "cancelled before it finished", Err: err}
	}
	return &Error{Problem: problem.ServiceError, Msg: err.Error(), Err: err}
}

var healthOrder = []struct{ status, label string }{
	{"Active", "active"}, {"Inactive", "inactive"}, {"ImpairedCommunication", "impaired communication"},
	{"NoSensorData", "no sensor data"}, {"NoSensorDataImpairedCommunication", "no sensor data and impaired communication"},
}

type machine struct {
	HealthStatus     string `json:"healthStatus"`
	OnboardingStatus string `json:"onboardingStatus"`
}

func checkSensorHealth(ctx context.Context, r *tenantRun) outcome {
	l, err := fetchList[machine](ctx, r.g, r.cloud.APIURL, fmt.Sprintf("/api/machines?$top=%d", machinesPageSize), r.bearer(ResourceDefender), machinesMaxPages)
	if err != nil {
		if e := asError(err); e.Diag.HTTPStatus == 404 {
			// "List machines API": "If there are no recent machines, you see 404 Not Found."
			return warn(problem.LimitedData, "no recent devices: the machines API answered 404 (no device has communicated with Defender for Endpoint recently)")
		}
		return failed(err)
	}
	if len(l.Items) == 0 {
		return warn(problem.LimitedData, "0 devices: no device is onboarded to Defender for Endpoint yet")
	}
	counts := map[string]int{}
	onboarded := 0
	for _, m := range l.Items {
		counts[m.HealthStatus]++
		if m.OnboardingStatus == "Onboarded" {
			onboarded++
		}
	}
	var parts []string
	for _, h := range healthOrder {
		if n := counts[h.status]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, h.label))
			delete(counts, h.status)
		}
	}
	for _, k := range sortedKeys(counts) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], strings.ToLower(k)))
	}
	what := fmt.Sprintf("%d devices", len(l.Items))
	if l.Truncated {
		what = fmt.Sprintf("first %d devices counted (%d pages)", len(l.Items), l.Pages)
	}
	return pass("%s: %s; %d onboarded", what, strings.Join(parts, ", "), onboarded)
}

type avInfo struct {
	MachineID string `json:"machineId"`
	ID        string `json:"id"`
	Signature string `json:"avIsSignatureUpToDate"`
	Engine    string `json:"avIsEngineUpToDate"`
	Platform  string `json:"avIsPlatformUpToDate"`
}

// avState is one device's antivirus state over all its rows.
type avState struct{ signature, engine, platform bool }

// checkUpdateCompliance counts devices, not rows: "Export device antivirus
// health report" returns "an entry for every unique combination of DeviceId,
// Device name, AV mode, Up-to-date status, Scan results", so one device can
// have several rows. A device counts as up to date only if all its rows say so.
func checkUpdateCompliance(ctx context.Context, r *tenantRun) outcome {
	l, err := fetchList[avInfo](ctx, r.g, r.cloud.APIURL, fmt.Sprintf("/api/deviceavinfo?$top=%d", avInfoPageSize), r.bearer(ResourceDefender), 1)
	if err != nil {
		return failed(err)
	}
	if len(l.Items) == 0 {
		return warn(problem.LimitedData, "no antivirus update data: no device reports its Defender Antivirus state yet")
	}
	devices := map[string]*avState{}
	for i, a := range l.Items {
		id := a.MachineID
		if id == "" {
			id = a.ID
		}
		if id == "" {
			id = fmt.Sprintf("row %d", i) // no ID: a device of its own
		}
		d := devices[id]
		if d == nil {
			d = &avState{true, true, true}
			devices[id] = d
		}
		d.signature = d.signature && isTrue(a.Signature)
		d.engine = d.engine && isTrue(a.Engine)
		d.platform = d.platform && isTrue(a.Platform)
	}
	var sig, eng, plat int
	for _, d := range devices {
		sig += count(d.signature)
		eng += count(d.engine)
		plat += count(d.platform)
	}
	what := fmt.Sprintf("%d devices", len(devices))
	if l.Truncated {
		what = fmt.Sprintf("first %d devices counted", len(devices))
	}
	return pass("%s: signatures up to date on %d, engine on %d, platform on %d", what, sig, eng, plat)
}

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isTrue reads the API's "True", "False" and "Unknown" strings.
func isTrue(s string) bool { return strings.EqualFold(s, "true") }

type score struct {
	Time  string  `json:"time"`
	Score float64 `json:"score"`
}

func checkExposureScore(ctx context.Context, r *tenantRun) outcome {
	var exp, conf score
	errs := parallel(ctx,
		func(ctx context.Context) error {
			return fetchJSON(ctx, r.g, r.cloud.APIURL+"/api/exposureScore", r.bearer(ResourceDefender), &exp)
		},
		func(ctx context.Context) error {
			return fetchJSON(ctx, r.g, r.cloud.APIURL+"/api/configurationScore", r.bearer(ResourceDefender), &conf)
		})
	if err := worst(errs...); err != nil {
		return failed(err)
	}
	return pass("exposure score %.2f, configuration score %.0f", exp.Score, conf.Score)
}

type recommendation struct {
	Name          string  `json:"recommendationName"`
	SeverityScore float64 `json:"severityScore"`
	Exposed       int     `json:"exposedMachinesCount"`
	Status        string  `json:"status"`
}

func checkRecommendations(ctx context.Context, r *tenantRun) outcome {
	l, err := fetchList[recommendation](ctx, r.g, r.cloud.APIURL, fmt.Sprintf("/api/recommendations?$top=%d", recsPageSize), r.bearer(ResourceDefender), 1)
	if err != nil {
		return failed(err)
	}
	if len(l.Items) == 0 {
		return warn(problem.LimitedData, "0 security recommendations: none are computed until devices report")
	}
	high := 0
	for _, x := range l.Items {
		if x.SeverityScore >= 7 {
			high++
		}
	}
	return pass("%d security recommendations, %d of severity 7 or more", len(l.Items), high)
}

type healthOverview struct {
	ID      string `json:"id"`
	Service string `json:"service"`
	Status  string `json:"status"`
}

// defenderServiceID and defenderServiceName identify Defender XDR, the
// service health entry Defender for Endpoint's incidents are posted under.
// The id is community evidence (shared/PROTOCOL.md section 5); the name is
// the fallback. Never any name containing "Defender": Defender for Cloud
// Apps, for Identity and for Office 365 are other services.
const (
	defenderServiceID   = "Microsoft365Defender"
	defenderServiceName = "Microsoft Defender XDR"
)

// openStatus reports whether a serviceHealthStatus value is an open issue.
// Graph's "serviceHealth resource type" lists the status enum; the closed
// and benign states (serviceOperational, serviceRestored,
// postIncidentReviewPublished, falsePositive, resolved, resolvedExternal,
// mitigated, mitigatedExternal) and values unknown today are not.
func openStatus(s string) bool {
	switch strings.ToLower(s) {
	case "investigating", "restoringservice", "verifyingservice", "servicedegradation", "serviceinterruption",
		"extendedrecovery", "investigationsuspended", "confirmed", "reported":
		return true
	}
	return false
}

func checkServiceHealth(ctx context.Context, r *tenantRun) outcome {
	l, err := fetchList[healthOverview](ctx, r.g, r.cloud.GraphURL, "/v1.0/admin/serviceAnnouncement/healthOverviews", r.bearer(ResourceGraph), 2)
	if err != nil {
		return failed(err)
	}
	return defenderHealth(l.Items)
}

// defenderHealth judges Defender XDR's entry in a healthOverviews list.
func defenderHealth(items []healthOverview) outcome {
	l := listing[healthOverview]{Items: items}
	i := slices.IndexFunc(l.Items, func(h healthOverview) bool { return strings.EqualFold(h.ID, defenderServiceID) })
	if i < 0 {
		i = slices.IndexFunc(l.Items, func(h healthOverview) bool { return strings.EqualFold(h.Service, defenderServiceName) })
	}
	if i < 0 {
		return pass("%d services reported, Microsoft Defender XDR not among them", len(l.Items))
	}
	h := l.Items[i]
	if openStatus(h.Status) {
		return warn(problem.ServiceError, "Microsoft reports an open issue: %s: %s", h.Service, h.Status)
	}
	switch strings.ToLower(h.Status) {
	case "serviceoperational":
		return pass("%s operational (%d services reported)", h.Service, len(l.Items))
	case "servicerestored", "postincidentreviewpublished", "falsepositive", "resolved", "resolvedexternal", "mitigated", "mitigatedexternal":
		return pass("%s operational, its last issue closed (%s; %d services reported)", h.Service, h.Status, len(l.Items))
	}
	return pass("%s reports %q, not an open issue (%d services reported)", h.Service, clip(h.Status, 40), len(l.Items))
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
