package cli

import (
	"fmt"
	"strings"
	"sync"

	"github.com/paratira/mdeconnect/defender"
	"github.com/spf13/cobra"
)

type reportOptions struct {
	engineFlags
	clientID string
	tenants  []string
	secretIn bool
	last     bool
	output   string
	jsonOut  bool
	doctor   doctorFlags // --doctor and its flags (doctor_report.go)
}

func newReportCmd(a *app) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report [NAME]",
		Short: "Test the connection and write a diagnostic bundle for Paratira support",
		Long: "Run the connection test (or, with --last, take the test recorded for connector NAME)\n" +
			"and write one JSON file with everything support needs to see why it failed: the\n" +
			"mdeconnect version, OS and terminal, cloud and endpoints, the connector without its\n" +
			"secret, every check with its AADSTS code and trace IDs, the token's claims (never the\n" +
			"token) and every HTTP exchange, with secrets, tokens and Authorization headers removed.\n" +
			"Support replays it with `mdeconnect sandbox --replay FILE`.\n\n" +
			"Exit codes as for test: 0 no check failed, 3 a check failed, 2 bad input, 1 any other\n" +
			"error, 130 cancelled.",
		Example: "  mdeconnect report contoso\n" +
			"  printf '%s' \"$SECRET\" | mdeconnect report --tenant contoso.com --client-secret-stdin -o report.json",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runReport(cmd, o, args) },
	}
	o.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.clientID, "client-id", defender.ParatiraClientID, "Paratira's application (client) ID (ad hoc only)")
	f.StringArrayVar(&o.tenants, "tenant", nil, "tenant ID or domain, optionally =CUSTOMER (repeatable); with NAME, picks its tenants")
	f.BoolVar(&o.secretIn, "client-secret-stdin", false, "read the client secret from stdin (or set MDECONNECT_CLIENT_SECRET)")
	f.BoolVar(&o.last, "last", false, "with NAME: report the test recorded in the store instead of testing again")
	f.StringVarP(&o.output, "output", "o", "", "where to write the report (default mdeconnect-report-NAME-TIMESTAMP.json here)")
	f.BoolVar(&o.jsonOut, "json", false, "print the summary as JSON on stdout")
	o.doctor.register(cmd)
	return cmd
}

func (a *app) runReport(cmd *cobra.Command, o *reportOptions, args []string) error {
	var (
		rep  *supportReport
		name string
		err  error
	)
	switch {
	case o.last && len(args) == 0:
		return usagef("--last reports the test recorded for a saved connector: give its NAME (`mdeconnect list` shows them)")
	case len(args) == 1:
		name = args[0]
		rep, err = a.reportSaved(cmd, o, name)
	default:
		name = "adhoc"
		rep, err = a.reportAdHoc(cmd, o)
	}
	if rep == nil {
		return err
	}
	path := o.output
	if path == "" {
		path = fmt.Sprintf("mdeconnect-report-%s-%s.json", fileSafe(name), a.now().UTC().Format("20060102T150405Z"))
	}
	if werr := a.writeReport(cmd, &o.doctor, path, rep); werr != nil {
		return fmt.Errorf("writing the report to %s: %w; choose another place with -o FILE", path, werr)
	}
	if perr := a.printReportSummary(rep, path, o.jsonOut); perr != nil {
		return perr
	}
	if err != nil {
		return err
	}
	if !rep.OK {
		return errChecksFailed
	}
	return nil
}

// reportAdHoc tests the tenants given by flags and records every exchange.
func (a *app) reportAdHoc(cmd *cobra.Command, o *reportOptions) (*supportReport, error) {
	targets, err := parseTargets(o.tenants)
	if err != nil {
		return nil, err
	}
	cloud, err := a.resolveCloud(o.cloud)
	if err != nil {
		return nil, err
	}
	if err := checkClientID(cloud, o.clientID); err != nil {
		return nil, err
	}
	secret, err := a.checkedSecret(cmd, o.engineFlags, o.secretIn)
	if err != nil {
		return nil, err
	}
	conn := reportConnector{AdHoc: true, ClientID: o.clientID, Cloud: o.cloud}
	for _, t := range targets {
		conn.Mappings = append(conn.Mappings, reportMapping{TenantID: t.TenantID, Customer: t.Customer})
	}
	rep := a.newReport(cloud, conn)
	tr := a.tracing()
	tr.red.Add(secret)
	stop := rep.record(tr)
	res, err := a.runChecks(cmd, checkRun{cloud: cloud, clientID: o.clientID, secret: secret, flags: o.engineFlags, targets: targets})
	stop()
	return rep.completed(res, err, tr.red)
}

// reportSaved tests a saved connector (or takes its recorded test).
func (a *app) reportSaved(cmd *cobra.Command, o *reportOptions, name string) (*supportReport, error) {
	if cmd.Flags().Changed("client-id") || o.secretIn {
		return nil, usagef("a saved connector uses its own client ID and secret: drop --client-id and --client-secret-stdin")
	}
	st, c, err := a.loadConnector(name)
	if err != nil {
		return nil, err
	}
	cloud, err := a.connectorCloud(c)
	if err != nil {
		return nil, err
	}
	rep := a.newReport(cloud, reportConnector{Name: c.Name, ClientID: c.ClientID, Cloud: c.Cloud, Mode: c.Mode,
		SecretStore: c.SecretStore, Endpoints: c.Endpoints, Mappings: mappingsOf(c.Mappings)})
	if o.last {
		if c.LastValidation == nil {
			return nil, usagef("connector %q has no recorded test: drop --last to test it now", c.Name)
		}
		rep.addRecorded(*c.LastValidation)
		for i, t := range rep.Tenants {
			for _, m := range c.Mappings {
				if strings.EqualFold(m.TenantID, t.TenantID) {
					rep.Tenants[i].Customer = m.CustomerName
				}
			}
		}
		rep.finish(&defender.Redactor{})
		return rep, nil
	}
	targets, err := pickTargets(c, o.tenants)
	if err != nil {
		return nil, err
	}
	tr := a.tracing()
	stop := rep.record(tr)
	res, err := a.testConnector(cmd, st, c, checkRun{targets: targets, flags: o.engineFlags})
	stop()
	return rep.completed(res, err, tr.red)
}

