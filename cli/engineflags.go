package cli

import (
	"errors"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/spf13/cobra"
)

// engineFlags are the flags every command that talks to Microsoft shares.
type engineFlags struct {
	cloud    string
	parallel int
	// timeout bounds one request, so a hung server or proxy cannot hang a run.
	timeout time.Duration
}

func (f *engineFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.cloud, "cloud", "global", "Microsoft cloud: global, gcc, gcc-high or dod")
	cmd.Flags().IntVar(&f.parallel, "parallel", defender.DefaultParallel, "how many tenants to validate at once")
	cmd.Flags().DurationVar(&f.timeout, "timeout", defender.DefaultRetry.PerRequest, "how long one request to Microsoft may take")
}

// resolveCloud picks the preset and applies MDECONNECT_*_URL overrides.
func (a *app) resolveCloud(name string) (defender.Cloud, error) {
	c, err := defender.LookupCloud(name)
	if err != nil {
		return c, usageError{msg: err.Error()}
	}
	c, err = c.FromEnv(a.getenv)
	if err != nil {
		return c, usageError{msg: err.Error()}
	}
	return c, nil
}

// check refuses flag values no run can use; commands call it before they
// ask for a secret, so bad input fails at once.
func (f engineFlags) check() error {
	if f.parallel < 1 || f.parallel > 500 {
		return usagef("--parallel %d is out of range: use 1 to 500", f.parallel)
	}
	if f.timeout < 0 || (f.timeout > 0 && f.timeout < 100*time.Millisecond) {
		return usagef("--timeout %s is too short: give a duration such as 20s", f.timeout)
	}
	return nil
}

// checkClientID refuses a client ID that cannot exist in cloud: Paratira's
// global app in a US Government cloud (Microsoft registers apps separately in
// each national cloud), which could only ever fail with AADSTS700016.
func checkClientID(cloud defender.Cloud, clientID string) error {
	var ce *defender.ClientIDError
	if err := cloud.CheckClientID(clientID); errors.As(err, &ce) {
		return usagef("%v: --client-id ID. A GCC tenant whose Defender for Endpoint runs in the commercial cloud uses --cloud gcc or global with the default client ID", err)
	}
	return nil
}

// checkedSecret checks the engine flags, then reads the secret, so bad flags
// fail before anything is asked.
func (a *app) checkedSecret(cmd *cobra.Command, f engineFlags, fromStdin bool) (string, error) {
	if err := f.check(); err != nil {
		return "", err
	}
	return a.readSecret(cmd.Context(), fromStdin)
}

// newEngine builds the engine for a command, with the app's HTTP client
// (the process's one transport, with the extra CAs of cabundle.go).
func (a *app) newEngine(cloud defender.Cloud, clientID, secret string, f engineFlags, onEvent func(defender.Event)) (*defender.Engine, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if a.caErr != nil {
		return nil, a.caErr
	}
	if err := checkClientID(cloud, clientID); err != nil {
		return nil, err
	}
	retry := a.retry
	if retry == (defender.RetryPolicy{}) {
		retry = defender.DefaultRetry
	}
	if f.timeout > 0 {
		retry.PerRequest = f.timeout
	}
	e, err := defender.New(defender.Config{Cloud: cloud, ClientID: clientID, ClientSecret: secret, Limits: a.limits,
		HTTPClient: a.traceClient(a.httpClient, secret), Parallel: f.parallel, Retry: retry, OnEvent: onEvent})
	if err != nil {
		return nil, usageError{msg: err.Error()}
	}
	return e, nil
}
