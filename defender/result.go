// Package defender speaks to Microsoft for mdeconnect: clouds, tenant lookup,
// app-only tokens through MSAL, the Defender for Endpoint and Graph APIs, and
// the validation checks that prove a connector works.
package defender

import (
	"github.com/paratira/mdeconnect/defender/problem"
)

// Status is the outcome of one check.
type Status string

// Check outcomes. A warning never fails a connector; a failure does.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// CheckID names a validation check; ids are stable and appear in JSON.
type CheckID string

// The checks, in the order they run for a tenant.
const (
	CheckTenant           CheckID = "tenant"
	CheckToken            CheckID = "token"
	CheckPermissions      CheckID = "permissions"
	CheckSensorHealth     CheckID = "sensor_health"
	CheckUpdateCompliance CheckID = "update_compliance"
	CheckExposureScore    CheckID = "exposure_score"
	CheckRecommendations  CheckID = "recommendations"
	CheckServiceHealth    CheckID = "service_health"
)

var checkTitles = []struct {
	id    CheckID
	title string
}{
	{CheckTenant, "Tenant exists"},
	{CheckToken, "App-only token"},
	{CheckPermissions, "API permissions"},
	{CheckSensorHealth, "Service health and status"},
	{CheckUpdateCompliance, "Endpoint update compliance"},
	{CheckExposureScore, "Risk scores"},
	{CheckRecommendations, "Security recommendations"},
	{CheckServiceHealth, "Microsoft 365 service health"},
}

// CheckIDs lists every check in run order.
func CheckIDs() []CheckID {
	ids := make([]CheckID, len(checkTitles))
	for i, c := range checkTitles {
		ids[i] = c.id
	}
	return ids
}

// Title is the check's name as users see it.
func (id CheckID) Title() string {
	for _, c := range checkTitles {
		if c.id == id {
			return c.title
		}
	}
	return string(id)
}

// CheckResult is the outcome of one check for one tenant. Its JSON form is a
// documented contract (README: "JSON output").
type CheckResult struct {
	ID         CheckID      `json:"id"`
	Status     Status       `json:"status"`
	Problem    problem.Code `json:"problem"`
	Message    string       `json:"message"`
	Remedy     string       `json:"remedy"`
	DurationMS int64        `json:"duration_ms"`
	// Diag holds what support needs (AADSTS code, trace IDs); reports show it.
	Diag *Diagnostics `json:"-"`
	// SuggestedCloud is, for wrong_cloud, the --cloud preset Entra ID places
	// the tenant in ("" when none fits or it is not known).
	SuggestedCloud string `json:"-"`
}

// Diagnostics are the wire facts behind a failure, kept for support.
type Diagnostics struct {
	HTTPStatus       int    `json:"http_status,omitempty"`
	URL              string `json:"url,omitempty"`
	Error            string `json:"error,omitempty"`
	ErrorDescription string `json:"error_description,omitempty"`
	AADSTS           []int  `json:"aadsts,omitempty"`
	TraceID          string `json:"trace_id,omitempty"`
	CorrelationID    string `json:"correlation_id,omitempty"`
	RequestID        string `json:"request_id,omitempty"`
	APICode          string `json:"api_code,omitempty"`
}

// Target is one tenant to validate, with the Paratira customer it maps to.
type Target struct {
	TenantID string
	Customer string
}

// TenantResult holds every check of one tenant.
type TenantResult struct {
	TenantID string        `json:"tenant_id"`
	Customer string        `json:"customer"`
	OK       bool          `json:"ok"`
	Checks   []CheckResult `json:"checks"`
	// Info is what discovery learned (resolved GUID, region); nil when it failed.
	Info *TenantInfo `json:"-"`
	// Claims are the decoded tokens' claims by resource ("defender", "graph").
	Claims map[string]Claims `json:"-"`
}

// Result is one validation run over one or more tenants.
type Result struct {
	OK         bool           `json:"ok"`
	DurationMS int64          `json:"duration_ms"`
	Tenants    []TenantResult `json:"tenants"`
	// Cancelled is set when the run was interrupted before every check ended.
	Cancelled bool `json:"cancelled,omitempty"`
}

// Check returns the result of check id, and whether it ran.
func (t TenantResult) Check(id CheckID) (CheckResult, bool) {
	for _, c := range t.Checks {
		if c.ID == id {
			return c, true
		}
	}
	return CheckResult{}, false
}

// Counts tallies check statuses over a run.
func (r Result) Counts() map[Status]int {
	n := map[Status]int{}
	for _, t := range r.Tenants {
		for _, c := range t.Checks {
			n[c.Status]++
		}
	}
	return n
}
