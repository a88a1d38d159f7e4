package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsentRoundTripInChromium is admin consent as an admin goes through
// it, in a real browser: headless Chromium, driven through the DevTools
// protocol, opens the link the wizard hands to the system browser (BROWSER),
// lands on the fake cloud's consent page, and its click follows the redirect
// to the wizard's listener, whose page says in plain words what became of
// the reply. The wizard runs against `mdeconnect sandbox` as a process, as
// it runs against Microsoft: with --sandbox its own simulated browser would
// answer instead of the system's.
//
// In one session: a forged reply (a state the wizard never sent) is not
// accepted and spoils nothing; Cancel is a rejection, and the link becomes a
// new request; Accept on that one is granted, and the wizard carries on.
func TestConsentRoundTripInChromium(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	chromium := findChromium(t)
	cloud := startCloudProcess(t)
	browser, urls := recordingBrowser(t)
	config, cache := t.TempDir(), t.TempDir()
	tm := &fixTerm{ptyTerm: startTerm(t, bin, append(append(fixEnv(config, cache), cloud.env...), "BROWSER="+browser)),
		config: config, cache: cache}
	tm.see("Add a new connector")
	tm.send(keyEnter)
	tm.see("By technology")
	tm.send(keyEnter, keyEnter)
	tm.see("Grant admin consent to Paratira")
	tm.send(keyEnter) // open the link in "the system browser"
	tm.see("Opened the consent page in your browser")
	link := openedURL(t, urls, 1)
	consent, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	redirect, err := url.Parse(consent.Query().Get("redirect_uri"))
	if err != nil || redirect.Hostname() != "localhost" {
		t.Fatalf("the link's redirect URI %q is not the wizard's listener", consent.Query().Get("redirect_uri"))
	}

	ctx := startChromium(t, chromium, cloud.spki(t, consent.Host))
	healthy := mustScenario("healthy")

	// A reply the wizard never asked for: the listener does not take it.
	forged := *redirect
	forged.RawQuery = url.Values{"admin_consent": {"True"}, "tenant": {healthy.TenantID}, "state": {"forged-state"}}.Encode()
	page := visit(t, ctx, forged.String())
	page.expect(t, "Not accepted", "mdeconnect did not accept this reply, and nothing was changed.",
		"If you were approving Paratira's app, open the consent link that mdeconnect shows now and approve again.")
	if !strings.Contains(page.reason, "state does not match") {
		t.Errorf("the not-accepted page's reason: %q", page.reason)
	}
	tm.see("state does not match")
	if s := flat(tm.screen()); strings.Contains(s, "Consent granted") || strings.Contains(s, "Consent rejected") {
		t.Fatalf("the forged reply changed the consent:\n%s", tm.screen())
	}

	// Cancel on Microsoft's page: rejected, and why.
	page = clickThrough(t, ctx, link, "#cancel-"+healthy.Name, redirect.Host)
	page.expect(t, "Consent rejected", "Microsoft did not grant admin consent to Paratira's app.",
		"Go back to mdeconnect in your terminal: it says what to do next. You can close this tab.")
	if !strings.Contains(page.reason, "User declined to consent to access the app") {
		t.Errorf("the rejected page's reason: %q", page.reason)
	}
	tm.see("The link above is a new request")
	if s := flat(tm.screen()); !strings.Contains(s, "declined") {
		t.Errorf("the wizard does not say the consent was declined:\n%s", tm.screen())
	}

	// Accept on the new request the wizard opens.
	tm.send("o")
	second := openedURL(t, urls, 2)
	if second == link {
		t.Fatal("after a rejection the wizard opened the same request again")
	}
	page = clickThrough(t, ctx, second, "#accept-"+healthy.Name, redirect.Host)
	page.expect(t, "Consent granted", "Admin consent was granted to Paratira's app in tenant "+healthy.TenantID+".",
		"Go back to mdeconnect in your terminal: it carries on from here. You can close this tab.")
	tm.see("Consent granted for tenant " + healthy.TenantID)
	tm.send(keyEnter)
	tm.see("Filled in from the consent result")
	if !strings.Contains(tm.screen(), healthy.TenantID) {
		t.Errorf("the tenant step is not filled in from the consent:\n%s", tm.screen())
	}
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != exitCancelled {
		t.Fatalf("exit %d", code)
	}
}

