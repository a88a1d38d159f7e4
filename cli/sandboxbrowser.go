package cli

import (
	"context"
	"net/http"
	"net/url"
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
	return defendertest.AcceptConsent(ctx, b.client, raw, b.scenario)
}
