package cli

import (
	"context"

	"github.com/paratira/mdeconnect/defender/doctor"
)

// wizardAdminSignIn signs a tenant's admin in for the wizard's look from the
// tenant's side (after a failed test), as doctor does: the wizard gives the
// cloud, tenant, HTTP client and how to show the page or code; the --debug
// log learns the device code, to remove it.
func (a *app) wizardAdminSignIn(ctx context.Context, so doctor.SignInOptions) (*doctor.Session, error) {
	so.Redact = func(s string) { a.traceClient(a.httpClient, s) }
	return doctor.SignIn(ctx, so)
}
