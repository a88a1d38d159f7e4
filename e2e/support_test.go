package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/defender/problem"
)

// TestSupportFlowSubprocess is support's desk, for real: the built binary
// serves the sandbox, `test` trusts it through the CA file the sandbox
// exports alone, a customer's report is replayed and `test` against the
// replay agrees.
func TestSupportFlowSubprocess(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
		"MDECONNECT_CONFIG_DIR=" + filepath.Join(dir, "config"), "MDECONNECT_SECRET_STORE=file", "NO_COLOR=1", "TERM=dumb"}

	sandboxEnv, stopSandbox := startSandboxProcess(t, bin, base, "--ca-file", filepath.Join(dir, "ca.pem"))
	env := append(append([]string{}, base...), sandboxEnv...)
	if out, code := runProcess(t, bin, env, "test", "--tenant", "contosohealthy.onmicrosoft.com"); code != 0 {
		t.Fatalf("healthy through the exported CA file: exit %d\n%s", code, out)
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

// report is what these tests read of a file `mdeconnect report` wrote.
type report struct {
	Tenants []struct {
		Customer string `json:"customer"`
		Checks   []struct {
			ID      defender.CheckID `json:"id"`
			Status  defender.Status  `json:"status"`
			Problem problem.Code     `json:"problem"`
		} `json:"checks"`
	} `json:"tenants"`
}

func readReportFile(t *testing.T, path string) report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%s is not a report: %v", path, err)
	}
	return rep
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

// readExports parses `export K=V` lines up to the client ID comment.
func readExports(t *testing.T, sc *bufio.Scanner) map[string]string {
	t.Helper()
	env := map[string]string{"NO_COLOR": "1"}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# client ID") {
			return env
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			t.Fatalf("not an export line: %q", line)
		}
		env[k] = strings.Trim(v, "'")
	}
	t.Fatalf("sandbox printed no client ID line: %v", sc.Err())
	return nil
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

// resultProblems is the sorted set of problem codes in a test's JSON.
func resultProblems(t *testing.T, out string) []problem.Code {
	t.Helper()
	var res struct {
		Tenants []struct {
			Checks []struct {
				Status  string       `json:"status"`
				Problem problem.Code `json:"problem"`
			} `json:"checks"`
		} `json:"tenants"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("test --json: %v\n%s", err, out)
	}
	var codes []problem.Code
	for _, tn := range res.Tenants {
		for _, c := range tn.Checks {
			if c.Problem != "" {
				codes = append(codes, c.Problem)
			}
		}
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}
