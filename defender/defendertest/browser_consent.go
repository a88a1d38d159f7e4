package defendertest

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
)

// AcceptConsent plays the admin on the fake's admin consent page: it opens
// rawURL and follows the Accept link of scenario's tenant, which redirects
// to the consent link's redirect URI (the wizard's listener), as Entra ID
// would. client must trust the fake's CA.
func AcceptConsent(ctx context.Context, client *http.Client, rawURL, scenario string) error {
	b := AdminBrowser{Client: client}
	page, err := b.fetch(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fmt.Errorf("sandbox consent page: %w", err)
	}
	re := regexp.MustCompile(`id="accept-` + regexp.QuoteMeta(scenario) + `" href="([^"]+)"`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		return fmt.Errorf("the sandbox consent page offers no Accept link for scenario %q", scenario)
	}
	// Following the link ends at the redirect URI, which takes the result.
	_, err = b.fetch(ctx, http.MethodGet, html.UnescapeString(m[1]), nil)
	return err
}
