package defender

import (
	"context"
	"time"
)

// EventKind says what an Event reports.
type EventKind int

// Progress events, in the order a tenant emits them. Retrying may come
// between a check's CheckStarted and its CheckFinished, once per wait.
const (
	TenantStarted EventKind = iota
	CheckStarted
	CheckFinished
	TenantFinished
	// Retrying says a request of Check is about to wait Wait before try
	// Attempt+1: Microsoft throttled it (Status 429, Wait from its
	// Retry-After when Asked), answered 5xx, or did not answer (Status 0).
	Retrying
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
	// Attempt, Wait, Status and Asked are set on Retrying: Attempt is the
	// try that failed (1 for the first), Wait the pause before the next,
	// Status the failed try's HTTP status (0 for a network fault), and
	// Asked whether Wait is what the reply's Retry-After asked for.
	Attempt int
	Wait    time.Duration
	Status  int
	Asked   bool
}

// retryNote hears of a retry before its wait: attempt failed with status
// (0: no reply) and the next try comes after wait.
type retryNote func(attempt int, wait time.Duration, status int, asked bool)

type retryNoteKey struct{}

// withRetryNote is ctx whose requests report their retries to f. The
// request loops (getter.getStream, tokens.acquire) know neither tenant nor
// check; the run that sends them for a check does.
func withRetryNote(ctx context.Context, f retryNote) context.Context {
	return context.WithValue(ctx, retryNoteKey{}, f)
}

// noteRetry tells ctx's listener, if any, of a retry about to wait.
func noteRetry(ctx context.Context, attempt int, wait time.Duration, status int, asked bool) {
	if f, ok := ctx.Value(retryNoteKey{}).(retryNote); ok && f != nil {
		f(attempt, wait, status, asked)
	}
}
