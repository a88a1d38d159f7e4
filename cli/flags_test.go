package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

const (
	testGUID      = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testOtherGUID = "41ad9410-a293-4cc4-ba50-d471a91656dc"
)

// isUsage reports whether err is bad input: exit 2.
func isUsage(err error) bool { return err != nil && exitCode(err) == exitUsage }

func TestFlagRuleError(t *testing.T) {
	t.Parallel()
	plain := errors.New("writing connectors.json: disk full")
	_, noCustomer := connector.ParseMapping(testGUID, "")
	tests := []struct {
		name  string
		err   error
		usage bool   // a usage error, exit 2
		want  string // the message, exactly; "" keeps err as it was
	}{
		{"not a rule", plain, false, ""},
		{"missing", &connector.FieldError{Field: connector.FieldName, Missing: true, Reason: "the name is empty", Fix: "name the connector"},
			true, "--name is required: name the connector"},
		{"broken", &connector.FieldError{Field: connector.FieldClientID, Reason: `"nope" is not a GUID`, Fix: "use Paratira's app"},
			true, `--client-id: "nope" is not a GUID: use Paratira's app`},
		{"wrapped", fmt.Errorf("draft: %w", &connector.FieldError{Field: connector.FieldMode, Reason: "unknown mode", Fix: "choose one"}),
			true, "--mode: draft: unknown mode: choose one"},
		{"from the connector rules", noCustomer, true, "--tenant is required: name the Paratira customer that tenant " + testGUID + " belongs to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := flagRuleError(tt.err)
			if isUsage(got) != tt.usage {
				t.Fatalf("flagRuleError(%v) = %v (exit %d), usage error %v", tt.err, got, exitCode(got), tt.usage)
			}
			if tt.want == "" {
				if got != tt.err {
					t.Errorf("flagRuleError changed an error that is no rule: %v", got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("flagRuleError = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   []defender.Target
		errHas string // "" for success; else a usage error saying this
	}{
		{"none", nil, nil, "no tenant given"},
		{"GUID and customer", []string{strings.ToUpper(testGUID) + "=Contoso"}, []defender.Target{{TenantID: testGUID, Customer: "Contoso"}}, ""},
		{"GUID alone", []string{testGUID}, []defender.Target{{TenantID: testGUID}}, ""},
		{"domain, spaces trimmed", []string{" Contoso.COM = Contoso Ltd "}, []defender.Target{{TenantID: "contoso.com", Customer: "Contoso Ltd"}}, ""},
		{"customer with =", []string{testGUID + "=A=B"}, []defender.Target{{TenantID: testGUID, Customer: "A=B"}}, ""},
		{"two, in order", []string{testOtherGUID + "=B", testGUID + "=A"}, []defender.Target{{TenantID: testOtherGUID, Customer: "B"}, {TenantID: testGUID, Customer: "A"}}, ""},
		{"not a tenant", []string{"../x=Y"}, nil, `--tenant "../x=Y"`},
		{"empty tenant", []string{"=Contoso"}, nil, "the tenant is empty"},
		{"a GUID twice", []string{testGUID + "=A", strings.ToUpper(testGUID) + "=B"}, nil, "given twice"},
		{"a domain twice", []string{"contoso.com", "CONTOSO.com"}, nil, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseTargets(tt.values)
			if tt.errHas != "" {
				if !isUsage(err) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("parseTargets(%q) = %v, %v; want a usage error saying %q", tt.values, got, err, tt.errHas)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("parseTargets(%q) = %+v, %v; want %+v", tt.values, got, err, tt.want)
			}
		})
	}
}

func TestParseMappingFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		value  string
		want   store.Mapping
		errHas []string // nil for success; else a usage error saying each
	}{
		{"GUID", strings.ToUpper(testGUID) + "=Contoso", store.Mapping{TenantID: testGUID, CustomerName: "Contoso"}, nil},
		{"domain kept as its label", "Contoso.com=Contoso", store.Mapping{TenantID: "contoso.com", CustomerName: "Contoso", Domain: "contoso.com"}, nil},
		{"customer trimmed", testGUID + "=  Contoso Ltd ", store.Mapping{TenantID: testGUID, CustomerName: "Contoso Ltd"}, nil},
		{"no customer", testGUID, store.Mapping{}, []string{`--tenant "` + testGUID + `"`, "has no customer", "write TENANT=CUSTOMER, e.g. --tenant " + testGUID + "=Contoso"}},
		{"blank customer", "contoso.com=  ", store.Mapping{}, []string{"has no customer", "--tenant contoso.com=Contoso"}},
		{"not a tenant", "../x=Y", store.Mapping{}, []string{`--tenant "../x=Y"`, "not a tenant ID or domain"}},
		{"empty", "", store.Mapping{}, []string{"the tenant is empty"}},
		{"escape in the customer", testGUID + "=Evil\x1b[2J", store.Mapping{}, []string{"not usable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMappingFlag(tt.value)
			if tt.errHas != nil {
				if !isUsage(err) {
					t.Fatalf("parseMappingFlag(%q) = %+v, %v; want a usage error", tt.value, got, err)
				}
				for _, s := range tt.errHas {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("the error does not say %q: %v", s, err)
					}
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("parseMappingFlag(%q) = %+v, %v; want %+v", tt.value, got, err, tt.want)
			}
		})
	}
}

func TestEngineFlagsCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		parallel int
		timeout  time.Duration
		errHas   string
	}{
		{1, 0, ""},
		{defender.DefaultParallel, defender.DefaultRetry.PerRequest, ""},
		{500, 100 * time.Millisecond, ""},
		{0, time.Second, "--parallel 0 is out of range: use 1 to 500"},
		{-1, time.Second, "--parallel -1 is out of range"},
		{501, time.Second, "--parallel 501 is out of range"},
		{1, 99 * time.Millisecond, "--timeout 99ms is too short"},
		{1, time.Nanosecond, "--timeout 1ns is too short"},
		{1, -time.Second, "--timeout -1s is too short"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("parallel=%d,timeout=%v", tt.parallel, tt.timeout), func(t *testing.T) {
			err := engineFlags{parallel: tt.parallel, timeout: tt.timeout}.check()
			if tt.errHas == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if !isUsage(err) || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("check() = %v, want a usage error saying %q", err, tt.errHas)
			}
		})
	}
}

