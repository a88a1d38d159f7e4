package defendertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
)

// newMSAL builds the client the product uses: one app on /organizations.
func newMSAL(t *testing.T, c *Cloud, secret string) confidential.Client {
	t.Helper()
	cred, err := confidential.NewCredFromSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	app, err := confidential.New(c.LoginURL+"/organizations", SandboxClientID, cred,
		confidential.WithHTTPClient(c.Client()), confidential.WithInstanceDiscovery(false),
		confidential.WithAzureRegion("DisableMsalForceRegion"))
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func mustLookup(t *testing.T, name string) Scenario {
	t.Helper()
	s, ok := Lookup(name)
	if !ok {
		t.Fatalf("no scenario %q", name)
	}
	return s
}

// decodeClaims reads a JWT's payload without verifying it, as the product does.
func decodeClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMSALTokenHealthy(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	app := newMSAL(t, c, SandboxClientSecret)
	s := mustLookup(t, "healthy")
	for _, tenant := range []string{s.TenantID, s.Domain} {
		res, err := app.AcquireTokenByCredential(context.Background(),
			[]string{DefenderResource + "/.default"}, confidential.WithTenantID(tenant))
		if err != nil {
			t.Fatalf("token for %s: %v", tenant, err)
		}
		cl := decodeClaims(t, res.AccessToken)
		want := map[string]any{"aud": DefenderResource, "iss": "https://sts.windows.net/" + s.TenantID + "/",
			"tid": s.TenantID, "appid": SandboxClientID, "appidacr": "1", "idtyp": "app", "ver": "1.0"}
		for k, v := range want {
			if cl[k] != v {
				t.Errorf("%s: claim %s = %v, want %v", tenant, k, cl[k], v)
			}
		}
		roles, _ := cl["roles"].([]any)
		if len(roles) != 3 || !slices.Contains(roles, any("Machine.Read.All")) {
			t.Errorf("%s: roles = %v", tenant, cl["roles"])
		}
		if d := time.Until(res.ExpiresOn); d < 55*time.Minute || d > time.Hour {
			t.Errorf("%s: expires in %v, want about 1h", tenant, d)
		}
	}
}

func TestMSALTokenFailures(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	tests := []struct {
		scenario, secret, scope string
		status                  int
		errName                 string
		code                    int
	}{
		{"tenant-not-found", SandboxClientSecret, DefenderResource, 400, "invalid_tenant", 90002},
		{"consent-missing", SandboxClientSecret, DefenderResource, 400, "unauthorized_client", 700016},
		{"service-principal-missing", SandboxClientSecret, DefenderResource, 401, "invalid_client", 7000229},
		{"us-gov-tenant", SandboxClientSecret, DefenderResource, 400, "invalid_request", 900382},
		{"invalid-secret", SandboxClientSecret, DefenderResource, 401, "invalid_client", 7000215},
		{"healthy", "wrong-secret", DefenderResource, 401, "invalid_client", 7000215},
		{"secret-expired", SandboxClientSecret, DefenderResource, 401, "invalid_client", 7000222},
		{"defender-not-provisioned", SandboxClientSecret, DefenderResource, 400, "invalid_resource", 500011},
		{"conditional-access", SandboxClientSecret, GraphResource, 400, "invalid_grant", 53003},
		{"app-disabled", SandboxClientSecret, DefenderResource, 400, "unauthorized_client", 7000112},
		{"healthy", SandboxClientSecret, "https://management.azure.com", 400, "invalid_scope", 70011},
	}
	for _, tt := range tests {
		t.Run(tt.scenario+"/"+tt.secret, func(t *testing.T) {
			app := newMSAL(t, c, tt.secret)
			s := mustLookup(t, tt.scenario)
			_, err := app.AcquireTokenByCredential(context.Background(),
				[]string{tt.scope + "/.default"}, confidential.WithTenantID(s.TenantID))
			var ce msalerrors.CallErr
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a CallErr", err)
			}
			if ce.Resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", ce.Resp.StatusCode, tt.status)
			}
			body, _ := io.ReadAll(ce.Resp.Body)
			var e aadError
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if e.Error != tt.errName || !slices.Equal(e.ErrorCodes, []int{tt.code}) ||
				!strings.HasPrefix(e.ErrorDescription, "AADSTS"+itoa(tt.code)+": ") {
				t.Errorf("body %s, want %s AADSTS%d", body, tt.errName, tt.code)
			}
		})
	}
}

func TestDefenderNotProvisionedGraphWorks(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	app := newMSAL(t, c, SandboxClientSecret)
	s := mustLookup(t, "defender-not-provisioned")
	if _, err := app.AcquireTokenByCredential(context.Background(),
		[]string{GraphResource + "/.default"}, confidential.WithTenantID(s.TenantID)); err != nil {
		t.Fatalf("graph token: %v", err)
	}
}
