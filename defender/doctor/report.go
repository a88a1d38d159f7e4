package doctor

import (
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// Report is one tenant seen from its admin's side. Its JSON form is a
// documented contract (README: "Doctor"): fields are added, never renamed.
type Report struct {
	TenantID string    `json:"tenant_id"`
	ReadAt   time.Time `json:"read_at"`
	// SignedInAs is the admin who signed in (a report keeps it only with
	// --include-names).
	SignedInAs        string            `json:"signed_in_as,omitempty"`
	App               App               `json:"enterprise_app"`
	Roles             Roles             `json:"roles"`
	Consent           Consent           `json:"consent"`
	SignIns           SignIns           `json:"sign_ins"`
	ConditionalAccess ConditionalAccess `json:"conditional_access"`
	// AppOnly is the app-only test the findings are joined with.
	AppOnly *AppOnly `json:"app_only,omitempty"`
	// Findings are what the tenant says, each with the checks it explains.
	Findings []Finding `json:"findings"`
	// Unexplained are failed app-only checks no finding explains.
	Unexplained []Check `json:"unexplained"`
}

// Status says whether a section could be read.
type Status string

// Section statuses.
const (
	StatusRead         Status = "ok"            // read
	StatusNotAvailable Status = "not_available" // Graph refused: a licence, a role or a scope is missing
	StatusSkipped      Status = "skipped"       // not needed for this tenant
	StatusFailed       Status = "error"         // Graph could not be read (network, 5xx)
)

// Section is a section's status and, unless read, why.
type Section struct {
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// App is Paratira's enterprise application (service principal).
type App struct {
	Section
	Present     bool   `json:"present"`
	Enabled     *bool  `json:"enabled,omitempty"`
	ObjectID    string `json:"object_id,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	// Removed is the audit entry of its removal, when it is gone.
	Removed *Event `json:"removed,omitempty"`
	// Changes are other audit entries about it (an update, a role removed).
	Changes []Event `json:"changes"`
	// DefenderProvisioned says whether WindowsDefenderATP has a service
	// principal in the tenant (nil when unknown).
	DefenderProvisioned *bool `json:"defender_provisioned,omitempty"`
}

// Event is one directory audit entry.
type Event struct {
	At       time.Time `json:"at"`
	Activity string    `json:"activity"`
	// By is the user principal name (or app) that did it.
	By     string `json:"by,omitempty"`
	Result string `json:"result"`
	Reason string `json:"reason,omitempty"`
	// Detail is what changed, as the audit entry names it.
	Detail string `json:"detail,omitempty"`
}

// Roles are the app roles granted to Paratira's app.
type Roles struct {
	Section
	Required []Role `json:"required"`
	// Missing are required roles not granted; Excess granted roles beyond
	// read-only; Other granted read-only roles Paratira does not ask for.
	Missing []string `json:"missing"`
	Excess  []string `json:"excess"`
	Other   []string `json:"other"`
	// GrantedAt is the earliest grant (assignments' createdDateTime): Graph
	// v1.0's servicePrincipal has no creation time of its own.
	GrantedAt *time.Time `json:"granted_at,omitempty"`
}

// Role is one required role and whether it is granted.
type Role struct {
	Name    string `json:"name"`
	API     string `json:"api"`
	Granted bool   `json:"granted"`
}

// Consent is who consented to Paratira's app and when.
type Consent struct {
	Section
	// Last is the newest consent that succeeded; Attempts every consent
	// entry found, newest first.
	Last     *ConsentEvent  `json:"last,omitempty"`
	Attempts []ConsentEvent `json:"attempts"`
}

// ConsentEvent is a "Consent to application" audit entry.
type ConsentEvent struct {
	Event
	// AdminConsent is ConsentContext.IsAdminConsent (nil when not given).
	AdminConsent *bool `json:"admin_consent,omitempty"`
}

// SignIns are Paratira's recent service principal sign-ins.
type SignIns struct {
	Section
	Examined    int             `json:"examined"`
	LastSuccess *time.Time      `json:"last_success,omitempty"`
	Failures    []SignInFailure `json:"failures"`
}

// SignInFailure is one failed sign-in of Paratira's app.
type SignInFailure struct {
	At            time.Time `json:"at"`
	AADSTS        int       `json:"aadsts"`
	Reason        string    `json:"reason,omitempty"`
	Resource      string    `json:"resource,omitempty"`
	CorrelationID string    `json:"correlation_id,omitempty"`
	// Policies are the Conditional Access policies that failed it.
	Policies []string `json:"ca_policies,omitempty"`
}

// ConditionalAccess lists the policies that could apply to Paratira's app.
type ConditionalAccess struct {
	Section
	Policies []Policy `json:"policies"`
}

// Policy is a Conditional Access policy that includes all apps or this one.
type Policy struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	State string `json:"state"`
	// Scope is "all_apps" or "this_app".
	Scope string   `json:"scope"`
	Grant []string `json:"grant_controls"`
	// FailedSignIn says a failed sign-in of the app names this policy.
	FailedSignIn bool `json:"failed_sign_in"`
}

// AppOnly is the app-only test a report is joined with.
type AppOnly struct {
	// Source is "test" (run by doctor) or "recorded" (the connector's last test).
	Source string    `json:"source"`
	At     time.Time `json:"at"`
	Checks []Check   `json:"checks"`
}

// Check is one app-only check.
type Check struct {
	ID      defender.CheckID `json:"id"`
	Title   string           `json:"title"`
	Status  defender.Status  `json:"status"`
	Problem problem.Code     `json:"problem,omitempty"`
}

// Finding is one thing the tenant says, with the app-only checks it
// explains and what to do.
type Finding struct {
	// ID is stable: app_missing, app_removed, app_disabled,
	// defender_not_provisioned, roles_missing, roles_excess,
	// consent_not_admin, consent_failed, consent_recent, sign_ins_failing,
	// ca_policy.
	ID       string          `json:"id"`
	Severity defender.Status `json:"severity"`
	Problem  problem.Code    `json:"problem"`
	Summary  string          `json:"summary"`
	Remedy   string          `json:"remedy"`
	Explains []Check         `json:"explains"`
}
