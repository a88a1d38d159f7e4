package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Stamped by the release build (.goreleaser.yaml's ldflags:
// -X github.com/paratira/mdeconnect/cli.version=...); empty otherwise, and
// then the Go toolchain's build info speaks. They are written by the linker
// only, never at run time.
var version, commit, date string

// versionInfo is the one answer to "which mdeconnect is this": `version`,
// `--version`, support reports and --debug logs all read it.
type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	Module    string `json:"module,omitempty"`
}

// stamp is what the release build wrote into version, commit and date.
type stamp struct{ version, commit, date string }

// currentVersion is this binary's version.
func currentVersion() versionInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return resolveVersion(stamp{version, commit, date}, bi)
}

// resolveVersion prefers the release stamp; without one, the build info Go
// records: `go install …@v1.2.3` gives v1.2.3, a build from a checkout a
// pseudo-version (Go 1.24 and later) or "(devel)", with the VCS revision.
func resolveVersion(s stamp, bi *debug.BuildInfo) versionInfo {
	v := versionInfo{Version: s.version, Commit: s.commit, Date: s.date,
		GoVersion: runtime.Version(), Platform: goos()}
	if bi != nil {
		v.Module = bi.Main.Path
		if v.Version == "" {
			v.Version = bi.Main.Version
		}
		for _, kv := range bi.Settings {
			switch {
			case kv.Key == "vcs.revision" && v.Commit == "":
				v.Commit = kv.Value
			case kv.Key == "vcs.time" && v.Date == "":
				v.Date = kv.Value
			case kv.Key == "vcs.modified":
				v.Modified = kv.Value == "true"
			}
		}
	}
	switch {
	case v.Version == "":
		v.Version = "(devel)"
	case v.Version[0] >= '0' && v.Version[0] <= '9':
		// goreleaser's {{ .Version }} drops the tag's v; Go's keeps it.
		v.Version = "v" + v.Version
	}
	return v
}

// short is the version in one line: v1.2.3 (0123456789ab).
func (v versionInfo) short() string {
	s := v.Version
	if v.Commit != "" {
		s += " (" + v.Commit[:min(12, len(v.Commit))]
		if v.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s
}

// text is what `mdeconnect version` and `--version` print.
func (v versionInfo) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "mdeconnect version %s\n", v.Version)
	row := func(k, val string) {
		if val != "" {
			fmt.Fprintf(&b, "  %-7s %s\n", k, val)
		}
	}
	c := v.Commit
	if c != "" && v.Modified {
		c += " (modified)"
	}
	row("commit", c)
	row("built", v.Date)
	row("go", v.GoVersion+" "+v.Platform)
	return b.String()
}

func goos() string { return runtime.GOOS + "/" + runtime.GOARCH }

// buildVersion is the one-line version reports and debug logs carry.
func buildVersion() string { return currentVersion().short() }

func newVersionCmd(a *app) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version",
		Example: "  mdeconnect version\n" +
			"  mdeconnect version --json",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := currentVersion()
			if jsonOut {
				return writeJSON(a.out, v)
			}
			_, err := io.WriteString(a.out, v.text())
			return err
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON on stdout")
	return cmd
}

// setVersionFlag gives the root command --version, printing what `version` does.
func setVersionFlag(root *cobra.Command) {
	root.Version = currentVersion().text()
	root.SetVersionTemplate("{{.Version}}")
	// Defined here, cobra keeps it and our words for it.
	root.Flags().BoolP("version", "v", false, "print the version, commit, build date and Go version, as `mdeconnect version` does")
}
