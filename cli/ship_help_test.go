package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestResolveVersion(t *testing.T) {
	t.Parallel()
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	installed := &debug.BuildInfo{Main: debug.Module{Path: "github.com/paratira/mdeconnect", Version: "v1.4.0", Sum: "h1:x"}}
	local := &debug.BuildInfo{Main: debug.Module{Path: "github.com/paratira/mdeconnect", Version: "(devel)"},
		Settings: vcs("vcs.revision", "0123456789abcdef0123", "vcs.time", "2026-12-01T10:00:00Z", "vcs.modified", "true")}
	tests := []struct {
		name          string
		stamp         stamp
		bi            *debug.BuildInfo
		version, show string
	}{
		{"release build (goreleaser drops the v)", stamp{"1.2.3", "fedcba9876543210", "2026-12-01T09:00:00Z"}, local, "v1.2.3", "v1.2.3 (fedcba987654, modified)"},
		{"go install @v1.4.0", stamp{}, installed, "v1.4.0", "v1.4.0"},
		{"local build", stamp{}, local, "(devel)", "(devel) (0123456789ab, modified)"},
		{"no build info", stamp{}, nil, "(devel)", "(devel)"},
		{"snapshot", stamp{"1.2.4-snapshot-abc1234", "", ""}, nil, "v1.2.4-snapshot-abc1234", "v1.2.4-snapshot-abc1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := resolveVersion(tt.stamp, tt.bi)
			if v.Version != tt.version || v.short() != tt.show {
				t.Errorf("version %q short %q, want %q and %q", v.Version, v.short(), tt.version, tt.show)
			}
			if !strings.HasPrefix(v.text(), "mdeconnect version "+tt.version+"\n") || !strings.Contains(v.text(), v.GoVersion) {
				t.Errorf("text:\n%s", v.text())
			}
		})
	}
	if v := resolveVersion(stamp{"1.2.3", "c0ffee", "2026-12-01"}, local); v.Commit != "c0ffee" || v.Date != "2026-12-01" {
		t.Errorf("the stamp's commit and date must win over VCS: %+v", v)
	}
}

// The version command, --version and a report agree: one source.
func TestVersionCommandAndFlagAgree(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	cmd, flag := h.run("", "version"), h.run("", "--version")
	if cmd.code != 0 || flag.code != 0 || cmd.stdout != flag.stdout || !strings.HasPrefix(cmd.stdout, "mdeconnect version ") {
		t.Fatalf("version %d %q, --version %d %q", cmd.code, cmd.stdout, flag.code, flag.stdout)
	}
	r := h.run("", "version", "--json")
	var v map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("version --json: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"version", "go_version", "platform"} {
		if v[k] == "" || v[k] == nil {
			t.Errorf("version --json lacks %s: %v", k, v)
		}
	}
	if got := buildInfo(); got.Version != v["version"] || got.GoVersion != v["go_version"] {
		t.Errorf("report's tool %+v differs from version %v", got, v)
	}
}

// Our words reach the help as written: fang title-cased the first word of
// every flag description.
func TestHelpKeepsOurWords(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		args        []string
		has, hasNot []string
	}{
		{[]string{"test", "--help"}, []string{"re-test every saved connector", "USAGE", "--client-secret-stdin", "(default 20s)", "--debug"}, []string{"Re-Test", "Re-test"}},
		{[]string{"sandbox", "--help"}, []string{"host:port the login server listens on", "`mdeconnect report`"}, []string{"Host:port"}},
		{[]string{"add", "--help"}, []string{"CSV of tenant,customer rows", "stored under its tenant ID"}, []string{"Csv"}},
		{[]string{"--help"}, []string{"COMMANDS", "version", "Run `mdeconnect COMMAND --help`"}, []string{"man "}},
		{[]string{"help", "edit"}, []string{"--remove-tenant string", "its tenant ID or domain"}, nil},
	}
	for _, tt := range tests {
		r := h.run("", tt.args...)
		if r.code != 0 {
			t.Errorf("%v: exit %d\n%s", tt.args, r.code, r.stderr)
		}
		for _, s := range tt.has {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%v lacks %q:\n%s", tt.args, s, r.stdout)
			}
		}
		for _, s := range tt.hasNot {
			if strings.Contains(r.stdout, s) {
				t.Errorf("%v has %q:\n%s", tt.args, s, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "\x1b") {
			t.Errorf("%v: colour escapes in help written to a pipe", tt.args)
		}
	}
}

