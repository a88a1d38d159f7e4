package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// hostile sits under mdeconnect's HTTP client and puts the secret and the
// tokens where a careless trace would keep them: reply bodies, URLs and
// error messages. It remembers every token and Authorization value it saw.
type hostile struct {
	base   http.RoundTripper
	secret string
	mu     sync.Mutex
	seen   []string
}

var accessTokenRE = regexp.MustCompile(`"access_token"\s*:\s*"([^"]+)"`)

func (h *hostile) note(v string) {
	h.mu.Lock()
	h.seen = append(h.seen, v)
	h.mu.Unlock()
}

func (h *hostile) RoundTrip(req *http.Request) (*http.Response, error) {
	auth := req.Header.Get("Authorization")
	if auth != "" {
		h.note(auth)
		h.note(strings.TrimPrefix(auth, "Bearer "))
	}
	if strings.HasSuffix(req.URL.Path, "/api/recommendations") {
		return nil, fmt.Errorf("proxy refused %s for %q with client_secret %s", req.URL, auth, h.secret)
	}
	resp, err := h.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range accessTokenRE.FindAllSubmatch(body, -1) {
		h.note(string(m[1]))
	}
	if strings.Contains(req.URL.Path, "healthOverviews") {
		echo, _ := json.Marshal(map[string]any{"echo": h.secret, "auth": auth, "nested": map[string]string{"note": "secret " + h.secret}})
		body = append(append(echo[:len(echo)-1], ','), body[1:]...)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// TestReportAndDebugLogRedact proves no client secret, access token or
// Authorization value reaches a report or a debug log.
func TestReportAndDebugLogRedact(t *testing.T) {
	h := newHarness(t)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	spy := &hostile{base: h.cloud.Client().Transport, secret: secret}
	api, _ := url.Parse(h.cloud.APIURL)
	api.User = url.UserPassword("support", secret) // the secret in a URL, as a careless proxy setting might put it
	env := map[string]string{"MDECONNECT_LOGIN_URL": h.cloud.LoginURL, "MDECONNECT_API_URL": api.String(),
		"MDECONNECT_GRAPH_URL": h.cloud.GraphURL, "NO_COLOR": "1"}
	file := filepath.Join(t.TempDir(), "report.json")
	r := runApp(t, runSpec{env: env, client: &http.Client{Transport: spy}, stdin: secret,
		args: []string{"report", "--tenant", h.scenario("healthy").TenantID, "--client-secret-stdin", "-o", file, "--debug"}})
	if r.code != 3 {
		t.Fatalf("exit %d (the recommendations check must fail)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	logPath := strings.TrimSpace(strings.TrimPrefix(lastLine(r.stderr), "Debug log: "))
	if !strings.HasPrefix(logPath, filepath.Join(cache, "mdeconnect")) {
		t.Fatalf("stderr does not end with the log's path:\n%s", r.stderr)
	}
	report, _ := os.ReadFile(file)
	logged, _ := os.ReadFile(logPath)
	if len(spy.seen) < 4 {
		t.Fatalf("the spy saw %d tokens: the test proves nothing", len(spy.seen))
	}
	for name, doc := range map[string]string{"report": string(report), "debug log": string(logged), "output": r.stdout + r.stderr} {
		for _, leak := range append([]string{secret, url.QueryEscape(secret), url.PathEscape(secret)}, spy.seen...) {
			if strings.Contains(doc, leak) {
				t.Errorf("the %s holds %q", name, clip(leak))
			}
		}
	}
	// The places the secret and tokens were put are all there, redacted.
	for _, want := range []string{"proxy refused", `support:[REDACTED]@`, `\"echo\":\"[REDACTED]\"`, `client_secret=[REDACTED]`, `"Authorization": "[REDACTED]"`} {
		if !strings.Contains(string(report), want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	for _, want := range []string{"proxy refused", `"msg":"http"`, `"msg":"command finished"`, `support:[REDACTED]@`} {
		if !strings.Contains(string(logged), want) {
			t.Errorf("the debug log lacks %s", want)
		}
	}
}

func clip(s string) string { return s[:min(len(s), 24)] + "..." }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestDebugLogFile(t *testing.T) {
	h := newHarness(t)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	env := map[string]string{"MDECONNECT_DEBUG": "1", "MDECONNECT_CLIENT_SECRET": secret, "NO_COLOR": "1"}
	for k, v := range h.env {
		env[k] = v
	}
	r := runApp(t, runSpec{env: env, client: h.cloud.Client(), args: []string{"test", "--tenant", h.scenario("invalid-secret").TenantID + "=Contoso", "--json"}})
	if r.code != 3 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !json.Valid([]byte(r.stdout)) {
		t.Errorf("stdout is not only the JSON result:\n%s", r.stdout)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "Debug log: ") {
		t.Errorf("stderr must be the log's path alone:\n%s", r.stderr)
	}
	path := strings.TrimSpace(strings.TrimPrefix(r.stderr, "Debug log: "))
	dir, _ := os.Stat(filepath.Dir(path))
	file, err := os.Stat(path)
	if err != nil || file.Mode().Perm() != 0o600 || dir.Mode().Perm() != 0o700 {
		t.Fatalf("log %s: %v, mode %v, folder %v", path, err, file, dir)
	}
	if !regexp.MustCompile(`debug-\d{8}T\d{6}Z-\d+\.log$`).MatchString(path) {
		t.Errorf("log name %s", path)
	}
	f, _ := os.Open(path)
	defer f.Close()
	msgs := map[string]map[string]any{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("not a JSON log line: %v: %s", err, sc.Text())
		}
		msgs[rec["msg"].(string)] = rec
	}
	start, end, ex := msgs["command started"], msgs["command finished"], msgs["http"]
	if start == nil || end == nil || ex == nil || msgs["exit"] == nil {
		t.Fatalf("log messages: %v", msgs)
	}
	if cmd := fmt.Sprint(start["command"]); !strings.Contains(cmd, "mdeconnect test --json=true --tenant=") {
		t.Errorf("command = %s", cmd)
	}
	if end["exit_code"] != 3.0 || end["error"] == nil {
		t.Errorf("end = %v", end)
	}
}

func TestCommandLineHidesSecretFlags(t *testing.T) {
	t.Parallel()
	a := newApp(Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard, Getenv: func(string) string { return "" }})
	cmd := newRootCmd(a)
	cmd.Flags().String("client-secret", "", "")
	cmd.Flags().String("api-token", "", "")
	_ = cmd.Flags().Parse([]string{"--client-secret", "hunter22", "--api-token=abc123"})
	got := strings.Join(commandLine(cmd, []string{"arg"}), " ")
	if strings.Contains(got, "hunter22") || strings.Contains(got, "abc123") || !strings.HasSuffix(got, " arg") {
		t.Errorf("command line = %s", got)
	}
}

func TestDebugLogUnwritable(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/dev/null/nope")
	r := runApp(t, runSpec{args: []string{"sandbox", "--list", "--debug"}})
	if r.code != 1 || !strings.Contains(r.stderr, "XDG_CACHE_HOME") || r.stdout != "" {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
