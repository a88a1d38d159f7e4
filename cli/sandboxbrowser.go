package cli

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
)

// sandboxBrowser plays the admin in the sandbox: it fetches the fake consent
// page and follows the Accept link of the chosen scenario's tenant, which
// redirects to the wizard's localhost listener like Entra ID would.
type sandboxBrowser struct {
	client   *http.Client
	scenario string
}

func (b sandboxBrowser) CanOpen() (bool, string) { return true, "" }

func (b sandboxBrowser) Open(ctx context.Context, url string) error {
	page, err := b.get(ctx, url)
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
