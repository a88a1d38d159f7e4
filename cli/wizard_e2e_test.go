package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/store"
	"github.com/zalando/go-keyring"
)

// ptyTerm is the binary running in a pseudo-terminal, drawn by an emulator.
type ptyTerm struct {
	t    *testing.T
	pty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	emu  *vt.Emulator
	raw  bytes.Buffer // everything the program wrote
	done chan error
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mdeconnect")
	out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startTerm(t *testing.T, bin string, env []string, args ...string) *ptyTerm {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"TERM=xterm-256color", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	tm := &ptyTerm{t: t, pty: f, cmd: cmd, emu: vt.NewEmulator(100, 30), done: make(chan error, 1)}
	go tm.pump()
	go func() { _, _ = io.Copy(f, tm.emu) }() // the emulator's answers to terminal queries
	go func() { tm.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		f.Close()
	})
	return tm
}

func (tm *ptyTerm) pump() {
	buf := make([]byte, 32*1024)
	for {
		n, err := tm.pty.Read(buf)
		if n > 0 {
			tm.mu.Lock()
			_, _ = tm.emu.Write(buf[:n])
			tm.raw.Write(buf[:n])
			tm.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (tm *ptyTerm) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.String()
}

// waitFor waits until the screen shows text, failing at the deadline.
func (tm *ptyTerm) waitFor(text string) {
	tm.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(tm.screen(), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.t.Fatalf("the screen never showed %q:\n%s", text, tm.screen())
}

func (tm *ptyTerm) send(keys ...string) {
	for _, k := range keys {
		if _, err := tm.pty.Write([]byte(k)); err != nil {
			tm.t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond) // keystrokes, not a paste
	}
}

// exitCode waits for the process to end.
func (tm *ptyTerm) exitCode() int {
	tm.t.Helper()
	select {
	case err := <-tm.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			tm.t.Fatal(err)
		}
		return 0
	case <-time.After(10 * time.Second):
		tm.t.Fatalf("still running:\n%s", tm.screen())
	}
	return -1
}

const (
	keyEnter = "\r"
	keyTab   = "\t"
	keyCtrlC = "\x03"
)

// toDetails walks from the connectors list to the details step: Defender for
// Endpoint, One to One, consent through the simulated browser, the tenant it
// returned.
func (tm *ptyTerm) toDetails() {
	tm.waitFor("Add a new connector")
	tm.send(keyEnter)
	tm.waitFor("By technology")
	tm.send(keyEnter, keyEnter)
	tm.waitFor("Waiting for the consent result")
	tm.send(keyEnter) // the simulated browser accepts
	tm.waitFor("Consent granted")
	tm.send(keyEnter)
	tm.waitFor("Filled in from the consent result")
	tm.send(keyEnter)
	tm.waitFor("Enter the details")
}

// finish goes from a passed test through the summary to a saved connector,
// expects exit 0 and returns the sandbox store's connectors.json.
func (tm *ptyTerm) finish(dir string) []byte {
	tm.t.Helper()
	tm.waitFor("Press enter to review the summary")
	tm.send(keyEnter)
	tm.waitFor("Press enter to Finish")
	tm.send(keyEnter)
	tm.waitFor("In the sandbox: the connector was saved")
	tm.send(keyEnter)
	if code := tm.exitCode(); code != 0 {
		tm.t.Fatalf("exit %d:\n%s", code, tm.screen())
	}
	raw, err := os.ReadFile(filepath.Join(dir, "connectors.json"))
	if err != nil {
		tm.t.Fatal(err)
	}
	return raw
}

func TestWizardE2ESandboxSaves(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	tm := startTerm(t, bin, []string{"MDECONNECT_CONFIG_DIR=" + dir}, "--sandbox")
	tm.waitFor("Sandbox scenario")
	tm.send(keyEnter) // healthy
	tm.toDetails()
	tm.waitFor("Prefilled with the sandbox's own client secret")
	if strings.Contains(tm.screen(), defendertest.SandboxClientSecret[:10]) {
		t.Fatal("the secret is on the screen")
	}
	tm.send(keyTab, keyTab, keyTab, keyTab, "Contoso", keyEnter, keyEnter)
	raw := tm.finish(dir)
	for _, want := range []string{"Defender for Endpoint Connector", "Contoso", "53390e7c-c890-4adc-a20a-63526fc69533", `"ok": true`} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("connectors.json lacks %q:\n%s", want, raw)
		}
	}
	if bytes.Contains(raw, []byte(defendertest.SandboxClientSecret)) {
		t.Error("the secret is in connectors.json")
	}
}

