package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/spf13/cobra"
)

func newTenantCmd(a *app) *cobra.Command {
	// A group: an unknown subcommand is a usage error (exit 2), not its help.
	cmd := &cobra.Command{
		Use:   "tenant",
		Short: "Look up tenants",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newTenantResolveCmd(a))
	return cmd
}

type resolveOptions struct {
	cloud   string
	jsonOut bool
	timeout time.Duration
}

// resolved is one line of `tenant resolve`.
type resolved struct {
	Input         string `json:"input"`
	OK            bool   `json:"ok"`
	TenantID      string `json:"tenant_id,omitempty"`
	RegionScope   string `json:"region_scope,omitempty"`
	CloudInstance string `json:"cloud_instance,omitempty"`
	Problem       string `json:"problem,omitempty"`
	Error         string `json:"error,omitempty"`
	// Diag holds the wire facts of a failure (AADSTS code, trace ID) for support.
	Diag *defender.Diagnostics `json:"diag,omitempty"`
}

func newTenantResolveCmd(a *app) *cobra.Command {
	o := &resolveOptions{}
	cmd := &cobra.Command{
		Use:     "resolve DOMAIN-OR-ID...",
		Short:   "Find each tenant's ID, region scope and cloud (no sign-in needed)",
		Example: "  mdeconnect tenant resolve contoso.com fabrikam.onmicrosoft.com",
		Args:    cobra.MinimumNArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return a.runResolve(cmd, o, args) },
	}
	cmd.Flags().StringVar(&o.cloud, "cloud", "global", "Microsoft cloud: global, gcc, gcc-high or dod")
	cmd.Flags().BoolVar(&o.jsonOut, "json", false, "print JSON on stdout")
	cmd.Flags().DurationVar(&o.timeout, "timeout", defender.DefaultRetry.PerRequest, "how long one request to Microsoft may take")
	return cmd
}

func (a *app) runResolve(cmd *cobra.Command, o *resolveOptions, args []string) error {
	cloud, err := a.resolveCloud(o.cloud)
	if err != nil {
		return err
	}
	eng, err := a.newEngine(cloud, defender.ParatiraClientID, "", engineFlags{parallel: defender.DefaultParallel, timeout: o.timeout}, nil)
	if err != nil {
		return err
	}
	out := make([]resolved, len(args))
	var wg sync.WaitGroup
	for i, in := range args {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = resolveOne(cmd, eng, in)
		}()
	}
	wg.Wait()
	if err := cmd.Context().Err(); err != nil {
		return err
	}
	failed := false
	for _, r := range out {
		failed = failed || !r.OK
	}
	if o.jsonOut {
		if err := json.NewEncoder(a.out).Encode(out); err != nil {
			return err
		}
	} else {
		printResolved(a, out)
	}
	if failed {
		return errChecksFailed
	}
	return nil
}

func resolveOne(cmd *cobra.Command, eng *defender.Engine, in string) resolved {
	info, err := eng.ResolveTenant(cmd.Context(), in)
	if err != nil {
		r := resolved{Input: in, Error: err.Error()}
		var de *defender.Error
		if errors.As(err, &de) {
			r.Problem = string(de.Problem)
			if de.Diag.HTTPStatus != 0 || len(de.Diag.AADSTS) > 0 {
				d := de.Diag
				r.Diag = &d
			}
		}
		return r
	}
	return resolved{Input: in, OK: true, TenantID: info.TenantID, RegionScope: info.RegionScope, CloudInstance: info.CloudInstance}
}

func printResolved(a *app, out []resolved) {
	w := a.colorWriter(a.out)
	for _, r := range out {
		if !r.OK {
			msg := r.Error
			if r.Problem != "" {
				msg = problem.Code(r.Problem).Title() + ": " + msg
			}
			fmt.Fprintf(w, "%s %s: %s\n", statusMark(defender.Fail), safe(r.Input), safe(msg))
			continue
		}
		fmt.Fprintf(w, "%s %s  %s  region %s  cloud %s\n", statusMark(defender.Pass), safe(r.Input), safe(r.TenantID), safe(orDash(r.RegionScope)), safe(orDash(r.CloudInstance)))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
