package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newStoreCmd(a *app) *cobra.Command {
	// A group: an unknown subcommand is a usage error (exit 2), not its help.
	cmd := &cobra.Command{Use: "store", Short: "Look after the connector store itself", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	cmd.AddCommand(&cobra.Command{
		Use:   "restore",
		Short: "Restore the connector store from its backup after damage",
		Long: "Replace a damaged connectors.json with the backup of its last good version\n" +
			"(connectors.json.bak). The damaged file is kept beside it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.openStore("")
			if err != nil {
				return err
			}
			if err := st.RestoreBackup(); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "Restored %s from its backup.\n", st.Path())
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "path",
		Short: "Print where connectors are stored",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.openStore("")
			if err != nil {
				return err
			}
			fmt.Fprintln(a.out, st.Path())
			return nil
		},
	})
	return cmd
}
