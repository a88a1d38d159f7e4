package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/fang/v2"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/store"
)

// harness runs mdeconnect commands in-process against the fake cloud, with a
// store in a temp folder, as a user's shell would.
type harness struct {
	t     *testing.T
	cloud *defendertest.Cloud
	dir   string
	env   map[string]string
	// now, when set, is the clock the commands see.
	now func() time.Time
	// keyring, when set, is the system keyring the commands see.
	keyring store.Keyring
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	c := defendertest.NewTestCloud(t, defendertest.Options{})
	dir := t.TempDir()
	return &harness{t: t, cloud: c, dir: dir, env: map[string]string{
		"MDECONNECT_LOGIN_URL":    c.LoginURL,
		"MDECONNECT_API_URL":      c.APIURL,
		"MDECONNECT_GRAPH_URL":    c.GraphURL,
		"MDECONNECT_CONFIG_DIR":   filepath.Join(dir, "config"),
		"MDECONNECT_SECRET_STORE": "file",
		"NO_COLOR":                "1",
	}}
}

type run struct {
	stdout, stderr string
	code           int
}

// testRetry is Microsoft's backoff, shortened: the retry logic is the same,
// the waits of the throttling and fault cases are not.
var testRetry = defender.RetryPolicy{Attempts: defender.DefaultRetry.Attempts, BaseDelay: 5 * time.Millisecond,
	Budget: 3 * time.Second, PerRequest: defender.DefaultRetry.PerRequest}

// app is an app as a user's shell would start it here: the harness's
// environment, the fake cloud's client, short waits and backoff.
func (h *harness) app(stdin string, out, errOut io.Writer) *app {
	a := newApp(Streams{In: strings.NewReader(stdin), Out: out, Err: errOut, Getenv: func(k string) string { return h.env[k] }})
	a.httpClient = h.cloud.Client()
	a.consentPoll = 20 * time.Millisecond
	a.retry = testRetry
	a.keyring = h.keyring
	if h.now != nil {
		a.now = h.now
	}
	return a
}

// run executes one command line with stdin.
func (h *harness) run(stdin string, args ...string) run {
	h.t.Helper()
	var out, errOut bytes.Buffer
	return execute(context.Background(), h.app(stdin, &out, &errOut), args, &out, &errOut)
}

// execute runs one command line on a as main does, exit hooks included,
// and collects what it printed on out and errOut.
func execute(ctx context.Context, a *app, args []string, out fmt.Stringer, errOut interface {
	io.Writer
	fmt.Stringer
}) run {
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		a.renderError(errOut, fang.Styles{}, err)
	}
	a.finish()
	return run{stdout: out.String(), stderr: errOut.String(), code: exitCode(err)}
}

func (h *harness) scenario(name string) defendertest.Scenario {
	h.t.Helper()
	s, ok := defendertest.Lookup(name)
	if !ok {
		h.t.Fatalf("no scenario %s", name)
	}
	return s
}

// storeBytes returns the contents of every file in the config folder.
func (h *harness) storeBytes() map[string]string {
	h.t.Helper()
	out := map[string]string{}
	root := h.env["MDECONNECT_CONFIG_DIR"]
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		b, rerr := os.ReadFile(p)
		if rerr == nil {
			out[p] = string(b)
		}
		return nil
	})
	return out
}
