package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/paratira/mdeconnect/store"
	"github.com/spf13/cobra"
)

// connectorView is a saved connector as commands show it: everything but the
// secret, plus where the secret lives.
type connectorView struct {
	store.Connector
	SecretLocation string `json:"secret_location"`
}

func newConnectorView(st *store.Store, c store.Connector) connectorView {
	return connectorView{Connector: c, SecretLocation: st.Where(c)}
}

func newShowCmd(a *app) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a saved connector (everything but its secret)",
		Args:  connectorNameArg,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, c, err := a.loadConnector(args[0])
			if err != nil {
				return err
			}
			v := newConnectorView(st, c)
			if jsonOut {
				return writeJSON(a.out, v)
			}
			printConnector(a.colorWriter(a.out), v, a.now())
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON on stdout")
	return cmd
}

func printConnector(w io.Writer, v connectorView, now time.Time) {
	c := v.Connector
	fmt.Fprintf(w, "%s\n", boldStyle.Render(safe(c.Name)))
	row := func(k, val string) { fmt.Fprintf(w, "  %-14s %s\n", k+":", safe(val)) }
	row("Connector", "Microsoft Defender for Endpoint ("+c.Type+")")
	row("Mapping mode", string(c.Mode))
	row("Client ID", c.ClientID)
	row("Client secret", "•••••••• ("+v.SecretLocation+")")
	row("Cloud", c.Cloud)
	for _, e := range []struct{ k, v string }{{"Login URL", c.Endpoints.LoginURL}, {"API URL", c.Endpoints.APIURL}, {"Graph URL", c.Endpoints.GraphURL}} {
		if e.v != "" {
			row(e.k, e.v)
		}
	}
	row("Created", c.CreatedAt.Local().Format(time.DateTime))
	row("Updated", c.UpdatedAt.Local().Format(time.DateTime))
	last := lastTestLine(c, now)
	if n := len(warnings(c)); n > 0 {
		last += warnStyle.Render(fmt.Sprintf(" · ⚠ %d warning(s)", n))
	}
	row("Last test", last)
	fmt.Fprintf(w, "  Mappings (%d):\n", len(c.Mappings))
	results := map[string]store.TenantValidation{}
	if c.LastValidation != nil {
		for _, t := range c.LastValidation.Tenants {
			results[t.TenantID] = t
		}
	}
	for _, m := range c.Mappings {
		mark := dimStyle.Render("·")
		t, tested := results[m.TenantID]
		warns := tenantWarnings(t)
		switch {
		case tested && !t.OK:
			mark = failStyle.Render("✗")
		case tested && len(warns) > 0:
			mark = warnStyle.Render("⚠")
		case tested:
			mark = passStyle.Render("✓")
		}
		domain := ""
		if m.Domain != "" && m.Domain != m.TenantID {
			domain = " (" + m.Domain + ")"
		}
		fmt.Fprintf(w, "    %s %s%s → %s\n", mark, safe(m.TenantID), safe(domain), safe(m.CustomerName))
		for _, wn := range warns {
			fmt.Fprintf(w, "      %s %s\n", warnStyle.Render("⚠ warning:"), wn)
		}
	}
}

// warnings are the warnings of a connector's last test, every tenant's.
func warnings(c store.Connector) []string {
	var out []string
	if c.LastValidation != nil {
		for _, t := range c.LastValidation.Tenants {
			out = append(out, tenantWarnings(t)...)
		}
	}
	return out
}

// tenantWarnings names the warned checks of a tenant's last test by their
// problem, and for roles beyond read-only, which roles: a passed test with
// warnings is not shown as a plain pass.
func tenantWarnings(t store.TenantValidation) []string {
	var out []string
	for _, ch := range t.Checks {
		if ch.Status != string(defender.Warn) {
			continue
		}
		code := problem.Code(ch.Problem)
		what := cmp.Or(code.Title(), defender.CheckID(ch.ID).Title(), ch.ID)
		if code == problem.ExcessPermissions {
			if extra := defender.ExcessRoles(t.GrantedRoles); len(extra) > 0 {
				what += ": " + strings.Join(extra, ", ")
			}
		}
		if what = safe(what); !slices.Contains(out, what) {
			out = append(out, what)
		}
	}
	return out
}

// lastTestLine says when a connector was last tested and how it went.
func lastTestLine(c store.Connector, now time.Time) string {
	if v := c.LastValidation; v != nil {
		return lastTestText(&store.LastTest{At: v.At, OK: v.OK}, now)
	}
	return lastTestText(nil, now)
}

// lastTestText is how a last test went and when: "passed 3 days ago".
func lastTestText(v *store.LastTest, now time.Time) string {
	if v == nil {
		return "never"
	}
	verdict := passStyle.Render("passed")
	if !v.OK {
		verdict = failStyle.Render("failed")
	}
	return fmt.Sprintf("%s %s", verdict, ago(now, v.At))
}

// ago says how long ago t was, in the largest sensible unit.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}
