package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

// allOutput is `test --all --json`.
type allOutput struct {
	OK         bool              `json:"ok"`
	Summary    allSummary        `json:"summary"`
	Connectors []savedTestOutput `json:"connectors"`
	Errors     []connectorError  `json:"errors,omitempty"`
}

type allSummary struct {
	Connectors int `json:"connectors"`
	Tenants    int `json:"tenants"`
	Passing    int `json:"passing"`
	Warning    int `json:"warning"`
	Failing    int `json:"failing"`
}

type connectorError struct {
	Connector string `json:"connector"`
	Error     string `json:"error"`
}

// registerTestAllFlags adds the flags only `test --all` reads.
func registerTestAllFlags(cmd *cobra.Command) {
	cmd.Flags().Bool("failed-only", false, "with --all: the summary lists only failing tenants and connectors that could not be tested")
	cmd.Flags().Bool("json-lines", false, "with --all: one JSON object per connector as it finishes, then a summary object (JSON Lines)")
}

// runTestAll re-validates every saved connector and records the results:
// every tenant of every connector in one queue of --parallel workers, the
// connectors and their secrets read once, the results recorded in one
// write of the store at the end.
func (a *app) runTestAll(cmd *cobra.Command, o *testOptions) error {
	if len(o.tenants) > 0 || o.secretIn || cmd.Flags().Changed("client-id") {
		return usagef("--all tests every saved connector with its own tenants, client ID and secret: drop --tenant, --client-id and --client-secret-stdin")
	}
	failedOnly, _ := cmd.Flags().GetBool("failed-only")
	jsonLines, _ := cmd.Flags().GetBool("json-lines")
	if jsonLines && o.jsonOut {
		return usagef("give --json (one document) or --json-lines (a line per connector), not both")
	}
	if err := o.engineFlags.check(); err != nil {
		return err
	}
	st, list, err := a.loadConnectors()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return usagef("no saved connectors to test: add one with `mdeconnect` or `mdeconnect add`")
	}
	var sink allSink
	switch {
	case jsonLines:
		sink = &jsonLinesSink{w: a.out}
	case o.jsonOut:
		sink = &jsonDocSink{w: a.out}
	default:
		sink = &textSink{a: a, failedOnly: failedOnly}
	}
	ok, err := a.testEach(cmd, st, list, fleetRun{flags: o.engineFlags, wait: o.waitConsent, sink: sink})
	if err != nil {
		return err
	}
	if err := cmd.Context().Err(); err != nil {
		return err
	}
	if !ok {
		return errChecksFailed
	}
	return nil
}

// fleetRun is one `test --all`.
type fleetRun struct {
	flags engineFlags
	// wait, when set, re-tests tenants whose fresh consent has not propagated.
	wait time.Duration
	sink allSink
}

// fleetConnector is a connector under test: its tenants' results as they come.
type fleetConnector struct {
	c       store.Connector
	engine  *defender.Engine
	cloud   defender.Cloud
	secret  string
	results []defender.TenantResult
	left    int
	start   time.Time
	out     *savedTestOutput // its outcome, until handed to the sink
	done    bool             // every tenant has its result
	ok      bool
	record  *store.Validation // what the store records (not when cancelled)
	err     error             // it could not be tested at all
}

