package cli

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/store"
)

// sandbox is a fake Microsoft cloud started in-process, and what mdeconnect
// needs to talk to it. `--sandbox` and `mdeconnect sandbox` share it.
type sandbox struct {
	fake   *defendertest.Cloud
	cloud  defender.Cloud
	client *http.Client
	// dir holds the sandbox's connectors; temp says it is removed on close.
	dir  string
	temp bool
}

// startSandbox starts the fake cloud and points a copy of the global cloud at it.
func startSandbox(getenv func(string) string, opts defendertest.Options) (*sandbox, error) {
	fake, err := defendertest.Start(opts)
	if err != nil {
		return nil, fmt.Errorf("starting the sandbox cloud: %w", err)
	}
	sb := &sandbox{fake: fake, client: fake.Client()}
	if sb.cloud, err = sandboxCloud(fake); err != nil {
		fake.Close()
		return nil, err
	}
	if sb.dir, sb.temp, err = sandboxDir(getenv); err != nil {
		fake.Close()
		return nil, err
	}
	return sb, nil
}

// sandboxCloud is the global cloud with every base URL on the fake.
func sandboxCloud(fake *defendertest.Cloud) (defender.Cloud, error) {
	base, err := defender.LookupCloud("global")
	if err != nil {
		return base, err
	}
	c, err := base.Overrides(fake.LoginURL, fake.APIURL, fake.GraphURL)
	c.Name = "sandbox"
	return c, err
}

// EnvConfigDir is the folder for mdeconnect's data (store.DefaultDir reads it
// too); the sandbox saves there when it is set.
const EnvConfigDir = "MDECONNECT_CONFIG_DIR"

// sandboxDir is EnvConfigDir when set, else a throwaway folder.
func sandboxDir(getenv func(string) string) (string, bool, error) {
	if dir := getenv(EnvConfigDir); dir != "" {
		return dir, false, nil
	}
	dir, err := os.MkdirTemp("", "mdeconnect-sandbox-")
	if err != nil {
		return "", false, fmt.Errorf("creating the sandbox's temporary folder: %w", err)
	}
	return dir, true, nil
}

// openStore opens the sandbox's store; secrets go to a 0600 file beside it,
// never the user's keyring.
func (sb *sandbox) openStore() (*store.Store, error) {
	return store.Open(store.Options{Dir: sb.dir, SecretBackend: store.BackendFile})
}

// scenario finds a scenario by name, tenant or domain ("" is healthy).
func (sb *sandbox) scenario(name string) (defendertest.Scenario, error) {
	if name == "" {
		name = "healthy"
	}
	for _, s := range sb.fake.Scenarios() {
		if strings.EqualFold(s.Name, name) || strings.EqualFold(s.TenantID, name) || strings.EqualFold(s.Domain, name) {
			return s, nil
		}
	}
	var names []string
	for _, s := range sb.fake.Scenarios() {
		names = append(names, s.Name)
	}
	return defendertest.Scenario{}, usagef("unknown sandbox scenario %q: choose one of %s", name, strings.Join(names, ", "))
}

// traced gives c, the sandbox's client, the --debug log's transport when a
// log is being written, so exchanges with the fake cloud are logged, and
// redacted, like exchanges with Microsoft.
func (a *app) traced(c *http.Client) *http.Client {
	if a.httpClient == nil {
		return c
	}
	log, ok := a.httpClient.Transport.(*supportTransport)
	if !ok {
		return c
	}
	st := &supportTransport{base: c.Transport, red: log.red}
	st.subscribe(func(ex tracedExchange) {
		log.mu.Lock()
		sinks := slices.Clone(log.sinks)
		log.mu.Unlock()
		for _, f := range sinks {
			f(ex)
		}
	})
	out := *c
	out.Transport = st
	return &out
}

// close stops the fake cloud and removes a throwaway folder.
func (sb *sandbox) close() {
	sb.fake.Close()
	if sb.temp {
		_ = os.RemoveAll(sb.dir)
	}
}

// freeRedirectURI is a localhost redirect URI on a free port, so sandboxes
// run side by side (the fake accepts any loopback redirect).
func freeRedirectURI() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port for the consent redirect: %w", err)
	}
	defer ln.Close()
	return fmt.Sprintf("http://localhost:%d/consent", ln.Addr().(*net.TCPAddr).Port), nil
}
