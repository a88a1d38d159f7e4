package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/connector"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

// runSavedTest re-validates a saved connector and records the result.
func (a *app) runSavedTest(cmd *cobra.Command, o *testOptions, name string) error {
	if cmd.Flags().Changed("client-id") || o.secretIn {
		return usagef("a saved connector uses its own client ID and secret: drop --client-id and --client-secret-stdin (rotate with mdeconnect edit)")
	}
	st, c, err := a.loadConnector(name)
	if err != nil {
		return err
	}
	targets, err := pickTargets(c, o.tenants)
	if err != nil {
		return err
	}
	res, err := a.testConnector(cmd, st, c, checkRun{targets: targets, flags: o.engineFlags, wait: o.waitConsent})
	if err != nil {
		return err
	}
	changes := connector.Compare(c, c.LastValidation, res, a.consentLinkFor(c))
	if o.jsonOut {
		if err := writeJSON(a.out, savedTestOutput{Result: res, Connector: c.Name, Changes: changes}); err != nil {
			return err
		}
	} else {
		renderResult(a.colorWriter(a.out), res)
		a.printChanges(changes)
	}
	if !res.OK {
		return errChecksFailed
	}
	return nil
}

// savedTestOutput is `test NAME --json`: the engine's contract, plus the
// connector's name and what changed since its last test.
type savedTestOutput struct {
	defender.Result
	Connector string             `json:"connector"`
	Changes   []connector.Change `json:"changes,omitempty"`
}

// pickTargets selects the connector's tenants named by --tenant, or all.
func pickTargets(c store.Connector, want []string) ([]defender.Target, error) {
	all := connector.Targets(c.Mappings)
	if len(want) == 0 {
		return all, nil
	}
	var out []defender.Target
	for _, w := range want {
		tid, err := defender.ParseTenant(w)
		if err != nil {
			return nil, usagef("--tenant %q: %v", w, err)
		}
		i := slices.IndexFunc(c.Mappings, func(m store.Mapping) bool {
			return strings.EqualFold(m.TenantID, tid) || strings.EqualFold(m.Domain, tid)
		})
		if i < 0 {
			return nil, usagef("connector %q has no tenant %s: `mdeconnect show %s` lists its tenants", c.Name, tid, connector.ShellQuote(c.Name))
		}
		out = append(out, all[i])
	}
	return out, nil
}

// testConnector validates targets of a saved connector with its own cloud
// and secret, and records the outcome.
func (a *app) testConnector(cmd *cobra.Command, st *store.Store, c store.Connector, r checkRun) (defender.Result, error) {
	cloud, err := a.connectorCloud(c)
	if err != nil {
		return defender.Result{}, err
	}
	// c is the store's own: its secret is found without reading the
	// connectors again (Secret would).
	secrets, errs := st.Secrets([]store.Connector{c})
	secret, err := secrets[c.Name], errs[c.Name]
	if err != nil {
		return defender.Result{}, fmt.Errorf("connector %q: %w; set a new one with `mdeconnect edit %s --client-secret-stdin`", c.Name, err, connector.ShellQuote(c.Name))
	}
	r.cloud, r.clientID, r.secret, r.name = cloud, c.ClientID, secret, c.Name
	res, err := a.runChecks(cmd, r)
	if err != nil {
		return res, err
	}
	if err := st.RecordValidation(c.Name, connector.ValidationRecord(res, a.now())); err != nil {
		return res, fmt.Errorf("the test ran but its result could not be recorded: %w", err)
	}
	return res, nil
}

func (a *app) newProgressFor(tenants int) *progress {
	return newProgress(a.errOut, a.stderrIsTerminal(), tenants)
}
