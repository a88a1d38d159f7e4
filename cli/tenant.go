package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/internal/sanitize"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

func newTenantCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tenant",
		Short: "Look up tenants",
	}
	cmd.AddCommand(newTenantResolveCmd(a))
	return cmd
}

type resolveOptions struct {
	cloud   string
	jsonOut bool
	timeout time.Duration
}

// resolved is one line of `tenant resolve`.
type resolved struct {
	Input         string `json:"input"`
	OK            bool   `json:"ok"`
	TenantID      string `json:"tenant_id,omitempty"`
	RegionScope   string `json:"region_scope,omitempty"`
	CloudInstance string `json:"cloud_instance,omitempty"`
	Problem       string `json:"problem,omitempty"`
	Error         string `json:"error,omitempty"`
	// Diag holds the wire facts of a failure (AADSTS code, trace ID) for support.
	Diag *defender.Diagnostics `json:"diag,omitempty"`
}

func newTenantResolveCmd(a *app) *cobra.Command {
	o := &resolveOptions{}
	cmd := &cobra.Command{
		Use:     "resolve DOMAIN-OR-ID...",
		Short:   "Find each tenant's ID, region scope and cloud (no sign-in needed)",
		Example: "  mdeconnect tenant resolve contoso.com fabrikam.onmicrosoft.com",
		Args:    cobra.MinimumNArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return a.runResolve(cmd, o, args) },
	}
	cmd.Flags().StringVar(&o.cloud, "cloud", "global", "Microsoft cloud: global, gcc, gcc-high or dod")
	cmd.Flags().BoolVar(&o.jsonOut, "json", false, "print JSON on stdout")
	cmd.Flags().DurationVar(&o.timeout, "timeout", defender.DefaultRetry.PerRequest, "how long one request to Microsoft may take")
	return cmd
}

func (a *app) runResolve(cmd *cobra.Command, o *resolveOptions, args []string) error {
	cloud, err := a.resolveCloud(o.cloud)
	if err != nil {
		return err
	}
	eng, err := a.newEngine(cloud, defender.ParatiraClientID, "", engineFlags{parallel: defender.DefaultParallel, timeout: o.timeout}, nil)
	if err != nil {
		return err
	}
	out := make([]resolved, len(args))
	var wg sync.WaitGroup
	for i, in := range args {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = resolveOne(cmd, eng, in)
		}()
	}
	wg.Wait()
	if err := cmd.Context().Err(); err != nil {
		return err
	}
	failed := false
	for _, r := range out {
		failed = failed || !r.OK
	}
	if o.jsonOut {
		if err := json.NewEncoder(a.out).Encode(out); err != nil {
			return err
		}
	} else {
		printResolved(a, out)
	}
	if failed {
		return errChecksFailed
	}
	return nil
}

func resolveOne(cmd *cobra.Command, eng *defender.Engine, in string) resolved {
	info, err := eng.ResolveTenant(cmd.Context(), in)
	if err != nil {
		r := resolved{Input: in, Error: err.Error()}
		var de *defender.Error
		if errors.As(err, &de) {
			r.Problem = string(de.Problem)
			if de.Diag.HTTPStatus != 0 || len(de.Diag.AADSTS) > 0 {
				d := de.Diag
				r.Diag = &d
			}
		}
		return r
	}
	return resolved{Input: in, OK: true, TenantID: info.TenantID, RegionScope: info.RegionScope, CloudInstance: info.CloudInstance}
}

