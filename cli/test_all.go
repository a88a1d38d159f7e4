package cli

import (
	"fmt"
	"sync"

	"github.com/paratira/mdeconnect/connector"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

// connectorsAtOnce bounds how many connectors `test --all` runs together;
// each runs its tenants in parallel as well.
const connectorsAtOnce = 4

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

// runTestAll re-validates every saved connector and records each result.
func (a *app) runTestAll(cmd *cobra.Command, o *testOptions) error {
	if len(o.tenants) > 0 || o.secretIn || cmd.Flags().Changed("client-id") {
		return usagef("--all tests every saved connector with its own tenants, client ID and secret: drop --tenant, --client-id and --client-secret-stdin")
	}
	st, list, err := a.loadConnectors()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return usagef("no saved connectors to test: add one with `mdeconnect` or `mdeconnect add`")
	}
	out := a.testEach(cmd, st, list, checkRun{flags: o.engineFlags, wait: o.waitConsent})
	if o.jsonOut {
		if err := writeJSON(a.out, out); err != nil {
			return err
		}
	} else {
		printAll(a, out)
	}
	if err := cmd.Context().Err(); err != nil {
		return err
	}
	if !out.OK {
		return errChecksFailed
	}
	return nil
}

// testEach tests every connector with run's flags and wait.
func (a *app) testEach(cmd *cobra.Command, st *store.Store, list []store.Connector, run checkRun) allOutput {
	results := make([]savedTestOutput, len(list))
	errs := make([]error, len(list))
	tenants := 0
	for _, c := range list {
		tenants += len(c.Mappings)
	}
	prog := a.newProgressFor(tenants)
	sem := make(chan struct{}, connectorsAtOnce)
	var wg sync.WaitGroup
	for i, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := run
			r.targets, r.prog = connector.Targets(c.Mappings), &progress{w: prog.w}
			res, err := a.testConnector(cmd, st, c, r)
			for _, t := range res.Tenants {
				prog.tenantDone(t)
			}
			results[i] = savedTestOutput{Result: res, Connector: c.Name, Changes: connector.Compare(c, c.LastValidation, res, a.consentLinkFor(c))}
			errs[i] = err
		}()
	}
	wg.Wait()
	prog.done()
	return summarise(results, errs)
}

func summarise(results []savedTestOutput, errs []error) allOutput {
	out := allOutput{OK: true}
	for i, r := range results {
		if errs[i] != nil {
			out.OK = false
			out.Errors = append(out.Errors, connectorError{Connector: r.Connector, Error: errs[i].Error()})
			continue
		}
		out.Connectors = append(out.Connectors, r)
		out.Summary.Connectors++
		out.OK = out.OK && r.OK
		for _, t := range r.Tenants {
			out.Summary.Tenants++
			switch tenantStatus(t) {
			case defender.Fail:
				out.Summary.Failing++
			case defender.Warn:
				out.Summary.Warning++
			default:
				out.Summary.Passing++
			}
		}
	}
	return out
}

// tenantStatus is the worst status of a tenant's checks.
func tenantStatus(t defender.TenantResult) defender.Status {
	worst := defender.Pass
	for _, c := range t.Checks {
		switch {
		case c.Status == defender.Fail:
			return defender.Fail
		case c.Status == defender.Warn:
			worst = defender.Warn
		}
	}
	return worst
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
			st := tenantStatus(t)
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
		fmt.Fprintf(w, "  %s %s: %s\n", statusMark(defender.Fail), safe(e.Connector), safeMessage(e.Error))
	}
}