// testEach tests every connector of list and hands each outcome to run's
// sink, in list order, as soon as it and those before it are done; it
// records the results in the store once at the end (nothing when the run
// was cancelled) and reports whether every connector passed.
func (a *app) testEach(cmd *cobra.Command, st *store.Store, list []store.Connector, run fleetRun) (bool, error) {
	ctx := cmd.Context()
	defer a.httpClient.CloseIdleConnections() // the run's one pool, closed at its end
	secrets, serrs := st.Secrets(list)
	tenants := 0
	for _, c := range list {
		tenants += len(c.Mappings)
	}
	prog := a.newFleetProgress(tenants)
	conns := make([]*fleetConnector, len(list))
	var jobs []defender.Job
	var owner, slot []int // job j is tenant slot[j] of connector owner[j]
	for i, c := range list {
		fc := a.prepare(c, secrets[c.Name], serrs[c.Name], run.flags, prog)
		conns[i] = fc
		if fc.err != nil {
			continue
		}
		for k, t := range connector.Targets(c.Mappings) {
			jobs = append(jobs, defender.Job{Engine: fc.engine, Target: t})
			owner, slot = append(owner, i), append(slot, k)
		}
	}
	e := emitter{sink: run.sink, conns: conns}
	var waiting []int // connectors with a consent still propagating
	err := defender.ValidateJobs(ctx, run.flags.parallel, jobs, func(j int, t defender.TenantResult) {
		i := owner[j]
		fc := conns[i]
		if fc.start.IsZero() {
			fc.start = time.Now()
		}
		fc.results[slot[j]] = t
		fc.left--
		if fc.left > 0 {
			return
		}
		if run.wait > 0 && ctx.Err() == nil && propagating(fc.results) {
			waiting = append(waiting, i)
			return
		}
		fc.finish(ctx, a)
		e.emit()
	})
	if err == nil {
		a.waitForConsent(ctx, conns, waiting, run, prog)
	}
	prog.finish()
	e.emit()
	records := map[string]store.Validation{}
	ok := err == nil
	for _, fc := range conns {
		ok = ok && fc.err == nil && fc.ok
		if fc.record != nil {
			records[fc.c.Name] = *fc.record
		}
	}
	if err := run.sink.end(); err != nil {
		return false, err
	}
	if err != nil || ctx.Err() != nil {
		return false, err // cancelled: nothing recorded
	}
	if err := st.RecordValidations(records); err != nil {
		return false, fmt.Errorf("the tests ran but their results could not be recorded: %w", err)
	}
	return ok, nil
}

// prepare builds a connector's engine, or says why it cannot be tested.
func (a *app) prepare(c store.Connector, secret string, secretErr error, flags engineFlags, prog *fleetProgress) *fleetConnector {
	fc := &fleetConnector{c: c, secret: secret, results: make([]defender.TenantResult, len(c.Mappings)), left: len(c.Mappings)}
	if secretErr != nil {
		fc.err = fmt.Errorf("connector %q: %w; set a new one with `mdeconnect edit %s --client-secret-stdin`", c.Name, secretErr, connector.ShellQuote(c.Name))
		return fc
	}
	cloud, err := a.connectorCloud(c)
	if err != nil {
		fc.err = err
		return fc
	}
	if connector.SecretLooksLikeID(secret) {
		fmt.Fprintf(a.errOut, "Warning: connector %s: the client secret looks like a secret ID (a GUID). Paratira needs the secret's Value, shown once when it was created.\n", safe(c.Name))
	}
	fc.cloud = cloud
	if fc.engine, err = a.newEngine(cloud, c.ClientID, secret, flags, prog.onEvent(c.Name)); err == nil {
		err = fc.engine.Ready()
	}
	if err != nil {
		fc.err = fmt.Errorf("connector %q: %w", c.Name, err)
	}
	if len(c.Mappings) == 0 && fc.err == nil {
		fc.start = time.Now()
		fc.finish(context.Background(), a)
	}
	return fc
}

// finish makes the connector's outcome from its tenants' results.
func (fc *fleetConnector) finish(ctx context.Context, a *app) {
	res := defender.Result{OK: true, Tenants: fc.results, DurationMS: time.Since(fc.start).Milliseconds()}
	for _, t := range res.Tenants {
		res.OK = res.OK && t.OK
	}
	if ctx.Err() != nil {
		// Interrupted checks are skipped, not passed: nothing was proven.
		res.OK, res.Cancelled = false, true
	}
	fc.out = &savedTestOutput{Result: res, Connector: fc.c.Name, Changes: connector.Compare(fc.c, fc.c.LastValidation, res, a.consentLinkFor(fc.c))}
	fc.done, fc.ok = true, res.OK
	if !res.Cancelled {
		v := connector.ValidationRecord(res, a.now())
		fc.record = &v
	}
	// What the run no longer needs goes now, not at its end: a fleet's
	// previous records are as large as its new ones.
	fc.results, fc.c.LastValidation = nil, nil
}

// propagating reports whether a tenant waits only for a fresh consent.
func propagating(results []defender.TenantResult) bool {
	return slices.ContainsFunc(results, func(t defender.TenantResult) bool {
		_, ok := defender.PropagationPending(t)
		return ok
	})
}