func TestResolveCloud(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cloud string
		env         map[string]string
		login       string // the login URL it resolves to
		errHas      string
	}{
		{"default", "", nil, "https://login.microsoftonline.com", ""},
		{"global", "global", nil, "https://login.microsoftonline.com", ""},
		{"any case", "GCC-High", nil, "https://login.microsoftonline.us", ""},
		{"unknown", "mars", nil, "", `unknown cloud "mars"`},
		{"login override", "global", map[string]string{defender.EnvLoginURL: "https://127.0.0.1:8443/"}, "https://127.0.0.1:8443", ""},
		{"login over plain http", "global", map[string]string{defender.EnvLoginURL: "http://127.0.0.1:8443"}, "", defender.EnvLoginURL},
		{"API not a URL", "global", map[string]string{defender.EnvAPIURL: "api.example"}, "", defender.EnvAPIURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &app{getenv: func(k string) string { return tt.env[k] }}
			c, err := a.resolveCloud(tt.cloud)
			if tt.errHas != "" {
				if !isUsage(err) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("resolveCloud(%q) = %v, want a usage error saying %q", tt.cloud, err, tt.errHas)
				}
				return
			}
			if err != nil || c.LoginURL != tt.login {
				t.Errorf("resolveCloud(%q) = %q, %v; want %q", tt.cloud, c.LoginURL, err, tt.login)
			}
		})
	}
}