// record collects the transport's exchanges into the report until stopped.
func (r *supportReport) record(tr *supportTransport) (stop func()) {
	var mu sync.Mutex
	on := true
	tr.subscribe(func(ex tracedExchange) {
		mu.Lock()
		defer mu.Unlock()
		if on {
			r.Trace = append(r.Trace, ex)
		}
	})
	return func() {
		mu.Lock()
		on = false
		mu.Unlock()
	}
}

// completed adds a run's result; a run that produced no tenant (bad input,
// no secret) has nothing to report.
func (r *supportReport) completed(res defender.Result, err error, red *defender.Redactor) (*supportReport, error) {
	if len(res.Tenants) == 0 {
		return nil, err
	}
	r.addResult(res)
	r.finish(red)
	return r, err
}

func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '-'
	}, s)
}

// reportSummary is `report --json`: where the report is and what it says.
type reportSummary struct {
	File    string          `json:"file"`
	Source  string          `json:"source"`
	OK      bool            `json:"ok"`
	Tenants []tenantSummary `json:"tenants"`
}

type tenantSummary struct {
	TenantID string        `json:"tenant_id"`
	Customer string        `json:"customer,omitempty"`
	OK       bool          `json:"ok"`
	Problems []reportCheck `json:"problems"`
	// Unfinished counts checks a cancellation stopped before they ended.
	Unfinished int `json:"unfinished,omitempty"`
}

func summarizeReport(rep *supportReport, path string) reportSummary {
	s := reportSummary{File: path, Source: rep.Source, OK: rep.OK, Tenants: []tenantSummary{}}
	for _, t := range rep.Tenants {
		ts := tenantSummary{TenantID: t.TenantID, Customer: t.Customer, OK: t.OK, Problems: []reportCheck{}}
		for _, c := range t.Checks {
			if c.Status == defender.Skip && strings.HasPrefix(c.Message, "cancelled") {
				ts.Unfinished++
				ts.OK = false
			}
			if c.Status == defender.Fail || c.Status == defender.Warn {
				ts.Problems = append(ts.Problems, reportCheck{ID: c.ID, Title: c.Title, Status: c.Status,
					Problem: c.Problem, ProblemTitle: c.ProblemTitle, Message: c.Message, Diag: c.Diag})
			}
		}
		s.Tenants = append(s.Tenants, ts)
	}
	return s
}

// printReportSummary tells the user what the report found and where it is.
func (a *app) printReportSummary(rep *supportReport, path string, jsonOut bool) error {
	sum := summarizeReport(rep, path)
	if jsonOut {
		return writeJSON(a.out, sum)
	}
	w := a.colorWriter(a.out)
	for _, t := range sum.Tenants {
		name := safe(t.TenantID)
		if t.Customer != "" {
			name = safe(t.Customer) + " (" + safe(t.TenantID) + ")"
		}
		if t.Unfinished > 0 {
			fmt.Fprintf(w, "%s %s: %d check(s) did not finish (cancelled)\n", statusMark(defender.Warn), name, t.Unfinished)
		}
		if len(t.Problems) == 0 {
			if t.Unfinished == 0 {
				fmt.Fprintf(w, "%s %s: every check passed\n", statusMark(defender.Pass), name)
			}
			continue
		}
		fmt.Fprintf(w, "%s %s\n", statusMark(map[bool]defender.Status{true: defender.Warn, false: defender.Fail}[t.OK]), name)
		for _, c := range t.Problems {
			fmt.Fprintf(w, "    %s %s: %s%s\n", statusMark(c.Status), safe(c.Title), safe(orDash(c.ProblemTitle)), safe(diagWords(c.Diag)))
		}
	}
	if rep.Source == "recorded" {
		fmt.Fprintf(w, "From the test recorded %s (no HTTP trace: run without --last for one).\n", rep.RecordedAt.Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintf(w, "Report: %s\n", path)
	fmt.Fprintln(w, dimStyle.Render("It holds no client secret or token. Send it to Paratira support; they replay it with `mdeconnect sandbox --replay`."))
	return nil
}

// diagWords are the wire facts support asks for first.
func diagWords(d *defender.Diagnostics) string {
	if d == nil {
		return ""
	}
	var parts []string
	for _, c := range d.AADSTS {
		parts = append(parts, fmt.Sprintf("AADSTS%d", c))
	}
	if d.HTTPStatus != 0 {
		parts = append(parts, fmt.Sprintf("HTTP %d", d.HTTPStatus))
	}
	if d.Error != "" {
		parts = append(parts, d.Error)
	} else if d.APICode != "" {
		parts = append(parts, d.APICode)
	}
	if d.TraceID != "" {
		parts = append(parts, "trace "+d.TraceID)
	}
	if d.CorrelationID != "" {
		parts = append(parts, "correlation "+d.CorrelationID)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