// waitForConsent re-tests, for each waiting connector, the tenants whose
// consent has not propagated, until they pass or run.wait is over. The
// connectors wait side by side: each mostly sleeps between tries.
func (a *app) waitForConsent(ctx context.Context, conns []*fleetConnector, waiting []int, run fleetRun, prog *fleetProgress) {
	var wg sync.WaitGroup
	for _, i := range waiting {
		fc := conns[i]
		var pending []defender.Target
		for _, t := range fc.results {
			if _, ok := defender.PropagationPending(t); ok {
				pending = append(pending, defender.Target{TenantID: t.TenantID, Customer: t.Customer})
			}
		}
		newEngine := func() (*defender.Engine, error) {
			return a.newEngine(fc.cloud, fc.c.ClientID, fc.secret, run.flags, nil)
		}
		wg.Go(func() {
			again, _ := defender.WaitForConsent(ctx, newEngine, pending, run.wait, a.consentPoll, func(w defender.Waiting) {
				prog.println(safe(fc.c.Name) + ": " + safeMessage(w.String()))
			})
			for _, t := range again.Tenants {
				if k := slices.IndexFunc(fc.results, func(r defender.TenantResult) bool { return r.TenantID == t.TenantID }); k >= 0 {
					fc.results[k] = t
				}
			}
		})
	}
	wg.Wait()
	for _, i := range waiting {
		conns[i].finish(ctx, a)
	}
}

// emitter hands finished connectors to the sink in list order.
type emitter struct {
	sink  allSink
	conns []*fleetConnector
	next  int
}

func (e *emitter) emit() {
	for e.next < len(e.conns) {
		fc := e.conns[e.next]
		switch {
		case fc.err != nil:
			e.sink.failed(connectorError{Connector: fc.c.Name, Error: fc.err.Error()})
		case fc.done:
			e.sink.connector(*fc.out)
			fc.out = nil // the sink keeps what it shows
		default:
			return
		}
		e.next++
	}
}

// summarise is allOutput for results (with errs[i] the error of results[i]).
func summarise(results []savedTestOutput, errs []error) allOutput {
	s := textSink{}
	for i, r := range results {
		if errs[i] != nil {
			s.failed(connectorError{Connector: r.Connector, Error: errs[i].Error()})
			continue
		}
		s.connector(r)
	}
	s.out.OK = !s.bad
	return s.out
}

// count adds r's tenants to the summary.
func count(s *allSummary, r savedTestOutput) {
	s.Connectors++
	for _, t := range r.Tenants {
		s.Tenants++
		switch connector.TenantStatus(t) {
		case defender.Fail:
			s.Failing++
		case defender.Warn:
			s.Warning++
		default:
			s.Passing++
		}
	}
}

func printAll(a *app, out allOutput) {
	w := a.colorWriter(a.out)
	s := out.Summary
	line := fmt.Sprintf("%d connector(s), %d tenant(s): %d passing, %d warning, %d failing", s.Connectors, s.Tenants, s.Passing, s.Warning, s.Failing)
	if out.OK {
		fmt.Fprintln(w, passStyle.Render(line))
	} else {
		fmt.Fprintln(w, failStyle.Render(line))
	}
	for _, r := range out.Connectors {
		for _, t := range r.Tenants {
			st := connector.TenantStatus(t)
			if st == defender.Pass {
				continue
			}
			for _, c := range t.Checks {
				if c.Status == st {
					fmt.Fprintf(w, "  %s %s / %s (%s): %s: %s\n", statusMark(st), safe(r.Connector), safe(t.TenantID), safe(t.Customer), c.ID, checkLine(c))
					break
				}
			}
		}
		for _, ch := range r.Changes {
			fmt.Fprintf(w, "  %s %s: %s\n", warnStyle.Render("Changed:"), safe(r.Connector), safeMessage(ch.Message))
		}
	}
	for _, e := range out.Errors {
		fmt.Fprintf(w, "  %s %s: %s\n", statusMark(defender.Fail), safe(e.Connector), safeMessage(strings.TrimSpace(e.Error)))
	}
}
