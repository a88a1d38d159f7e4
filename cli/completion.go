package cli

import (
	"fmt"
	"strings"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

// Shell completion is cobra's (`mdeconnect completion bash|zsh|fish|powershell`
// writes the script; the script calls the hidden `__complete` command). These
// functions add what cobra cannot know: saved connector names, their tenants,
// and the values a flag accepts.

// connectorArgCommands take a saved connector's NAME as their argument.
var connectorArgCommands = []string{"show", "test", "edit", "remove", "report", "doctor"}

// addCompletions registers every completion function on the built tree.
func (a *app) addCompletions(root *cobra.Command) {
	for _, name := range connectorArgCommands {
		if c, _, err := root.Find([]string{name}); err == nil && c != root {
			c.ValidArgsFunction = a.completeConnectorName
		}
	}
	values := map[string][]string{
		"cloud":        defender.CloudNames(),
		"mode":         {string(store.OneToOne) + "\ttenants map to one customer", string(store.OneToMany) + "\teach tenant maps to its own customer"},
		"secret-store": {"auto\tthe system keyring, else ask", "keyring\tthe system keyring only", "file\ta 0600 file beside the connectors"},
		"scenario":     scenarioCompletions(),
	}
	walk(root, func(c *cobra.Command) {
		for flag, list := range values {
			if c.Flags().Lookup(flag) != nil {
				_ = c.RegisterFlagCompletionFunc(flag, fixedCompletions(list))
			}
		}
	})
	for _, path := range [][]string{{"test"}, {"edit"}} {
		c, _, err := root.Find(path)
		if err != nil || c == root {
			continue
		}
		for _, flag := range []string{"tenant", "remove-tenant"} {
			if c.Flags().Lookup(flag) != nil {
				_ = c.RegisterFlagCompletionFunc(flag, a.completeConnectorTenant)
			}
		}
	}
}

func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sc := range c.Commands() {
		walk(sc, f)
	}
}

func fixedCompletions(list []string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return list, cobra.ShellCompDirectiveNoFileComp
	}
}

// scenarioCompletions are the sandbox's scenario names with what each plays.
func scenarioCompletions() []string {
	var out []string
	for _, s := range defendertest.Scenarios() {
		out = append(out, s.Name+"\t"+completionText(s.Description))
	}
	return out
}

// completeConnectorName offers the saved connectors' names, once: the
// store's file is read (no lock, no secret, no keyring), nothing written.
func (a *app) completeConnectorName(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 || (cmd.Name() == "test" && cmd.Flags().Changed("all")) {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return a.completeFromStore(func(c store.Connector, out []cobra.Completion) []cobra.Completion {
		if hasPrefixFold(c.Name, toComplete) {
			out = append(out, completionText(c.Name)+"\t"+completionText(connectorSummary(c)))
		}
		return out
	})
}

// completeConnectorTenant offers the tenants of the connector named on the
// line (test NAME --tenant, edit NAME --remove-tenant).
func (a *app) completeConnectorTenant(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return a.completeFromStore(func(c store.Connector, out []cobra.Completion) []cobra.Completion {
		if !strings.EqualFold(c.Name, args[0]) {
			return out
		}
		for _, m := range c.Mappings {
			desc := m.CustomerName
			if m.Domain != "" && m.Domain != m.TenantID {
				desc += " (" + m.Domain + ")"
			}
			if hasPrefixFold(m.TenantID, toComplete) {
				out = append(out, completionText(m.TenantID)+"\t"+completionText(desc))
			}
		}
		return out
	})
}

// completeFromStore gathers completions from every saved connector; a store
// that cannot be read offers nothing (and no file names).
func (a *app) completeFromStore(add func(store.Connector, []cobra.Completion) []cobra.Completion) ([]cobra.Completion, cobra.ShellCompDirective) {
	list, err := a.savedConnectors()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
	}
	var out []cobra.Completion
	for _, c := range list {
		out = add(c, out)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func hasPrefixFold(s, prefix string) bool {
	return strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix))
}

// savedConnectors reads the store for completion: quietly (a warning about
// the folder's mode would land in the user's prompt) and read-only.
func (a *app) savedConnectors() ([]store.Connector, error) {
	dir, err := store.DefaultDir(a.getenv)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(store.Options{Dir: dir, SecretBackend: store.BackendFile, Now: a.now})
	if err != nil {
		return nil, err
	}
	return st.List()
}

func connectorSummary(c store.Connector) string {
	n := len(c.Mappings)
	s := fmt.Sprintf("%d tenant", n)
	if n != 1 {
		s += "s"
	}
	switch v := c.LastValidation; {
	case v == nil:
		s += ", never tested"
	case v.OK:
		s += ", last test passed"
	default:
		s += ", last test failed"
	}
	return s
}

// completionText keeps a name or description on one line for the shell's
// completion protocol (a tab or newline would split it), free of escapes.
func completionText(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(safe(s))
}
