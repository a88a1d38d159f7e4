package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
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
	// drained is closed once everything the program wrote has been read.
	drained chan struct{}
}

// startTerm runs bin in a 100x30 terminal.
func startTerm(t *testing.T, bin string, env []string, args ...string) *ptyTerm {
	t.Helper()
	return startTermRows(t, 30, bin, env, args...)
}

// startTermRows runs bin in a terminal 100 columns wide and rows tall.
func startTermRows(t *testing.T, rows int, bin string, env []string, args ...string) *ptyTerm {
	t.Helper()
	return startTermSize(t, 100, rows, bin, env, args...)
}

// startTermSize runs bin in a cols x rows terminal; env adds to (and
// overrides) a plain one with its own HOME and consent redirect port.
func startTermSize(t *testing.T, cols, rows int, bin string, env []string, args ...string) *ptyTerm {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"TERM=xterm-256color", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"MDECONNECT_REDIRECT_URI=" + consentRedirect(t)}, env...)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)})
	if err != nil {
		t.Fatal(err)
	}
	tm := &ptyTerm{t: t, pty: f, cmd: cmd, emu: vt.NewEmulator(cols, rows), done: make(chan error, 1), drained: make(chan struct{})}
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
	defer close(tm.drained)
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

// waitFor waits until the screen shows text, failing after 10 seconds.
func (tm *ptyTerm) waitFor(text string) {
	tm.t.Helper()
	tm.waitForWithin(text, 10*time.Second)
}

// waitForWithin waits until the screen shows text, failing after d.
func (tm *ptyTerm) waitForWithin(text string, d time.Duration) {
	tm.t.Helper()
	deadline := time.Now().Add(d)
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
		// The last frames may still be in the pseudo-terminal: read them
		// before anyone looks at the screen.
		select {
		case <-tm.drained:
		case <-time.After(2 * time.Second):
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return shellStatus(ee)
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
	keyCtrlT = "\x14"
	keyCtrlU = "\x15"
)

// typeText types text a character at a time, as a person does.
func (tm *ptyTerm) typeText(text string) { tm.send(strings.Split(text, "")...) }

// toDetails walks from the connectors list to the details step: Defender for
// Endpoint, One to One, consent through the simulated browser, the tenant it
// returned.
func (tm *ptyTerm) toDetails() {
	tm.waitFor("Add a new connector")
	tm.send(keyEnter)
	tm.waitFor("By technology")
	tm.send(keyEnter, keyEnter)
	tm.waitFor("Waiting for the admin to click Accept")
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
	// The connectors as the store reads them (connectors.json, with the
	// tests of its journal), then the files themselves.
	list, err := fileStore(tm.t, dir).List()
	if err != nil {
		tm.t.Fatal(err)
	}
	view, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		tm.t.Fatal(err)
	}
	return append(view, connectorsFile(tm.t, dir)...)
}

// consentRedirect is a redirect URI for the wizard's consent listener on a
// port of its own. The sandbox's default picks a free port at start-up and
// listens on it only at the consent step; meanwhile any connection on this
// machine may take it as its local port (tests run side by side make many),
// and the wizard then cannot listen. A port below the ephemeral range is
// never handed out that way.
func consentRedirect(t *testing.T) string {
	t.Helper()
	portsOnce.Do(func() {
		low := 32768 // Linux's default first ephemeral port
		if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
			if f := strings.Fields(string(b)); len(f) == 2 {
				if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
					low = n
				}
			}
		}
		nextPort.Store(int32(low - 10000 + rand.IntN(9000))) // runs side by side start apart
	})
	for range 100 {
		port := nextPort.Add(1)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		ln.Close()
		return fmt.Sprintf("http://localhost:%d/consent", port)
	}
	t.Fatal("no free port for the consent redirect")
	return ""
}

var (
	portsOnce sync.Once
	nextPort  atomic.Int32
)

// shellStatus is the exit status a shell reports: the code, or 128 plus the
// signal that ended the process. A Ctrl+C that comes before the program has
// set up its handler (within its first milliseconds, under load) ends it by
// SIGINT, which a shell reports as 130 as well.
func shellStatus(ee *exec.ExitError) int {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}