// testScenario runs the sandbox wizard on scenario up to its test: One to
// One, the consented tenant mapped to customer. It returns the terminal and
// the store folder.
func testScenario(t *testing.T, scenario, customer string) (*ptyTerm, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	tm := startTerm(t, buildBinary(t), []string{"MDECONNECT_CONFIG_DIR=" + dir}, "--sandbox", "--scenario", scenario)
	tm.toDetails()
	tm.send(keyTab, keyTab, keyTab, keyTab, customer, keyEnter, keyEnter)
	return tm, dir
}

func TestWizardE2ESandboxInvalidSecret(t *testing.T) {
	tm, dir := testScenario(t, "invalid-secret", "Fabrikam")
	tm.waitFor("Invalid client secret")
	tm.waitFor("A common mistake is pasting the")
	tm.waitFor("s save anyway")
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, tm.screen())
	}
	if _, err := os.Stat(filepath.Join(dir, "connectors.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cancelled wizard wrote the store: %v", err)
	}
}

func TestWizardE2ESandboxConsentPropagates(t *testing.T) {
	tm, dir := testScenario(t, "consent-propagating", "Contoso")
	// The fake's first tokens carry no roles: the wizard waits, then passes.
	tm.waitFor("Waiting for consent to propagate: no roles in the tokens yet")
	tm.waitFor("w stop waiting")
	tm.waitFor("8 passed, 0 warnings, 0 failed, 0 skipped")
	raw := tm.finish(dir)
	if !bytes.Contains(raw, []byte(`"ok": true`)) {
		t.Errorf("the saved validation did not pass:\n%s", raw)
	}
}

// stubKeyring answers every call with err, or keeps secrets in memory.
type stubKeyring struct {
	err     error
	secrets map[string]string
}

func (k *stubKeyring) Get(_, user string) (string, error) {
	if k.err != nil {
		return "", k.err
	}
	if v, ok := k.secrets[user]; ok {
		return v, nil
	}
	return "", keyring.ErrNotFound
}

func (k *stubKeyring) Set(_, user, secret string) error {
	if k.err != nil {
		return k.err
	}
	k.secrets[user] = secret
	return nil
}

func (k *stubKeyring) Delete(_, user string) error {
	if k.err != nil {
		return k.err
	}
	delete(k.secrets, user)
	return nil
}

// TestWizardStoreAsksBeforeAFile: with no keyring and the auto backend, the
// wizard asks before it starts, and keeps secrets in a file only on yes.
func TestWizardStoreAsksBeforeAFile(t *testing.T) {
	dbus := errors.New("the name org.freedesktop.secrets was not provided by any .service files")
	cases := []struct {
		name, backend, answer string
		keyringErr            error
		asks                  bool
		want                  store.Backend // where the secret went; "" means the wizard does not start
	}{
		{"keyring answers", "", "", nil, false, store.BackendKeyring},
		{"no keyring, yes", "", "y\n", dbus, true, store.BackendFile},
		{"no keyring, YES to AUTO", "AUTO", " YES \n", dbus, true, store.BackendFile},
		{"no keyring, enter", "", "\n", dbus, true, ""},
		{"no keyring, no", "auto", "n\n", dbus, true, ""},
		{"no keyring, no answer", "", "", dbus, true, ""},
		{"file chosen", "file", "", dbus, false, store.BackendFile},
		{"keyring chosen", "Keyring", "", nil, false, store.BackendKeyring},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			env := map[string]string{"MDECONNECT_CONFIG_DIR": t.TempDir(), EnvSecretStore: tc.backend}
			a := newApp(Streams{In: strings.NewReader(tc.answer), Out: &out, Err: &errOut, Getenv: func(k string) string { return env[k] }})
			a.keyring = &stubKeyring{err: tc.keyringErr, secrets: map[string]string{}}
			st, err := a.wizardStore()
			if asked := strings.Contains(errOut.String(), "[y/N]"); asked != tc.asks {
				t.Fatalf("asked = %v, want %v: %q", asked, tc.asks, errOut.String())
			}
			if tc.asks && !strings.Contains(errOut.String(), "org.freedesktop.secrets") {
				t.Errorf("the question does not say why: %q", errOut.String())
			}
			if tc.want == "" {
				if err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), EnvSecretStore+"=file") {
					t.Fatalf("err = %v (exit %d), want a usage error naming %s=file", err, exitCode(err), EnvSecretStore)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := store.Connector{Name: "c", Type: store.TypeDefender, Mode: store.OneToOne, ClientID: "11111111-2222-3333-4444-555555555555",
				Cloud: "global", Mappings: []store.Mapping{{TenantID: "66666666-7777-8888-9999-000000000000", CustomerName: "Contoso"}}}
			if err := st.Add(c, "a-secret-value"); err != nil {
				t.Fatal(err)
			}
			if saved, _ := st.Get("c"); saved.SecretStore != tc.want {
				t.Errorf("secret kept in %q, want %q", saved.SecretStore, tc.want)
			}
		})
	}
}

