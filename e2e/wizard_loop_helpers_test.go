package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"html"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/store"
)

// consentMissing is the sandbox's tenant that has never granted consent:
// its tokens fail with AADSTS700016 until the consent page is accepted.
var consentMissing = mustScenario("consent-missing")

func mustScenario(name string) defendertest.Scenario {
	s, ok := defendertest.Lookup(name)
	if !ok {
		panic("no sandbox scenario " + name)
	}
	return s
}

// cloudProcess is `mdeconnect sandbox` run as a process of its own: the
// fake cloud with every scenario tenant, which the wizard reaches as it
// reaches Microsoft (no --sandbox), so it hands consent links to the
// system browser (BROWSER) and uses the store it is pointed at.
type cloudProcess struct {
	// env points mdeconnect at the fake cloud and trusts its CA.
	env []string
	// client trusts the fake's CA (roots), as an admin's browser trusts
	// Microsoft.
	client *http.Client
	roots  *x509.CertPool
}

func startCloudProcess(t *testing.T) *cloudProcess {
	t.Helper()
	dir := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	env, _ := startSandboxProcess(t, binary(t), base, "--ca-file", filepath.Join(dir, "ca.pem"))
	pem, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("the sandbox's CA file holds no certificate")
	}
	// Only loopback: the fake and the wizard's listener.
	tr := &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}
	return &cloudProcess{env: env, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, roots: pool}
}

// recordingBrowser writes a BROWSER program that only notes each URL it is
// given, one a line, and returns the BROWSER value and the notes' path.
func recordingBrowser(t *testing.T) (browser, urls string) {
	t.Helper()
	dir := t.TempDir()
	urls = filepath.Join(dir, "urls.txt")
	script := filepath.Join(dir, "browser")
	body := "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '" + urls + "'\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	return script, urls
}

// openedURL waits until the BROWSER program was given its n-th URL (from 1).
func openedURL(t *testing.T, urls string, n int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(urls); err == nil {
			if lines := strings.Fields(string(b)); len(lines) >= n {
				return lines[n-1]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the wizard never handed a browser URL number %d", n)
	return ""
}

// decide plays the admin on the fake's consent page at link: it clicks
// Accept (or Cancel) as an administrator of the scenario's tenant, follows
// the redirect to the wizard's listener and returns the page the listener
// answered with.
func (c *cloudProcess) decide(t *testing.T, link, scenario string, accept bool) string {
	t.Helper()
	page := c.get(t, link)
	which := "cancel-"
	if accept {
		which = "accept-"
	}
	m := regexp.MustCompile(`id="` + which + regexp.QuoteMeta(scenario) + `" href="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the consent page offers no %s%s link:\n%s", which, scenario, page)
	}
	return c.get(t, html.UnescapeString(m[1]))
}

func (c *cloudProcess) get(t *testing.T, url string) string {
	t.Helper()
	resp, err := c.client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// flat is text with every run of white space one space: a message the
// screen wraps reads as one line.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// fileStore opens the connectors folder a run saved to (secrets in a file).
func fileStore(t *testing.T, config string) *store.Store {
	t.Helper()
	st, err := store.Open(store.Options{Dir: config, SecretBackend: store.BackendFile})
	if err != nil {
		t.Fatal(err)
	}
	return st
}