// findChromium is the Chromium to drive; the test skips where there is none.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium here (chromium, chromium-browser or google-chrome on PATH): the consent round trip in a real browser is not tested; " +
		"on Debian: apt-get install chromium (.ci/run installs it)")
	return ""
}

// spki is the base64 SHA-256 of the public key of the certificate the fake
// serves at host, checked against its CA first: the one certificate
// Chromium is told to take despite its unknown issuer.
func (c *cloudProcess) spki(t *testing.T, host string) string {
	t.Helper()
	conn, err := tls.Dial("tcp", host, &tls.Config{RootCAs: c.roots})
	if err != nil {
		t.Fatalf("the fake's certificate at %s: %v", host, err)
	}
	defer conn.Close()
	leaf := conn.ConnectionState().PeerCertificates[0]
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// startChromium starts headless Chromium with a new empty profile, no
// background traffic, and certificate errors ignored for the fake's key
// alone (its CA is not trusted anywhere else). It ends with the test.
func startChromium(t *testing.T, path, spki string) context.Context {
	t.Helper()
	home := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // CI runs as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		// Chromium takes this list only with --user-data-dir, and only for
		// certificates whose chain holds one of these keys: the fake's.
		chromedp.Flag("ignore-certificate-errors-spki-list", spki),
		chromedp.Env("HOME=" + home),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// listenerPage is what the admin reads on the wizard's listener's page.
type listenerPage struct {
	location, title, verdict, detail, reason, next string
}

func (p listenerPage) expect(t *testing.T, verdict, detail, next string) {
	t.Helper()
	if p.verdict != verdict || p.detail != detail || p.next != next || p.title != "mdeconnect: "+verdict {
		t.Errorf("the listener's page at %s:\n title %q\n verdict %q\n detail %q\n reason %q\n next %q\nwant verdict %q, detail %q, next %q",
			p.location, p.title, p.verdict, p.detail, p.reason, p.next, verdict, detail, next)
	}
}

// visit opens a URL of the listener and reads its page.
func visit(t *testing.T, ctx context.Context, u string) listenerPage {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("navigate %s: %v", u, err)
	}
	return readListenerPage(t, ctx)
}

// clickThrough opens the consent link on the fake's page, clicks the
// element sel there, and reads the page the redirect lands on, which must
// be on listener (host:port).
func clickThrough(t *testing.T, ctx context.Context, link, sel, listener string) listenerPage {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatalf("the consent page: %v", err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatalf("the consent page: %v", err)
	}
	if heading != "Permissions requested" {
		t.Fatalf("the consent link opened %q, not the consent page", heading)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	p := readListenerPage(t, ctx)
	if u, err := url.Parse(p.location); err != nil || u.Host != listener {
		t.Fatalf("the redirect landed on %s, not the wizard's listener %s", p.location, listener)
	}
	return p
}

// readListenerPage waits for the listener's page and reads it.
func readListenerPage(t *testing.T, ctx context.Context) listenerPage {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("verdict"))); err != nil {
		t.Fatalf("the listener's page: %v", err)
	}
	var p listenerPage
	for _, read := range []struct {
		into *string
		a    chromedp.Action[string]
	}{
		{&p.location, chromedp.Location()},
		{&p.title, chromedp.Title()},
		{&p.verdict, chromedp.Text(chromedp.ID("verdict"))},
		{&p.detail, chromedp.Text(chromedp.ID("detail"))},
		{&p.next, chromedp.Text(chromedp.ID("next"))},
	} {
		v, err := chromedp.Run(ctx, read.a)
		if err != nil {
			t.Fatalf("the listener's page: %v", err)
		}
		*read.into = v
	}
	// The reason is there only when the page has one.
	reasons, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#reason"), e => e.textContent)`))
	if err != nil {
		t.Fatalf("the listener's page: %v", err)
	}
	if len(reasons) > 0 {
		p.reason = strings.TrimPrefix(reasons[0], "Reason: ")
	}
	return p
}
