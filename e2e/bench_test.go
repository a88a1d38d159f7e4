package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
	"github.com/paratira/mdeconnect/store"
)

// benchConnectors is how many saved connectors `list` reads.
const benchConnectors = 1000

// BenchmarkStartup times whole processes, from exec to exit or, for the
// wizard, to its first frame on a pseudo-terminal. A child's peak RSS is not
// reported: os/exec starts it with vfork, so rusage counts this process's RSS.
func BenchmarkStartup(b *testing.B) {
	bin := benchBinary(b)
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir(), "TERM=xterm-256color", envSecretStore + "=file"}
	env := append(slices.Clone(base), "MDECONNECT_CONFIG_DIR="+savedConnectors(b, benchConnectors))
	// The floor: what starting any process costs on this machine.
	b.Run("exec_true", func(b *testing.B) {
		benchExit(b, "true", env, func([]byte) error { return nil })
	})
	b.Run("version", func(b *testing.B) {
		benchExit(b, bin, env, func(out []byte) error {
			if !bytes.Contains(out, []byte("mdeconnect version")) {
				return fmt.Errorf("no version in %q", out)
			}
			return nil
		}, "--version")
	})
	b.Run(fmt.Sprintf("list_json_%d", benchConnectors), func(b *testing.B) {
		benchExit(b, bin, env, func(out []byte) error {
			var got []map[string]any
			if err := json.Unmarshal(out, &got); err != nil || len(got) != benchConnectors {
				return fmt.Errorf("want %d entries, got %d (%v)", benchConnectors, len(got), err)
			}
			return nil
		}, "list", "--json")
	})
	// The sandbox keeps its connectors in a folder of its own, as it does
	// when run by hand; with no --scenario it first asks which to play.
	sandboxEnv := append(slices.Clone(base), "MDECONNECT_CONFIG_DIR="+b.TempDir())
	b.Run("wizard_first_frame_sandbox", func(b *testing.B) {
		benchFirstFrame(b, bin, sandboxEnv, "Sandbox scenario", "--sandbox")
	})
	b.Run("wizard_first_frame_sandbox_scenario", func(b *testing.B) {
		benchFirstFrame(b, bin, sandboxEnv, "Add a new connector", "--sandbox", "--scenario", "healthy")
	})
}

// benchBinary is the binary TestMain built, or the one MDECONNECT_BENCH_BIN
// names.
func benchBinary(b *testing.B) string {
	b.Helper()
	if bin == "" {
		b.Fatalf("no binary under -short: set %s or drop -short", envBenchBinary)
	}
	return bin
}

// savedConnectors saves n one-tenant connectors through store.Add, as
// `mdeconnect add` would, secrets in the 0600 file. No test result is
// recorded: each Add rewrites the whole file, so 1,000 of them already take
// about 20 s here, and recording 1,000 results would add a minute.
func savedConnectors(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	st, err := store.Open(store.Options{Dir: dir, SecretBackend: store.BackendFile})
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now().UTC()
	for i := range n {
		tid := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		c := store.Connector{Name: fmt.Sprintf("Customer %04d Defender", i), Type: store.TypeDefender, Mode: store.OneToOne,
			ClientID: "00e8252c-0847-49c6-95d9-c0045d19f13c", Cloud: "global",
			Mappings: []store.Mapping{{TenantID: tid, CustomerName: fmt.Sprintf("Customer %04d", i), AddedAt: at}}}
		if err := st.Add(c, fmt.Sprintf("secret~%04d.abcdefghijklmnopqrstuvwxyz0123456", i)); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// benchExit runs the binary to completion each iteration and checks its stdout.
func benchExit(b *testing.B, bin string, env []string, check func([]byte) error, args ...string) {
	var wall time.Duration
	for b.Loop() {
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &errOut
		start := time.Now()
		err := cmd.Run()
		wall += time.Since(start)
		if err != nil {
			b.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, errOut.Bytes())
		}
		if err := check(out.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(ms(wall/time.Duration(b.N)), "wall_ms")
}

// benchFirstFrame starts the wizard in a pseudo-terminal whose emulator
// answers terminal queries, as a real terminal would, and times until the
// screen shows text.
func benchFirstFrame(b *testing.B, bin string, env []string, text string, args ...string) {
	var wall time.Duration
	for b.Loop() {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		start := time.Now()
		f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
		if err != nil {
			b.Fatal(err)
		}
		shown := waitForScreen(f, text)
		wall += time.Since(start)
		// Killed, not asked to stop: only the first frame is measured.
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		f.Close()
		if shown != "" {
			b.Fatalf("the screen never showed %q:\n%s", text, shown)
		}
	}
	b.ReportMetric(ms(wall/time.Duration(b.N)), "wall_ms")
}

// waitForScreen reads the terminal until its screen shows text; it returns
// "" then, or the screen if the output ended or 10 seconds passed first.
func waitForScreen(f *os.File, text string) string {
	emu := vt.NewEmulator(100, 30)
	defer emu.Close()
	var mu sync.Mutex
	go func() { _, _ = io.Copy(f, emu) }() // the emulator's answers to queries
	found := make(chan struct{})
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := f.Read(buf)
			mu.Lock()
			_, _ = emu.Write(buf[:n])
			ok := strings.Contains(emu.String(), text)
			mu.Unlock()
			if ok {
				close(found)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-found:
		return ""
	case <-time.After(10 * time.Second):
	}
	mu.Lock()
	defer mu.Unlock()
	return emu.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
