package cli

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

// sandboxBrowser plays the admin in the sandbox. Given the consent page, it
// follows the Accept link of the chosen scenario's tenant, which redirects
// to the wizard's localhost listener like Entra ID would. Given the admin's
// sign-in page (a look from the tenant's side after a failed test), it
// accepts it as defendertest.AdminBrowser does, so that runs unattended.
type sandboxBrowser struct {
	client   *http.Client
	scenario string
	// admin is the client of the admin's sign-in, apart from the --debug
	// log: a browser's pages are not mdeconnect's exchanges, and the form
	// Entra ID answers with holds the authorization code.
	admin *http.Client
}

func (b sandboxBrowser) CanOpen() (bool, string) { return true, "" }

func (b sandboxBrowser) Open(ctx context.Context, raw string) error {
	if u, err := url.Parse(raw); err == nil && strings.HasSuffix(u.Path, "/oauth2/v2.0/authorize") {
		// It posts the answer to MSAL's loopback listener in the background,
		// as a browser would; a failure leaves the wizard waiting, where esc
		// or Ctrl+C ends it.
		return defendertest.AdminBrowser{Client: b.admin, Accept: true}.Open(raw)
	}
	page, err := b.get(ctx, raw)
	if err != nil {
		return fmt.Errorf("sandbox consent page: %w", err)
	}
	re := regexp.MustCompile(`id="accept-` + regexp.QuoteMeta(b.scenario) + `" href="([^"]+)"`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		return fmt.Errorf("the sandbox consent page offers no Accept link for scenario %q", b.scenario)
	}
	// Following the link ends at the wizard's listener, which takes the result.
	_, err = b.get(ctx, html.UnescapeString(m[1]))
	return err
}

func (b sandboxBrowser) get(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s answered %s", resp.Request.URL.Host, resp.Status)
	}
	return string(body), nil
}
