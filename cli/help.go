package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	mcobra "github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// mdeconnect draws its own help rather than fang's: fang title-cases the
// first word of every description ("re-test" became "Re-Test", "CSV" and
// "host:port" too) and, to pick colours for a light or dark background,
// asks the terminal for its colour and waits 2 s for each of stdin and
// stdout when no answer comes (script, expect, some CI). Fang has no option
// for either. This help keeps our words as written, uses only the 16 ANSI
// colours every background shows, and asks the terminal nothing.

var (
	helpHeading = lipgloss.NewStyle().Bold(true)
	helpName    = lipgloss.NewStyle().Foreground(lipgloss.Color("6"))
)

// setHelp gives every command the same help, written to w's colour profile.
func (a *app) setHelp(root *cobra.Command) {
	root.SetHelpFunc(func(c *cobra.Command, _ []string) {
		writeHelp(a.colorWriter(c.OutOrStdout()), c)
	})
}

func writeHelp(w io.Writer, c *cobra.Command) {
	var b strings.Builder
	if text := strings.TrimSpace(c.Long); text != "" {
		b.WriteString(text + "\n")
	} else if c.Short != "" {
		b.WriteString(c.Short + "\n")
	}
	section := func(title string, lines ...string) {
		if len(lines) == 0 {
			return
		}
		b.WriteString("\n" + helpHeading.Render(title) + "\n")
		for _, l := range lines {
			b.WriteString("  " + l + "\n")
		}
	}
	use := c.UseLine()
	if c.HasAvailableSubCommands() && c.Runnable() {
		use += "\n  " + c.CommandPath() + " COMMAND"
	} else if c.HasAvailableSubCommands() {
		use = c.CommandPath() + " COMMAND"
	}
	section("USAGE", use)
	if len(c.Aliases) > 0 {
		section("ALIASES", strings.Join(c.Aliases, ", "))
	}
	if c.Example != "" {
		section("EXAMPLES", trimLines(c.Example)...)
	}
	section("COMMANDS", commandLines(c)...)
	section("FLAGS", flagLines(c.LocalFlags())...)
	section("GLOBAL FLAGS", flagLines(c.InheritedFlags())...)
	if c.HasAvailableSubCommands() {
		b.WriteString("\nRun `" + c.CommandPath() + " COMMAND --help` for a command's flags and examples.\n")
	}
	fmt.Fprint(w, b.String())
}

func trimLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(strings.Trim(s, "\n"), "\n") {
		out = append(out, strings.TrimPrefix(l, "  "))
	}
	return out
}

// commandLines lists the subcommands a user can run, each with its Short.
func commandLines(c *cobra.Command) []string {
	var keys, helps []string
	for _, sc := range c.Commands() {
		if sc.IsAvailableCommand() {
			keys, helps = append(keys, sc.Name()), append(helps, sc.Short)
		}
	}
	return columns(keys, helps)
}

// flagLines lists flags as --name TYPE, their usage as written, and the
// default when it says something.
func flagLines(fs *pflag.FlagSet) []string {
	var keys, helps []string
	indent := ""
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Shorthand != "" && !f.Hidden {
			indent = "    " // long names line up after "-h, "
		}
	})
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		key := indent + "--" + f.Name
		if f.Shorthand != "" {
			key = "-" + f.Shorthand + ", --" + f.Name
		}
		if t := flagType(f); t != "" {
			key += " " + t
		}
		help := f.Usage
		switch f.DefValue {
		case "", "false", "0", "0s", "[]":
		default:
			if strings.Contains(help, "(default") {
				break // the usage says it in its own words
			}
			help += lipgloss.NewStyle().Faint(true).Render(" (default " + f.DefValue + ")")
		}
		keys, helps = append(keys, key), append(helps, help)
	})
	return columns(keys, helps)
}

// flagType is the placeholder for a flag's value: none for a switch.
func flagType(f *pflag.Flag) string {
	switch t := f.Value.Type(); t {
	case "bool":
		return ""
	case "stringArray", "stringSlice":
		return "string"
	default:
		if f.NoOptDefVal != "" {
			return "[" + t + "]"
		}
		return t
	}
}

// columns aligns keys and their help text.
func columns(keys, helps []string) []string {
	width := 0
	for _, k := range keys {
		width = max(width, ansi.StringWidth(k))
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = helpName.Render(k) + strings.Repeat(" ", width-ansi.StringWidth(k)+3) + helps[i]
	}
	return out
}

// newManCmd writes the man page, built from the command tree (mango), so it
// always matches the commands and flags. Hidden: it is for packagers
// (scripts/release-assets.sh).
func newManCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:                   "man",
		Short:                 "Print the man page (roff) on stdout",
		Hidden:                true,
		DisableFlagsInUseLine: true,
		Args:                  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := mcobra.NewManPage(1, cmd.Root())
			if err != nil {
				return fmt.Errorf("building the man page: %w", err)
			}
			_, err = io.WriteString(a.out, page.Build(datedRoff{roff.NewDocument(), a.manDate()}))
			return err
		},
	}
}

// datedRoff dates the man page by the commit, not the clock (mango writes
// time.Now()), so one commit builds the same archive bytes every time.
type datedRoff struct {
	*roff.Document
	at time.Time
}

func (d datedRoff) Heading(section uint, title, description string, _ time.Time) {
	d.Document.Heading(section, title, description, d.at)
}

// manDate is the commit's date (release stamp or VCS), else
// SOURCE_DATE_EPOCH (reproducible-builds.org), else today.
func (a *app) manDate() time.Time {
	if t, err := time.Parse(time.RFC3339, currentVersion().Date); err == nil {
		return t.UTC()
	}
	if sec, err := strconv.ParseInt(a.getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		return time.Unix(sec, 0).UTC()
	}
	return a.now().UTC()
}