func printResolved(a *app, out []resolved) {
	w := a.colorWriter(a.out)
	for _, r := range out {
		if !r.OK {
			msg := r.Error
			if r.Problem != "" {
				msg = problem.Code(r.Problem).Title() + ": " + msg
			}
			fmt.Fprintf(w, "%s %s: %s\n", statusMark(defender.Fail), safe(r.Input), safe(msg))
			continue
		}
		fmt.Fprintf(w, "%s %s  %s  region %s  cloud %s\n", statusMark(defender.Pass), safe(r.Input), safe(r.TenantID), safe(orDash(r.RegionScope)), safe(orDash(r.CloudInstance)))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// domainsAtOnce bounds the discovery lookups of one command (a CSV of
// hundreds of domains): discovery needs no sign-in and answers fast.
const domainsAtOnce = 8

// resolveDomains finds the tenant ID of every mapping entered as a domain,
// through OpenID discovery (no sign-in), and stores the mapping under it
// with the domain kept as its label (connector.ResolveMappings: the same
// rule a test applies). A tenant then matches by GUID or domain, and the
// same tenant cannot be mapped twice under two names. A domain that does not
// resolve stops the command: nothing is saved under a name that may be
// mistyped or may later leave the tenant; the tenant ID needs no lookup.
func (a *app) resolveDomains(ctx context.Context, cloud defender.Cloud, ms []store.Mapping) error {
	inputs := make([]string, len(ms))
	for i, m := range ms {
		inputs[i] = m.TenantID
	}
	infos, errs, err := a.lookupDomains(ctx, cloud, inputs)
	if err != nil {
		return err
	}
	if err := unresolvedError(ms, errs); err != nil {
		return err
	}
	res := defender.Result{Tenants: make([]defender.TenantResult, len(ms))}
	for i := range infos {
		res.Tenants[i].Info = infos[i]
	}
	return duplicateError(connector.ResolveMappings(ms, &res))
}

// lookupDomains resolves every input that is not a GUID already; infos[i]
// or errs[i] is set for each of those. err is for the lookup as a whole
// (no engine, cancelled).
func (a *app) lookupDomains(ctx context.Context, cloud defender.Cloud, inputs []string) (infos []*defender.TenantInfo, errs []error, err error) {
	infos, errs = make([]*defender.TenantInfo, len(inputs)), make([]error, len(inputs))
	var todo []int
	for i, in := range inputs {
		if !defender.IsGUID(in) {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return infos, errs, nil
	}
	eng, err := a.newEngine(cloud, defender.ParatiraClientID, "", engineFlags{parallel: defender.DefaultParallel, timeout: defender.DefaultRetry.PerRequest}, nil)
	if err != nil {
		return nil, nil, err
	}
	sem := make(chan struct{}, domainsAtOnce)
	var wg sync.WaitGroup
	for _, i := range todo {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			info, err := eng.ResolveTenant(ctx, inputs[i])
			if err != nil {
				errs[i] = err
				return
			}
			infos[i] = &info
		})
	}
	wg.Wait()
	return infos, errs, ctx.Err()
}

// duplicateError makes the connector's refusal of a tenant mapped twice a
// usage error (exit 2).
func duplicateError(err error) error {
	if err == nil {
		return nil
	}
	return usageError{msg: err.Error()}
}

// unresolvedError names every domain discovery could not resolve, and what
// to do: exit 2 when Entra ID said no (a typo, another cloud), 1 otherwise
// (offline, a proxy).
func unresolvedError(ms []store.Mapping, errs []error) error {
	var lines []string
	input := true
	for i, err := range errs {
		if err == nil {
			continue
		}
		var de *defender.Error
		why := err.Error()
		if errors.As(err, &de) {
			why = de.Problem.Title() + ": " + why
			input = input && (de.Problem == problem.TenantNotFound || de.Problem == problem.WrongCloud)
		} else {
			input = false
		}
		if len(lines) < 10 {
			lines = append(lines, fmt.Sprintf("  %s: %s", safe(ms[i].TenantID), safeMessage(why)))
		} else if len(lines) == 10 {
			lines = append(lines, "  …")
		}
	}
	if len(lines) == 0 {
		return nil
	}
	msg := fmt.Sprintf("nothing was saved: a tenant given by domain is stored under its tenant ID, and %d domain(s) could not be resolved:\n%s\n"+
		"Check the spelling and --cloud, or give the tenant ID (a GUID: Entra ID > Overview > Tenant ID), which needs no lookup.",
		countErrs(errs), strings.Join(lines, "\n"))
	if input {
		return usageError{msg: msg}
	}
	return errors.New(msg + " Offline or behind a proxy? Check HTTPS_PROXY and " + EnvCAFile + ".")
}

func countErrs(errs []error) int {
	n := 0
	for _, err := range errs {
		if err != nil {
			n++
		}
	}
	return n
}

// warnMappedElsewhere names every other saved connector that maps one of
// ms's tenants (by GUID or domain). Two connectors may read one tenant (a
// migration, two Paratira customers), so it is a warning, not a refusal.
func (a *app) warnMappedElsewhere(st *store.Store, self string, ms []store.Mapping) {
	list, err := st.List()
	if err != nil {
		return // the command itself reports a store it cannot read
	}
	type owner struct{ connector, customer string }
	owners := map[string][]owner{}
	for _, c := range list {
		if strings.EqualFold(c.Name, self) {
			continue
		}
		for _, m := range c.Mappings {
			for _, k := range []string{m.TenantID, m.Domain} {
				if k != "" {
					owners[strings.ToLower(k)] = append(owners[strings.ToLower(k)], owner{c.Name, m.CustomerName})
				}
			}
		}
	}
	for _, m := range ms {
		seen := map[string]bool{}
		for _, k := range []string{m.TenantID, m.Domain} {
			for _, o := range owners[strings.ToLower(k)] {
				if k == "" || seen[o.connector] {
					continue
				}
				seen[o.connector] = true
				fmt.Fprintf(a.errOut, "%s tenant %s is also mapped in connector %s (customer %s): both connectors will read its data. "+
					"This is a warning, not an error; to keep one, run mdeconnect edit %s --remove-tenant %s\n",
					warnStyle.Render("Warning:"), safe(mappingLabel(m)), sanitize.Quote(o.connector), sanitize.Quote(o.customer),
					connector.ShellQuote(o.connector), m.TenantID)
			}
		}
	}
}

// mappingLabel is a tenant as messages name it: GUID (domain).
func mappingLabel(m store.Mapping) string {
	if m.Domain != "" && !strings.EqualFold(m.Domain, m.TenantID) {
		return m.TenantID + " (" + m.Domain + ")"
	}
	return m.TenantID
}
