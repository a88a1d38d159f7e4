package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/fang/v2"
)

// runOwnClient runs a command line with the client the app builds itself
// from the environment, as the binary does: nothing of the harness's client
// that trusts the fake cloud.
func (h *harness) runOwnClient(env map[string]string, stdin string, args ...string) run {
	h.t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return h.env[k]
	}
	a := newApp(Streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut, Getenv: getenv})
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		a.renderError(&errOut, fang.Styles{}, err)
	}
	a.finish()
	return run{stdout: out.String(), stderr: errOut.String(), code: exitCode(err)}
}

func TestExtraCAFileOnEveryOS(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	ca := filepath.Join(dir, "fake-cloud-ca.pem")
	garbage := filepath.Join(dir, "not-pem.crt")
	if err := os.WriteFile(ca, h.cloud.CACertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(garbage, []byte("\x30\x82\x01\x0a binary DER"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // --debug writes its log there
	healthy := h.scenario("healthy")
	testArgs := []string{"test", "--tenant", healthy.TenantID, "--client-secret-stdin"}
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		errHas []string
	}{
		{"no extra CA: the fake cloud is not trusted", nil, testArgs, 3, nil},
		{"MDECONNECT_CA_FILE", map[string]string{EnvCAFile: ca}, testArgs, 0, nil},
		{"SSL_CERT_FILE appended too", map[string]string{"SSL_CERT_FILE": ca}, testArgs, 0, nil},
		{"under --debug, through the log's transport", map[string]string{EnvCAFile: ca}, append([]string{"--debug"}, testArgs...), 0, []string{"Debug log:"}},
		{"tenant resolve", map[string]string{EnvCAFile: ca}, []string{"tenant", "resolve", healthy.Domain}, 0, nil},
		{"missing file", map[string]string{EnvCAFile: filepath.Join(dir, "nope.pem")}, testArgs, 2,
			[]string{"MDECONNECT_CA_FILE=" + filepath.Join(dir, "nope.pem") + " cannot be read", "or unset it"}},
		{"not PEM", map[string]string{"SSL_CERT_FILE": garbage}, testArgs, 2,
			[]string{"SSL_CERT_FILE=" + garbage + " holds no PEM certificate", "openssl x509 -inform der"}},
		{"a folder", map[string]string{EnvCAFile: dir}, testArgs, 2, []string{"cannot be read"}},
		{"a broken CA file does not stop what needs no network", map[string]string{EnvCAFile: garbage}, []string{"list"}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.runOwnClient(tt.env, secret, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, s := range tt.errHas {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			if tt.code == 3 && !strings.Contains(r.stdout, "not trusted") {
				t.Errorf("an untrusted server is not named:\n%s", r.stdout)
			}
		})
	}
}

// The wizard takes a.httpClient without an engine of ours: a broken CA file
// still reaches it by name.
func TestBrokenCAFileReachesEveryRequest(t *testing.T) {
	t.Parallel()
	a := newApp(Streams{Getenv: func(k string) string {
		return map[string]string{EnvCAFile: "/nonexistent/ca.pem"}[k]
	}})
	_, err := a.httpClient.Get("https://127.0.0.1:1/")
	if err == nil || !strings.Contains(err.Error(), "MDECONNECT_CA_FILE=/nonexistent/ca.pem cannot be read") {
		t.Fatalf("err = %v", err)
	}
	if exitCode(a.caErr) != exitUsage {
		t.Errorf("exit %d for a CA file that cannot be read, want 2", exitCode(a.caErr))
	}
}

// The sandbox prints the variable that works on every OS, and not
// SSL_CERT_FILE, which would make other tools in that shell trust only it.
func TestSandboxPrintsTheCAVariable(t *testing.T) {
	t.Parallel()
	sb := startSandboxCmd(t)
	if sb.env[EnvCAFile] == "" || sb.env["SSL_CERT_FILE"] != "" {
		t.Fatalf("exports: %v", sb.env)
	}
	h := newHarness(t)
	r := h.runOwnClient(map[string]string{EnvCAFile: sb.env[EnvCAFile], "MDECONNECT_LOGIN_URL": sb.env["MDECONNECT_LOGIN_URL"],
		"MDECONNECT_API_URL": sb.env["MDECONNECT_API_URL"], "MDECONNECT_GRAPH_URL": sb.env["MDECONNECT_GRAPH_URL"]},
		secret, "test", "--tenant", "contosohealthy.onmicrosoft.com", "--client-secret-stdin")
	if r.code != 0 {
		t.Errorf("test against the sandbox through %s: exit %d\n%s%s", EnvCAFile, r.code, r.stdout, r.stderr)
	}
}
