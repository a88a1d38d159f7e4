package cli

import (
	"context"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/doctor"
)

// TestSandboxBrowserSignsTheAdminIn: in the sandbox the simulated browser
// accepts the admin's sign-in page the wizard opens, so the look from the
// tenant's side runs unattended.
func TestSandboxBrowserSignsTheAdminIn(t *testing.T) {
	fake := defendertest.NewTestCloud(t, defendertest.Options{})
	cloud, err := sandboxCloud(fake)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"healthy", "service-principal-missing"} {
		t.Run(name, func(t *testing.T) {
			sc, _ := defendertest.Lookup(name)
			b := sandboxBrowser{client: fake.Client(), admin: fake.Client(), scenario: sc.Name}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			opened := 0
			sess, err := doctor.SignIn(ctx, doctor.SignInOptions{Cloud: cloud, Tenant: sc.TenantID, HTTPClient: fake.Client(),
				OpenURL: func(u string) error { opened++; return b.Open(ctx, u) }})
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			if want := "admin@" + sc.Domain; opened != 1 || sess.Account.UPN != want || sess.TenantID != sc.TenantID {
				t.Errorf("opened %d, signed in as %q to %s, want %s to %s", opened, sess.Account.UPN, sess.TenantID, want, sc.TenantID)
			}
			if _, codes := fake.SignInRequests(); codes < 1 {
				t.Error("no authorization code was issued")
			}
		})
	}
}
