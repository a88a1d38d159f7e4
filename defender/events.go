package defender

// EventKind says what an Event reports.
type EventKind int

// Progress events, in the order a tenant emits them.
const (
	TenantStarted EventKind = iota
	CheckStarted
	CheckFinished
	TenantFinished
)

// Event is one step of progress. The wizard's spinners and the CLI's progress
// lines consume the same stream.
type Event struct {
	Kind     EventKind
	TenantID string
	Check    CheckID
	// Result is set on CheckFinished.
	Result *CheckResult
	// Tenant is set on TenantFinished.
	Tenant *TenantResult
}
