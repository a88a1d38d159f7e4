package cli

import (
	"errors"
	"fmt"

	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

func newRemoveCmd(a *app) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove a saved connector and its secret",
		Args:    connectorNameArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := a.loadConnector(args[0])
			if err != nil {
				return err
			}
			if !yes {
				if !a.canPrompt() {
					return usagef("removing %q needs confirmation: add --yes (no terminal to ask on)", c.Name)
				}
				confirmed, err := a.prompter().confirm(cmd.Context(), fmt.Sprintf("Remove connector %q (%d tenant(s)) and its client secret (%s)?", c.Name, len(c.Mappings), st.Where(c)))
				if err != nil {
					return err
				}
				if !confirmed {
					fmt.Fprintln(a.errOut, "Nothing was removed.")
					return silentError{code: exitError, err: fmt.Errorf("not confirmed")}
				}
			}
			if err := st.Remove(c.Name); err != nil {
				if errors.Is(err, store.ErrKeyringUnavailable) {
					return fmt.Errorf("connector %q was kept, so its secret is not left behind without it: no system keyring answered (%w). Start or unlock the keyring (on WSL or a server without a desktop session, a Secret Service such as gnome-keyring), then remove again", c.Name, store.ErrKeyringUnavailable)
				}
				return storeError(err)
			}
			fmt.Fprintf(a.out, "Removed connector %q and its secret.\n", c.Name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}
