package doctor_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/doctor"
	"github.com/paratira/mdeconnect/defender/problem"
)

func sandbox(t *testing.T) (*defendertest.Cloud, defender.Cloud) {
	t.Helper()
	fake := defendertest.NewTestCloud(t, defendertest.Options{})
	base, _ := defender.LookupCloud("global")
	cloud, err := base.Overrides(fake.LoginURL, fake.APIURL, fake.GraphURL)
	if err != nil {
		t.Fatal(err)
	}
	return fake, cloud
}

func signIn(t *testing.T, fake *defendertest.Cloud, cloud defender.Cloud, tenant string) (*doctor.Session, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return doctor.SignIn(ctx, doctor.SignInOptions{Cloud: cloud, Tenant: tenant, HTTPClient: fake.Client(), DeviceCode: true,
		ShowCode: func(dc doctor.DeviceCode) {
			if dc.UserCode == "" || !strings.Contains(dc.Message, dc.UserCode) {
				t.Errorf("device code shown: %+v", dc)
			}
		}})
}

func findingIDs(r *doctor.Report) []string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.ID+"/"+string(f.Problem))
	}
	return ids
}

func TestDoctorReadsEachScenario(t *testing.T) {
	fake, cloud := sandbox(t)
	for _, tc := range []struct {
		scenario string
		findings []string
		check    func(t *testing.T, r *doctor.Report)
	}{
		{"healthy", nil, func(t *testing.T, r *doctor.Report) {
			if !r.App.Present || !*r.App.Enabled || len(r.Roles.Missing) != 0 || r.Consent.Last == nil || !*r.Consent.Last.AdminConsent ||
				r.SignIns.LastSuccess == nil || r.ConditionalAccess.Status != doctor.StatusSkipped {
				t.Errorf("%+v", r)
			}
		}},
		{"service-principal-missing", []string{"app_removed/consent_missing"}, func(t *testing.T, r *doctor.Report) {
			if r.App.Removed == nil || !strings.HasPrefix(r.App.Removed.By, "admin@") || len(r.Roles.Missing) != 4 {
				t.Errorf("removal %+v, missing %v", r.App.Removed, r.Roles.Missing)
			}
		}},
		{"consent-missing", []string{"app_missing/consent_missing"}, nil},
		{"app-disabled", []string{"app_disabled/app_disabled", "sign_ins_failing/app_disabled"}, nil},
		{"missing-role", []string{"roles_missing/insufficient_permissions"}, func(t *testing.T, r *doctor.Report) {
			if !slices.Equal(r.Roles.Missing, []string{"Score.Read.All"}) || !strings.Contains(r.Findings[0].Summary, "secops@") {
				t.Errorf("%v: %s", r.Roles.Missing, r.Findings[0].Summary)
			}
		}},
		{"graph-role-missing", []string{"roles_missing/insufficient_permissions"}, func(t *testing.T, r *doctor.Report) {
			if !strings.Contains(r.Findings[0].Summary, "appadmin@") {
				t.Errorf("%s", r.Findings[0].Summary)
			}
		}},
		{"no-roles", []string{"roles_missing/insufficient_permissions", "consent_not_admin/insufficient_permissions"}, nil},
		{"consent-non-admin", []string{"consent_failed/insufficient_permissions"}, nil},
		{"extra-write-roles", []string{"roles_excess/excess_permissions"}, nil},
		{"defender-not-provisioned", []string{"defender_not_provisioned/defender_not_provisioned", "roles_missing/insufficient_permissions"}, nil},
		{"consent-propagating", []string{"consent_recent/insufficient_permissions"}, nil},
		{"invalid-secret", []string{"sign_ins_failing/invalid_client_secret"}, nil},
		{"secret-expired", []string{"sign_ins_failing/client_secret_expired"}, nil},
		{"conditional-access", []string{"sign_ins_failing/conditional_access_blocked", "ca_policy/conditional_access_blocked"}, func(t *testing.T, r *doctor.Report) {
			if r.ConditionalAccess.Status != doctor.StatusRead || len(r.ConditionalAccess.Policies) != 3 {
				t.Errorf("policies %+v", r.ConditionalAccess)
			}
		}},
		{"unlicensed", nil, func(t *testing.T, r *doctor.Report) {
			if r.SignIns.Status != doctor.StatusNotAvailable || !strings.Contains(r.SignIns.Reason, "P1 or P2") {
				t.Errorf("sign-ins %+v", r.SignIns.Section)
			}
		}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			s, _ := defendertest.Lookup(tc.scenario)
			sess, err := signIn(t, fake, cloud, s.Domain)
			if err != nil {
				t.Fatal(err)
			}
			if sess.TenantID != s.TenantID || sess.Account.UPN != "admin@"+s.Domain {
				t.Errorf("signed in %s as %+v", sess.TenantID, sess.Account)
			}
			r, err := doctor.Read(context.Background(), sess, doctor.Options{AppID: defendertest.SandboxClientID})
			if err != nil {
				t.Fatal(err)
			}
			if got := findingIDs(r); !slices.Equal(got, tc.findings) {
				t.Errorf("findings %v, want %v", got, tc.findings)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func TestExplainJoinsTheAppOnlyChecks(t *testing.T) {
	fake, cloud := sandbox(t)
	s, _ := defendertest.Lookup("service-principal-missing")
	sess, err := signIn(t, fake, cloud, s.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := doctor.Read(context.Background(), sess, doctor.Options{AppID: defendertest.SandboxClientID})
	if err != nil {
		t.Fatal(err)
	}
	checks := []doctor.Check{
		{ID: defender.CheckTenant, Status: defender.Pass},
		{ID: defender.CheckToken, Status: defender.Fail, Problem: problem.ConsentMissing},
		{ID: defender.CheckServiceHealth, Status: defender.Warn, Problem: problem.ServiceError},
	}
	doctor.Explain(r, "test", time.Now(), checks)
	if len(r.Findings[0].Explains) != 1 || r.Findings[0].Explains[0].ID != defender.CheckToken {
		t.Errorf("explains %+v", r.Findings[0].Explains)
	}
	if len(r.Unexplained) != 1 || r.Unexplained[0].ID != defender.CheckServiceHealth {
		t.Errorf("unexplained %+v", r.Unexplained)
	}
}

func TestSignInFailures(t *testing.T) {
	fake, cloud := sandbox(t)
	healthy, _ := defendertest.Lookup("healthy")
	for _, tc := range []struct {
		name, tenant, client string
		flow                 defendertest.DeviceFlow
		want                 doctor.SignInKind
	}{
		{"declined", healthy.TenantID, "", defendertest.DeviceFlow{Pending: 1, Outcome: defendertest.DeviceDecline}, doctor.KindDeclined},
		{"expired", healthy.TenantID, "", defendertest.DeviceFlow{Outcome: defendertest.DeviceExpire}, doctor.KindExpired},
		{"no such tenant", "nosuchtenant.onmicrosoft.com", "", defendertest.DeviceFlow{}, doctor.KindTenantNotFound},
		{"another client", healthy.TenantID, defendertest.SandboxClientID, defendertest.DeviceFlow{}, doctor.KindClientUnknown},
		{"another cloud", "219b1abc-08f8-4444-b6fe-cdc713f24988", "", defendertest.DeviceFlow{}, doctor.KindWrongCloud},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.SetDeviceFlow(tc.flow)
			_, err := doctor.SignIn(context.Background(), doctor.SignInOptions{Cloud: cloud, Tenant: tc.tenant, ClientID: tc.client,
				HTTPClient: fake.Client(), DeviceCode: true})
			var se *doctor.SignInError
			if !errors.As(err, &se) || se.Kind != tc.want {
				t.Fatalf("got %v (%T), want %s", err, err, tc.want)
			}
		})
	}
	fake.SetDeviceFlow(defendertest.DeviceFlow{})
}

func TestInteractiveSignIn(t *testing.T) {
	fake, cloud := sandbox(t)
	s, _ := defendertest.Lookup("healthy")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := doctor.SignIn(ctx, doctor.SignInOptions{Cloud: cloud, Tenant: s.TenantID, HTTPClient: fake.Client(),
		OpenURL: defendertest.AdminBrowser{Client: fake.Client(), Accept: true, Err: func(err error) { t.Error(err) }}.Open})
	if err != nil || sess.Account.UPN != "admin@"+s.Domain {
		t.Fatalf("accept: %v %+v", err, sess)
	}
	_, err = doctor.SignIn(ctx, doctor.SignInOptions{Cloud: cloud, Tenant: s.TenantID, HTTPClient: fake.Client(),
		OpenURL: defendertest.AdminBrowser{Client: fake.Client(), Err: func(err error) { t.Error(err) }}.Open})
	var se *doctor.SignInError
	if !errors.As(err, &se) || se.Kind != doctor.KindDeclined {
		t.Fatalf("cancel: %v", err)
	}
	if _, codes := fake.SignInRequests(); codes != 1 {
		t.Errorf("authorization codes issued: %d", codes)
	}
}