// TestFlagParsing runs each command with flags or arguments it must refuse
// before it touches the network or the store: bad input exits 2 and says
// what was wrong; cobra's own errors add the --help hint, ours say what to
// do instead.
func TestFlagParsing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	csv := filepath.Join(h.dir, "nope.csv")
	ok := "contoso.com=Contoso"
	tests := []struct {
		args   []string
		stdin  string
		errHas string
		help   bool // "Try --help for usage." follows
	}{
		{[]string{"frob"}, "", `unknown command "frob" for "mdeconnect"`, true},
		{[]string{"--frob"}, "", "unknown flag: --frob", true},
		// add
		{[]string{"add", "--frob"}, "", "unknown flag: --frob", true},
		{[]string{"add", "extra", "--name", "X"}, "", `unknown command "extra" for "mdeconnect add"`, true},
		{[]string{"add", "--name", "X", "--tenant", ok, "--parallel", "abc"}, "", `invalid argument "abc" for "--parallel"`, true},
		{[]string{"add", "--name", "X", "--tenant", ok, "--parallel", "0", "--client-secret-stdin"}, secret, "--parallel 0 is out of range", false},
		{[]string{"add", "--name", "X", "--tenant", ok, "--timeout", "1ms", "--client-secret-stdin"}, secret, "--timeout 1ms is too short", false},
		{[]string{"add", "--name", "X", "--tenant", ok, "--mode", "weird", "--client-secret-stdin"}, secret, `--mode: unknown mapping mode "weird"`, false},
		{[]string{"add", "--name", "X", "--tenant", ok, "--client-id", "nope", "--client-secret-stdin"}, secret, `--client-id: the client ID "nope" is not a GUID`, false},
		{[]string{"add", "--name", "X", "--tenant", ok}, "", "no client secret given", false},
		{[]string{"add", "--name", "X", "--mappings-file", csv, "--client-secret-stdin"}, secret, "cannot read the mappings file", false},
		// edit
		{[]string{"edit"}, "", "needs the name of a saved connector: `mdeconnect list` shows them", false},
		{[]string{"edit", "a", "b"}, "", "takes one connector name, got 2 arguments: quote a name with spaces", false},
		{[]string{"edit", "X", "--mode", "weird"}, "", `--mode: unknown mapping mode "weird"`, false},
		{[]string{"edit", "X", "--add-tenant", "../x=Y"}, "", `--tenant "../x=Y"`, false},
		// list, show, remove
		{[]string{"list", "extra"}, "", `unknown command "extra" for "mdeconnect list"`, true},
		{[]string{"ls", "--frob"}, "", "unknown flag: --frob", true},
		{[]string{"show"}, "", "needs the name of a saved connector: `mdeconnect list` shows them", false},
		{[]string{"show", "a", "b"}, "", "takes one connector name, got 2 arguments: quote a name with spaces", false},
		{[]string{"remove"}, "", "needs the name of a saved connector: `mdeconnect list` shows them", false},
		{[]string{"rm", "a", "b", "--yes"}, "", "takes one connector name, got 2 arguments: quote a name with spaces", false},
		// test
		{[]string{"test", "a", "b"}, "", "accepts at most 1 arg(s), received 2", true},
		{[]string{"test", "X", "--all"}, "", "give a connector NAME or --all, not both", false},
		{[]string{"test", "--all", "--tenant", "contoso.com"}, "", "--all tests every saved connector", false},
		{[]string{"test", "--tenant", "contoso.com", "--wait-for-consent=abc"}, "", `invalid argument "abc" for "--wait-for-consent"`, true},
		{[]string{"test", "--tenant", "contoso.com", "--parallel", "501", "--client-secret-stdin"}, secret, "--parallel 501 is out of range", false},
		{[]string{"test", "--tenant", "contoso.com", "--timeout", "-1s", "--client-secret-stdin"}, secret, "--timeout -1s is too short", false},
		// report
		{[]string{"report", "a", "b"}, "", "accepts at most 1 arg(s), received 2", true},
		{[]string{"report", "--tenant", "contoso.com", "--parallel", "0", "--client-secret-stdin"}, secret, "--parallel 0 is out of range", false},
		// sandbox
		{[]string{"sandbox", "extra"}, "", `unknown command "extra" for "mdeconnect sandbox"`, true},
		{[]string{"sandbox", "--latency", "-1s"}, "", "--latency -1s is negative", false},
		{[]string{"sandbox", "--replay", filepath.Join(h.dir, "none.json")}, "", "--replay:", false},
		// tenant resolve
		{[]string{"tenant", "resolve"}, "", "requires at least 1 arg(s), only received 0", true},
		{[]string{"tenant", "resolve", "--cloud", "mars", "contoso.com"}, "", `unknown cloud "mars"`, false},
		{[]string{"tenant", "resolve", "--timeout", "1ms", "contoso.com"}, "", "--timeout 1ms is too short", false},
		// consent-url
		{[]string{"consent-url", "extra"}, "", `unknown command "extra" for "mdeconnect consent-url"`, true},
		{[]string{"consent-url", "--tenant", "a/b"}, "", `--tenant: "a/b" is not a tenant ID or domain`, false},
		{[]string{"consent-url", "--cloud", "mars"}, "", `unknown cloud "mars"`, false},
		{[]string{"consent-url", "--redirect-uri", "not a url"}, "", `the redirect URI "not a url" is not an absolute http(s) URL`, false},
		// store
		{[]string{"store", "path", "extra"}, "", `unknown command "extra" for "mdeconnect store path"`, true},
		{[]string{"store", "restore", "extra"}, "", `unknown command "extra" for "mdeconnect store restore"`, true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			before := h.storeBytes()
			r := h.run(tt.stdin, tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.errHas) {
				t.Fatalf("exit %d (want 2), stderr lacks %q:\n%s%s", r.code, tt.errHas, r.stdout, r.stderr)
			}
			if got := strings.Contains(r.stderr, "Try --help for usage."); got != tt.help {
				t.Errorf("help hint = %v, want %v:\n%s", got, tt.help, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Error("the secret reached the output")
			}
			if after := h.storeBytes(); len(after) != len(before) {
				t.Errorf("refused input changed the store: %d files, then %d", len(before), len(after))
			}
		})
	}
	if _, err := os.Stat(csv); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s exists: the missing-file row proves nothing", csv)
	}
}