// Main, as the binary runs it: help and a failing command answer at once
// and print plain text, with no terminal query in them.
func TestMainAnswersWithoutWaiting(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"no-such-command"}, {"show", "nobody"}} {
		var out, errOut bytes.Buffer
		env := map[string]string{EnvConfigDir: t.TempDir()}
		start := time.Now()
		code := Main(context.Background(), args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(k string) string { return env[k] }})
		if took := time.Since(start); took > time.Second {
			t.Errorf("%v took %v", args, took)
		}
		if all := out.String() + errOut.String(); strings.Contains(all, "\x1b]11;?") || strings.Contains(all, "\x1b[c") {
			t.Errorf("%v: a terminal query in the output: %q", args, all)
		}
		if (args[0] == "--help") != (code == 0) {
			t.Errorf("%v: exit %d\n%s", args, code, errOut.String())
		}
	}
}

// scripts/release-assets.sh ships what these print; it checks the same marks.
func TestManPageAndCompletionScripts(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		args []string
		mark string
	}{
		{[]string{"man"}, ".TH"},
		{[]string{"completion", "bash"}, "__start_mdeconnect"},
		{[]string{"completion", "zsh"}, "#compdef mdeconnect"},
		{[]string{"completion", "fish"}, "complete -c mdeconnect"},
		{[]string{"completion", "powershell"}, "Register-ArgumentCompleter"},
	}
	for _, tt := range tests {
		r := h.run("", tt.args...)
		if r.code != 0 || !strings.Contains(r.stdout, tt.mark) {
			t.Errorf("%v: exit %d, %q missing\n%.300s", tt.args, r.code, tt.mark, r.stdout)
		}
	}
	h.env["SOURCE_DATE_EPOCH"] = "1700000000"
	man := h.run("", "man").stdout
	if !strings.HasPrefix(man, `.TH MDECONNECT 1 "2023-11-14"`) {
		t.Errorf("the man page is not dated by SOURCE_DATE_EPOCH (same commit, same bytes): %.80q", man)
	}
	for _, want := range []string{"Find each tenant's ID, region scope and cloud", "--client-secret-stdin", "Print the version"} {
		if !strings.Contains(man, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
	if strings.Contains(man, "\x1b") {
		t.Error("man page carries escape sequences")
	}
}

// Every example in every command's help runs: none is refused as bad input
// (exit 2) or fails outright (exit 1). They run against the fake cloud, with
// the example domains standing for its tenants.
func TestEveryHelpExampleRuns(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	t.Chdir(dir)
	healthy := h.scenario("healthy")
	fixtures := map[string]string{"secret.txt": secret, "new-secret.txt": secret,
		"tenants.csv": "tenant,customer\n" + h.scenario("missing-role").TenantID + ",Bravo\n" + h.scenario("unlicensed").Domain + ",Charlie\n"}
	for name, body := range fixtures {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h.env["SECRET"] = secret
	words := strings.NewReplacer("contoso.com", healthy.Domain, "fabrikam.com", h.scenario("missing-role").Domain,
		"fabrikam.onmicrosoft.com", h.scenario("unlicensed").Domain, "127.0.0.1:8443", "127.0.0.1:0",
		"/tmp/sandbox-ca.pem", filepath.Join(dir, "sandbox-ca.pem"))
	// An example that names a saved connector finds one by that name; the
	// examples of `add` start from an empty store.
	fixture := func(name string) {
		h.env[EnvConfigDir] = t.TempDir()
		if name == "" {
			return
		}
		if r := h.run(secret, "add", "--name", name, "--tenant", healthy.TenantID+"=Contoso", "--tenant", "72f988bf-86f1-41af-91ab-2d7cd011db47=Microsoft",
			"--mode", "one-to-many", "--skip-test", "--client-secret-stdin"); r.code != 0 {
			t.Fatalf("fixture connector: %s", r.stderr)
		}
	}
	fixture("Contoso")
	if r := h.run("", "report", "Contoso", "-o", "mdeconnect-report-contoso-20260101T120000Z.json"); r.code != exitFailed {
		t.Fatalf("fixture report: exit %d %s", r.code, r.stderr)
	}
	walk(newRootCmd(newApp(Streams{})), func(c *cobra.Command) {
		for _, line := range trimLines(c.Example) {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			t.Run(line, func(t *testing.T) {
				stdin, args := shellLine(t, words.Replace(line), h.env)
				name := ""
				if c.Name() != "add" {
					name = "Contoso"
					if i := slices.IndexFunc(args, func(s string) bool { return strings.EqualFold(s, "contoso") }); i >= 0 {
						name = args[i]
					}
				}
				fixture(name)
				// A server (`sandbox`) serves until its context ends, then
				// exits 0: it ends once it has printed its exports.
				r := h.runServing(2*time.Second, stdin, args...)
				if r.code == exitUsage || r.code == exitError {
					t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
			})
		}
	})
}

// shellLine reads an example as sh would, for the forms examples use:
// `printf '%s' "$VAR" | mdeconnect ...` and `mdeconnect ... < FILE`.
func shellLine(t *testing.T, line string, env map[string]string) (stdin string, args []string) {
	t.Helper()
	if pre, cmd, ok := strings.Cut(line, " | "); ok {
		w := shellWords(pre, env)
		if len(w) != 3 || w[0] != "printf" || w[1] != "%s" {
			t.Fatalf("unsupported pipe: %q", pre)
		}
		stdin, line = w[2], cmd
	}
	if cmd, file, ok := strings.Cut(line, " < "); ok {
		b, err := os.ReadFile(strings.TrimSpace(file))
		if err != nil {
			t.Fatal(err)
		}
		stdin, line = string(b), cmd
	}
	w := shellWords(line, env)
	if len(w) == 0 || w[0] != "mdeconnect" {
		t.Fatalf("an example that does not start with mdeconnect: %q", line)
	}
	return stdin, w[1:]
}

// shellWords splits on blanks, honouring '...' and "..." (with $VAR inside).
func shellWords(s string, env map[string]string) []string {
	var out []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		switch {
		case quote == 0 && (c == '\'' || c == '"'):
			quote, in = c, true
		case quote != 0 && c == quote:
			quote = 0
		case quote == '"' && c == '$':
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			cur.WriteString(env[s[i+1:j]])
			i = j - 1
		case quote == 0 && c == ' ':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// The release build stamps exactly the variables version.go declares:
// goreleaser's -X names must not drift from them (a wrong name is ignored
// by the linker without a word).
func TestReleaseLdflagsNameTheVersionVariables(t *testing.T) {
	stamped := []*string{&version, &commit, &date} // string variables, as -X requires
	b, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	pkg := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(mod), "\n", 2)[0], "module ")) + "/cli."
	var got []string
	for _, m := range regexp.MustCompile(`-X ([^=\s]+)=`).FindAllStringSubmatch(string(b), -1) {
		got = append(got, m[1])
	}
	want := []string{pkg + "version", pkg + "commit", pkg + "date"}
	if !slices.Equal(got, want) || len(stamped) != len(want) {
		t.Errorf(".goreleaser.yaml stamps %q, want %q", got, want)
	}
}

// runServing runs like runFaulty, but a command that serves (`sandbox`) is
// stopped once it has printed its exports (its servers listen by then), or
// after d.
func (h *harness) runServing(d time.Duration, stdin string, args ...string) run {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out := &watchedBuffer{text: "# client ID", seen: cancel}
	var errOut bytes.Buffer
	return execute(ctx, h.app(stdin, out, &errOut), args, out, &errOut)
}

// watchedBuffer collects a command's output and calls seen once it holds text.
type watchedBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	text string
	seen func()
}

func (w *watchedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.b.Write(p)
	if w.seen != nil && strings.Contains(w.b.String(), w.text) {
		w.seen()
		w.seen = nil
	}
	return n, err
}

func (w *watchedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