// TestWizardE2ESandboxDebugLog: --sandbox --debug logs the exchanges with the
// fake cloud, and the client secret the wizard signs in with is not in them.
func TestWizardE2ESandboxDebugLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	cache := t.TempDir()
	tm := startTerm(t, bin, []string{"MDECONNECT_CONFIG_DIR=" + t.TempDir(), "XDG_CACHE_HOME=" + cache}, "--sandbox", "--scenario", "healthy", "--debug")
	tm.toDetails()
	tm.send(keyTab, keyTab, keyTab, keyTab, "Contoso", keyEnter, keyEnter)
	tm.waitFor("Press enter to review the summary")
	tm.send(keyCtrlC)
	if code := tm.exitCode(); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, tm.screen())
	}
	logs, _ := filepath.Glob(filepath.Join(cache, "mdeconnect", "debug-*.log"))
	if len(logs) != 1 {
		t.Fatalf("debug logs %v, want one", logs)
	}
	raw, err := os.ReadFile(logs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"msg":"http"`, "/oauth2/v2.0/token", "/.well-known/openid-configuration"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("the debug log lacks %q:\n%s", want, raw)
		}
	}
	if bytes.Contains(raw, []byte(defendertest.SandboxClientSecret)) {
		t.Error("the client secret is in the debug log")
	}
}

// TestWizardEngineRedactsSecret: every engine the wizard builds registers its
// secret with the --debug log's redactor, whatever the log's form fields hide.
func TestWizardEngineRedactsSecret(t *testing.T) {
	a := newApp(Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard, Getenv: func(string) string { return "" }})
	tr := a.tracing()
	build := a.wizardEngine(engineFlags{})
	cloud, err := defender.LookupCloud("global")
	if err != nil {
		t.Fatal(err)
	}
	const typed = "Zx9~typed-in-the-wizard-secret"
	if _, err := build(defender.Config{Cloud: cloud, ClientID: defender.ParatiraClientID, ClientSecret: typed, HTTPClient: a.httpClient}); err != nil {
		t.Fatal(err)
	}
	if got := tr.red.String("echoed: " + typed); strings.Contains(got, typed) {
		t.Errorf("the wizard's secret is not redacted: %q", got)
	}
}

// colorSGR is an escape sequence that sets a colour (foreground or background).
var colorSGR = regexp.MustCompile(`\x1b\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;m]`)

// TestWizardE2EAccessibleNoColor: with NO_COLOR, the accessible prompts and
// the sandbox's scenario picker write no colour.
func TestWizardE2EAccessibleNoColor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, noColor := range []bool{false, true} {
		env := []string{"MDECONNECT_CONFIG_DIR=" + t.TempDir(), "ACCESSIBLE=1", "COLORTERM=truecolor"}
		if noColor {
			env = append(env, "NO_COLOR=1")
		}
		tm := startTerm(t, bin, env, "--sandbox")
		tm.waitFor("Sandbox scenario")
		tm.send("1" + keyEnter)
		tm.waitFor("Mapping")
		tm.mu.Lock()
		colored := colorSGR.Match(tm.raw.Bytes())
		tm.mu.Unlock()
		if colored == noColor {
			t.Errorf("NO_COLOR=%v: colour written = %v", noColor, colored)
		}
	}
}
