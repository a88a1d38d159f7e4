package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

// rotatedSecret is a second known secret, set by rotation; the fake rejects it.
const rotatedSecret = "Rt7~hYgIeNe.rotated-secret-value-0042"

// jwtRE finds an access token: a JWT's header and payload, base64url JSON.
var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}`)

// hygieneRun is one command line the secret test ran and what it printed.
type hygieneRun struct {
	args           []string
	stdout, stderr string
}

// TestSecretOnlyInItsStore runs every command, each also with --debug, and
// the wizard in a terminal, with known secrets; afterwards the secrets are
// found only in secrets.json: not in any output, connectors file, backup,
// report, debug log or anything else under HOME, the cache, the config
// folder and TMPDIR. Reports and debug logs hold no access token either.
func TestSecretOnlyInItsStore(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	root := t.TempDir()
	dirs := map[string]string{}
	for _, d := range []string{"home", "cache", "config", "tmp", "reports", "wizard-config"} {
		dirs[d] = filepath.Join(root, d)
		if err := os.MkdirAll(dirs[d], 0o700); err != nil {
			t.Fatal(err)
		}
	}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dirs["home"], "XDG_CACHE_HOME=" + dirs["cache"],
		"XDG_CONFIG_HOME=" + filepath.Join(dirs["home"], ".config"), "TMPDIR=" + dirs["tmp"],
		"MDECONNECT_CONFIG_DIR=" + dirs["config"], "MDECONNECT_SECRET_STORE=file", "NO_COLOR=1", "TERM=dumb"}
	sandboxEnv, _ := startSandboxProcess(t, bin, base, "--ca-file", filepath.Join(dirs["tmp"], "ca.pem"))
	env := append(append([]string{}, base...), sandboxEnv...)

	// The commands and the wizard go side by side: they share no store.
	var (
		runs      []hygieneRun
		debugRuns int
		screens   []string
	)
	t.Run("runs", func(t *testing.T) {
		t.Run("commands", func(t *testing.T) {
			t.Parallel()
			runs, debugRuns = hygieneCommands(t, bin, env, dirs["reports"])
		})
		t.Run("wizard", func(t *testing.T) {
			t.Parallel()
			screens = wizardWithSecret(t, bin, base, dirs["wizard-config"])
		})
	})
	known := defendertest.SandboxClientSecret

	// What the user saw.
	for _, r := range runs {
		for _, s := range []string{known, rotatedSecret} {
			if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
				t.Errorf("%v printed a client secret", r.args)
			}
		}
		if jwtRE.MatchString(r.stdout + r.stderr) {
			t.Errorf("%v printed an access token", r.args)
		}
	}
	for i, sc := range screens {
		if strings.Contains(sc, known) {
			t.Errorf("wizard screen %d shows the secret:\n%s", i, sc)
		}
	}
	// What was left on disk.
	reports, logs := 0, 0
	for _, d := range []string{root} {
		_ = filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || p == bin || strings.HasSuffix(p, ".pem") {
				return nil
			}
			b, rerr := os.ReadFile(p)
			if rerr != nil {
				t.Errorf("%s: %v", p, rerr)
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			isReport := strings.HasSuffix(p, ".json") && strings.Contains(rel, "reports")
			isLog := strings.HasSuffix(p, ".log")
			if isReport {
				reports++
			}
			if isLog {
				logs++
			}
			for _, s := range []string{known, rotatedSecret} {
				if bytes.Contains(b, []byte(s)) && filepath.Base(p) != "secrets.json" {
					t.Errorf("%s holds a client secret", rel)
				}
			}
			if jwtRE.Match(b) {
				t.Errorf("%s holds an access token: %s", rel, jwtRE.Find(b)[:20])
			}
			return nil
		})
	}
	// The secrets are where they belong; and the searches above had something to search.
	if reports < 7 || logs < debugRuns+2 {
		t.Errorf("searched %d reports and %d debug logs: fewer than the %d reports and %d debug runs made", reports, logs, 7, debugRuns+2)
	}
	if b, err := os.ReadFile(filepath.Join(dirs["wizard-config"], "secrets.json")); err != nil || !bytes.Contains(b, []byte(known)) {
		t.Errorf("the wizard's connector has no secret in its secrets.json: %v", err)
	}
	t.Logf("%d command runs, %d wizard screens, %d reports and %d debug logs searched", len(runs), len(screens), reports, logs)
}

// hygieneCommands runs every command, plain and with --debug, with known
// secrets in env, from the folder reports; it returns what each printed and
// how many runs had --debug.
func hygieneCommands(t *testing.T, bin string, env []string, reports string) ([]hygieneRun, int) {
	t.Helper()
	known := defendertest.SandboxClientSecret
	var runs []hygieneRun
	debugRuns := 0
	once := func(stdin string, debug bool, args ...string) {
		t.Helper()
		if debug {
			args = append(append([]string{}, args...), "--debug")
			debugRuns++
		}
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Stdin, cmd.Dir = env, strings.NewReader(stdin), reports
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatalf("%v: %v", args, err)
			}
		}
		if code := cmd.ProcessState.ExitCode(); code != 0 && code != 3 {
			t.Errorf("%v: exit %d\n%s%s", args, code, stdout.String(), stderr.String())
		}
		runs = append(runs, hygieneRun{args, stdout.String(), stderr.String()})
	}
	// run runs a command that changes nothing twice: plain and with --debug.
	run := func(stdin string, args ...string) {
		t.Helper()
		once(stdin, false, args...)
		once(stdin, true, args...)
	}
	healthy, unlicensed := "contosohealthy.onmicrosoft.com", "contosounlicensed.onmicrosoft.com"
	once(known, false, "add", "--name", "Contoso", "--tenant", healthy+"=Contoso", "--client-secret-stdin")
	once(known, true, "add", "--name", "Northwind", "--tenant", healthy+"=Northwind", "--client-secret-stdin", "--json")
	once(known, false, "add", "--name", "Fabrikam", "--tenant", unlicensed+"=Fabrikam", "--client-secret-stdin", "--skip-test")
	run("", "list")
	run("", "list", "--json")
	run("", "show", "Contoso")
	run("", "show", "Contoso", "--json")
	once(rotatedSecret, false, "edit", "Fabrikam", "--client-secret-stdin")
	once(rotatedSecret, true, "edit", "Northwind", "--client-secret-stdin")
	run("", "test", "Fabrikam") // fails: the fake rejects the rotated secret
	run("", "report", "Northwind", "-o", filepath.Join(reports, "rotated.json"))
	once(known, false, "edit", "Fabrikam", "--client-secret-stdin", "--rename", "Fabrikam Ltd")
	once(known, true, "edit", "Northwind", "--client-secret-stdin")
	once("", true, "edit", "Fabrikam Ltd", "--rename", "Fabrikam")
	run("", "test", "Contoso")
	run("", "test", "Contoso", "--json")
	run("", "test", "--all")
	run("", "test", "--all", "--json")
	run(known, "test", "--tenant", healthy, "--client-secret-stdin")
	run(known, "test", "--tenant", unlicensed, "--client-secret-stdin", "--json")
	run(known, "test", "--tenant", "contosoinvalidsecret.onmicrosoft.com", "--client-secret-stdin")
	once("", false, "report", "Contoso", "-o", filepath.Join(reports, "contoso.json"))
	once("", true, "report", "Contoso", "-o", filepath.Join(reports, "contoso-debug.json"))
	once("", false, "report", "Contoso", "--last", "-o", filepath.Join(reports, "last.json"))
	once("", true, "report", "Contoso", "--last", "-o", filepath.Join(reports, "last-debug.json"))
	once(known, false, "report", "--tenant", healthy+"=Contoso", "--tenant", "contosonoroles.onmicrosoft.com", "--client-secret-stdin", "-o", filepath.Join(reports, "adhoc.json"))
	once(known, true, "report", "--tenant", healthy+"=Contoso", "--tenant", "contosonoroles.onmicrosoft.com", "--client-secret-stdin", "-o", filepath.Join(reports, "adhoc-debug.json"))
	run("", "sandbox", "--list")
	run("", "consent-url", "--tenant", healthy)
	run("", "consent-url", "--tenant", healthy, "--json")
	run("", "tenant", "resolve", healthy)
	run("", "tenant", "resolve", healthy, "--json")
	once("", false, "remove", "Fabrikam", "--yes")
	once("", true, "remove", "Northwind", "--yes")
	once("", false, "remove", "Contoso", "--yes")
	// With the secret in the environment instead of stdin.
	envRun := exec.Command(bin, "test", "--tenant", healthy, "--debug")
	envRun.Env = append(append([]string{}, env...), envClientSecret+"="+known)
	out, _ := envRun.CombinedOutput()
	runs = append(runs, hygieneRun{envRun.Args[1:], string(out), ""})
	return runs, debugRuns
}

// wizardWithSecret runs the sandbox wizard in a terminal with --debug through
// to a saved connector, and returns the screens it showed on the way.
func wizardWithSecret(t *testing.T, bin string, base []string, configDir string) []string {
	t.Helper()
	env := append(append([]string{}, base...), "MDECONNECT_CONFIG_DIR="+configDir)
	env = slicesWithoutTerm(env)
	tm := startTerm(t, bin, env, "--sandbox", "--scenario", "healthy", "--debug")
	var screens []string
	step := func(text string, keys ...string) {
		tm.waitFor(text)
		screens = append(screens, tm.screen())
		tm.send(keys...)
	}
	step("Add a new connector", keyEnter)
	step("By technology", keyEnter, keyEnter)
	step("Waiting for the admin to click Accept", keyEnter)
	step("Consent granted", keyEnter)
	step("Filled in from the consent result", keyEnter)
	step("Prefilled with the sandbox's own client secret", keyTab, keyTab, keyTab, keyTab, "Contoso", keyEnter, keyEnter)
	step("Press enter to review the summary", keyEnter)
	step("Press enter to Finish", keyEnter)
	step("In the sandbox: the connector was saved", keyEnter)
	if code := tm.exitCode(); code != 0 {
		t.Fatalf("wizard exit %d:\n%s", code, tm.screen())
	}
	return append(screens, tm.screen())
}

// slicesWithoutTerm drops TERM=dumb: the terminal sets its own.
func slicesWithoutTerm(env []string) []string {
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, "TERM=") {
			out = append(out, e)
		}
	}
	return out
}
