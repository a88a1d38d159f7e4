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

// failed turns an error into a failing (or, for limited data, warning) outcome.
func failed(err error) outcome {
	e := asError(err)
	o := outcome{status: Fail, problem: e.Problem, message: e.Error()}
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
			return warn(problem.LimitedData, "no recent devices: the machines API answered 404 (no device has reported in the last 30 days)")
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
	Signature string `json:"avIsSignatureUpToDate"`
	Engine    string `json:"avIsEngineUpToDate"`
	Platform  string `json:"avIsPlatformUpToDate"`
}

func checkUpdateCompliance(ctx context.Context, r *tenantRun) outcome {
	l, err := fetchList[avInfo](ctx, r.g, r.cloud.APIURL, fmt.Sprintf("/api/deviceavinfo?$top=%d", avInfoPageSize), r.bearer(ResourceDefender), 1)
	if err != nil {
		return failed(err)
	}
	if len(l.Items) == 0 {
		return warn(problem.LimitedData, "no antivirus update data: no device reports its Defender Antivirus state yet")
	}
	var sig, eng, plat int
	for _, a := range l.Items {
		sig += isTrue(a.Signature)
		eng += isTrue(a.Engine)
		plat += isTrue(a.Platform)
	}
	what := fmt.Sprintf("%d devices", len(l.Items))
	if l.Truncated {
		what = fmt.Sprintf("first %d devices counted", len(l.Items))
	}
	return pass("%s: signatures up to date on %d, engine on %d, platform on %d", what, sig, eng, plat)
}

func isTrue(s string) int {
	if strings.EqualFold(s, "true") {
		return 1
	}
	return 0
}

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
	Service string `json:"service"`
	Status  string `json:"status"`
}

func checkServiceHealth(ctx context.Context, r *tenantRun) outcome {
	l, err := fetchList[healthOverview](ctx, r.g, r.cloud.GraphURL, "/v1.0/admin/serviceAnnouncement/healthOverviews", r.bearer(ResourceGraph), 2)
	if err != nil {
		return failed(err)
	}
	var bad []string
	found := ""
	for _, h := range l.Items {
		if !strings.Contains(strings.ToLower(h.Service), "defender") {
			continue
		}
		found = h.Service
		if !strings.EqualFold(h.Status, "serviceOperational") {
			bad = append(bad, fmt.Sprintf("%s: %s", h.Service, h.Status))
		}
	}
	switch {
	case len(bad) > 0:
		return warn(problem.ServiceError, "Microsoft reports an issue: %s", strings.Join(bad, "; "))
	case found == "":
		return pass("%d services reported, none named Defender", len(l.Items))
	}
	return pass("%s operational (%d services reported)", found, len(l.Items))
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
