package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/problem"
)

// TestSupportFlowSubprocess is support's desk, for real: the built binary
// serves the sandbox, `test` trusts it through SSL_CERT_FILE alone, a
// customer's report is replayed and `test` against the replay agrees.
func TestSupportFlowSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mdeconnect")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"MDECONNECT_CONFIG_DIR=" + filepath.Join(dir, "config"), "MDECONNECT_SECRET_STORE=file", "NO_COLOR=1", "TERM=dumb"}

	sandboxEnv, stopSandbox := startSandboxProcess(t, bin, base, "--ca-file", filepath.Join(dir, "ca.pem"))
	env := append(append([]string{}, base...), sandboxEnv...)
	if out, code := runProcess(t, bin, env, "test", "--tenant", "contosohealthy.onmicrosoft.com"); code != 0 {
		t.Fatalf("healthy through SSL_CERT_FILE: exit %d\n%s", code, out)
	}
	bad, _ := defendertest.Lookup("invalid-secret")
	out, code := runProcess(t, bin, env, "test", "--tenant", bad.TenantID, "--json")
	if got := resultProblems(t, out); code != 3 || len(got) != 1 || got[0] != problem.InvalidClientSecret {
		t.Fatalf("invalid-secret: exit %d, problems %v", code, got)
	}

	report := filepath.Join(dir, "report.json")
	out, code = runProcess(t, bin, env, "report", "--tenant", "contosonoroles.onmicrosoft.com=Fabrikam",
		"--tenant", "contosounlicensed.onmicrosoft.com=Contoso", "-o", report, "--debug")
	if code != 3 || !strings.Contains(out, "Debug log: "+filepath.Join(dir, "cache", "mdeconnect")) {
		t.Fatalf("report: exit %d\n%s", code, out)
	}
	if code := stopSandbox(syscall.SIGINT); code != 0 {
		t.Errorf("sandbox exit %d after SIGINT, want 0", code)
	}

	replayEnv, stopReplay := startSandboxProcess(t, bin, base, "--replay", report, "--ca-file", filepath.Join(dir, "replay-ca.pem"))
	env = append(append([]string{}, base...), replayEnv...)
	out, code = runProcess(t, bin, env, "test", "--tenant", "contosonoroles.onmicrosoft.com=Fabrikam",
		"--tenant", "contosounlicensed.onmicrosoft.com=Contoso", "--json")
	if code != 3 {
		t.Fatalf("test against the replay: exit %d\n%s", code, out)
	}
	var res defender.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("test --json: %v\n%s", err, out)
	}
	rep := readReportFile(t, report)
	for i, tn := range rep.Tenants {
		for j, want := range tn.Checks {
			got := res.Tenants[i].Checks[j]
			if got.ID != want.ID || got.Status != want.Status || got.Problem != want.Problem {
				t.Errorf("%s %s: replay %s/%s, report %s/%s", tn.Customer, want.ID, got.Status, got.Problem, want.Status, want.Problem)
			}
		}
	}
	if code := stopReplay(syscall.SIGTERM); code != 0 {
		t.Errorf("replay exit %d after SIGTERM, want 0", code)
	}
}

// startSandboxProcess starts `mdeconnect sandbox args` and reads its exports.
func startSandboxProcess(t *testing.T, bin string, env []string, args ...string) ([]string, func(os.Signal) int) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	stop := func(sig os.Signal) int {
		_ = cmd.Process.Signal(sig)
		select {
		case code := <-done:
			done <- code
			return code
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			return -1
		}
	}
	exports := readExports(t, bufio.NewScanner(stdout))
	go func() {
		_ = cmd.Wait()
		done <- cmd.ProcessState.ExitCode()
	}()
	t.Cleanup(func() { stop(syscall.SIGTERM) })
	var out []string
	for k, v := range exports {
		out = append(out, k+"="+v)
	}
	return out, stop
}

// runProcess runs the binary and returns its stdout (stderr too when it
// fails to parse) and its exit code.
func runProcess(t *testing.T, bin string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	if !strings.Contains(strings.Join(args, " "), "--json") {
		stdout.Write(stderr.Bytes())
	}
	return stdout.String(), cmd.ProcessState.ExitCode()
}
