package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/connector"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/spf13/cobra"
)

type sandboxOptions struct {
	addr    string
	caFile  string
	latency time.Duration
	list    bool
	replay  string
	jsonOut bool
}

func newSandboxCmd(a *app) *cobra.Command {
	o := &sandboxOptions{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve the fake Microsoft cloud (every scenario tenant), or replay a support report",
		Long: "Serve mdeconnect's fake Microsoft cloud (Entra ID, the Defender for Endpoint API and\n" +
			"Microsoft Graph) on loopback TLS until interrupted. Every scenario tenant is served at\n" +
			"once: `--list` shows them and the problem each reproduces. On stdout it prints the\n" +
			"shell lines that point mdeconnect at it, so another terminal can run\n" +
			"  eval \"$(mdeconnect sandbox --ca-file /tmp/sandbox-ca.pem)\"\n\n" +
			"With --replay REPORT.json it serves exactly the replies recorded in a report, so\n" +
			"`mdeconnect test` shows the checks the customer saw.",
		Example: "  mdeconnect sandbox --addr 127.0.0.1:8443 --ca-file /tmp/sandbox-ca.pem\n" +
			"  mdeconnect sandbox --list\n" +
			"  mdeconnect sandbox --replay mdeconnect-report-contoso-20260101T120000Z.json --ca-file ca.pem",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.list {
				return a.listScenarios(o.jsonOut)
			}
			return a.runSandbox(cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:0", "host:port the login server listens on (API and Graph take free ports of the same host)")
	f.StringVar(&o.caFile, "ca-file", "", "write the sandbox's CA certificate here (default: a temporary file, removed on exit)")
	f.DurationVar(&o.latency, "latency", 0, "delay every reply by this long, e.g. 300ms")
	f.BoolVar(&o.list, "list", false, "list the scenario tenants and the problems they reproduce")
	f.StringVar(&o.replay, "replay", "", "serve the replies recorded in this report (from `mdeconnect report`)")
	f.BoolVar(&o.jsonOut, "json", false, "print JSON on stdout")
	return cmd
}

// scenarioEntry is one line of `sandbox --list`.
type scenarioEntry struct {
	Name        string         `json:"name"`
	TenantID    string         `json:"tenant_id"`
	Domain      string         `json:"domain"`
	Description string         `json:"description"`
	Reproduces  []problem.Info `json:"reproduces"`
}

func (a *app) listScenarios(jsonOut bool) error {
	var list []scenarioEntry
	for _, s := range defendertest.Scenarios() {
		e := scenarioEntry{Name: s.Name, TenantID: s.TenantID, Domain: s.Domain, Description: s.Description, Reproduces: []problem.Info{}}
		for _, p := range s.Reproduces {
			in := problem.Lookup(p)
			e.Reproduces = append(e.Reproduces, problem.Info{Code: in.Code, Title: in.Title})
		}
		list = append(list, e)
	}
	if jsonOut {
		return writeJSON(a.out, list)
	}
	rows := make([][]string, len(list))
	for i, e := range list {
		var probs []string
		for _, p := range e.Reproduces {
			probs = append(probs, fmt.Sprintf("%s (%s)", p.Code, p.Title))
		}
		rows[i] = []string{e.Name, e.TenantID, e.Domain, orDash(strings.Join(probs, ", "))}
	}
	writeTable(a.out, a.screenWidth(), []string{"SCENARIO", "TENANT ID", "DOMAIN", "REPRODUCES"}, rows)
	return nil
}

// served is what `sandbox` prints: where it listens and how to trust it.
type served struct {
	LoginURL     string `json:"login_url"`
	APIURL       string `json:"api_url"`
	GraphURL     string `json:"graph_url"`
	CAFile       string `json:"ca_file"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// runSandbox serves until the command's context ends (SIGINT, SIGTERM): a clean exit.
func (a *app) runSandbox(cmd *cobra.Command, o *sandboxOptions) error {
	if o.latency < 0 {
		return usagef("--latency %s is negative: give a delay such as 300ms", o.latency)
	}
	if _, port, err := net.SplitHostPort(o.addr); err != nil || port == "" {
		return usagef("--addr %q is not host:port: give e.g. 127.0.0.1:8443, or 127.0.0.1:0 for a free port", o.addr)
	}
	var (
		s     served
		ca    []byte
		close func()
		note  string
		hint  = "--tenant contosohealthy.onmicrosoft.com"
	)
	if o.replay != "" {
		rp, rep, err := a.startReplay(o)
		if err != nil {
			return err
		}
		s = served{LoginURL: rp.URL, APIURL: rp.URL, GraphURL: rp.URL}
		ca, close, note, hint = rp.CACertPEM(), rp.Close, replayNote(rep, o.replay), replayTenants(rep)
	} else {
		fake, err := defendertest.Start(defendertest.Options{Addr: o.addr, Latency: o.latency})
		if err != nil {
			return fmt.Errorf("starting the sandbox on %s: %w; choose another --addr (port 0 picks a free one)", o.addr, err)
		}
		s = served{LoginURL: fake.LoginURL, APIURL: fake.APIURL, GraphURL: fake.GraphURL}
		ca, close, note = fake.CACertPEM(), fake.Close, "Serving every scenario tenant: `mdeconnect sandbox --list` shows them."
	}
	defer close()
	s.ClientID, s.ClientSecret = defendertest.SandboxClientID, defendertest.SandboxClientSecret
	var err error
	if s.CAFile, err = writeCAFile(o.caFile, ca); err != nil {
		return err
	}
	if o.caFile == "" {
		defer os.Remove(s.CAFile)
	}
	if err := a.printServed(s, o.jsonOut); err != nil {
		return err
	}
	fmt.Fprintf(a.errOut, "%s\nIn another shell: eval the lines above, then e.g.\n  mdeconnect test %s --client-secret-stdin <<< \"$MDECONNECT_CLIENT_SECRET\"\nPress Ctrl+C to stop.\n",
		note, hint)
	<-cmd.Context().Done()
	fmt.Fprintln(a.errOut, "Sandbox stopped.")
	return nil
}

// replayTenants are the --tenant flags that test a report's tenants: only
// those that are a tenant ID or domain (the report is a file from outside).
func replayTenants(rep *supportReport) string {
	var flags []string
	for _, t := range rep.Tenants {
		if tid, err := defender.ParseTenant(t.TenantID); err == nil {
			flags = append(flags, "--tenant "+connector.ShellQuote(tid))
		}
	}
	if len(flags) == 0 {
		return "--tenant TENANT"
	}
	return strings.Join(flags, " ")
}

// writeCAFile writes the CA to path, or to a new temporary file.
func writeCAFile(path string, pem []byte) (string, error) {
	if path == "" {
		f, err := os.CreateTemp("", "mdeconnect-sandbox-ca-*.pem")
		if err != nil {
			return "", fmt.Errorf("writing the sandbox's CA certificate: %w; give a path with --ca-file", err)
		}
		path = f.Name()
		f.Close()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(abs, pem, 0o644); err != nil {
		return "", fmt.Errorf("writing the sandbox's CA certificate to %s: %w; choose another --ca-file", abs, err)
	}
	return abs, nil
}

func (a *app) printServed(s served, jsonOut bool) error {
	if jsonOut {
		return json.NewEncoder(a.out).Encode(s)
	}
	for _, kv := range [][2]string{
		{defender.EnvLoginURL, s.LoginURL}, {defender.EnvAPIURL, s.APIURL}, {defender.EnvGraphURL, s.GraphURL},
		// Not SSL_CERT_FILE: macOS and Windows ignore it, and other tools in
		// the shell (curl, git) would then trust the sandbox alone.
		{EnvCAFile, s.CAFile}, {EnvClientSecret, s.ClientSecret},
	} {
		fmt.Fprintf(a.out, "export %s=%s\n", kv[0], connector.ShellQuote(kv[1]))
	}
	fmt.Fprintf(a.out, "# client ID %s: Paratira's, the default of --client-id\n", s.ClientID)
	return nil
}
