package cli

import (
	"strings"
	"testing"
)

// --cloud gcc-high or dod with Paratira's global client ID could only ever
// fail with AADSTS700016, and the tool then sent the admin to consent again,
// which can never work: refused at once, before the secret is read.
func TestUSGovernmentCloudNeedsItsOwnClientID(t *testing.T) {
	h := newHarness(t)
	healthy := h.scenario("healthy").TenantID
	own := "11111111-2222-3333-4444-555555555555"
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{"test gcc-high", secret, []string{"test", "--cloud", "gcc-high", "--tenant", healthy, "--client-secret-stdin"}, 2},
		{"test dod", secret, []string{"test", "--cloud", "dod", "--tenant", healthy, "--client-secret-stdin"}, 2},
		{"add gcc-high", secret, []string{"add", "--name", "Gov", "--cloud", "gcc-high", "--tenant", healthy + "=Gov", "--client-secret-stdin", "--skip-test"}, 2},
		{"consent-url dod", "", []string{"consent-url", "--cloud", "dod", "--tenant", healthy}, 2},
		{"report gcc-high", secret, []string{"report", "--cloud", "gcc-high", "--tenant", healthy, "--client-secret-stdin"}, 2},
		{"consent-url gcc-high, own app", "", []string{"consent-url", "--cloud", "gcc-high", "--tenant", healthy, "--client-id", own}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.storeBytes()
			r := h.run(tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if tt.code == 2 {
				for _, want := range []string{"US Government app", "own client ID", "--client-id"} {
					if !strings.Contains(r.stderr, want) {
						t.Errorf("message lacks %q:\n%s", want, r.stderr)
					}
				}
				if after := h.storeBytes(); len(after) != len(before) {
					t.Errorf("the store changed")
				}
			}
		})
	}
	if a := h.run(secret, "add", "--name", "Gov", "--tenant", healthy+"=Gov", "--client-secret-stdin", "--skip-test"); a.code != 0 {
		t.Fatalf("add: %d %s", a.code, a.stderr)
	}
	if r := h.run("", "edit", "Gov", "--cloud", "dod"); r.code != 2 || !strings.Contains(r.stderr, "own client ID") {
		t.Errorf("edit --cloud dod: exit %d\n%s", r.code, r.stderr)
	}
}
