package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/internal/sanitize"
	"github.com/paratira/mdeconnect/store"
)

// A tenant is stored under its tenant ID as soon as it is known: here the
// commands that save mappings without a test (edit --add-tenant, add
// --skip-test) look domains up, and name other connectors that map a tenant.

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
