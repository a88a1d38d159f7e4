package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	"github.com/creack/pty"
)

// fixTerm is the wizard in a pseudo-terminal, drawn by an emulator.
type fixTerm struct {
	t    *testing.T
	pty  *os.File
	mu   sync.Mutex
	emu  *vt.Emulator
	raw  bytes.Buffer
	done chan error
	// config and cache are the run's connectors folder and cache folder.
	config, cache string
}

func startFixTerm(t *testing.T, config, cache string, args ...string) *fixTerm {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = []string{"TERM=xterm-256color", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"MDECONNECT_CONFIG_DIR=" + config, "XDG_CACHE_HOME=" + cache, "MDECONNECT_SECRET_STORE=file"}
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	tm := &fixTerm{t: t, pty: f, emu: vt.NewEmulator(100, 30), done: make(chan error, 1), config: config, cache: cache}
	go tm.pump()
	go func() { _, _ = io.Copy(f, tm.emu) }()
	go func() { tm.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		f.Close()
	})
	return tm
}

func (tm *fixTerm) pump() {
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

func (tm *fixTerm) screen() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.emu.String()
}

// see waits until the screen shows text.
func (tm *fixTerm) see(text string) {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(tm.screen(), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.t.Fatalf("the screen never showed %q:\n%s", text, tm.screen())
}

// press types keys one by one, as a person does.
func (tm *fixTerm) press(keys ...string) {
	for _, k := range keys {
		if _, err := tm.pty.Write([]byte(k)); err != nil {
			tm.t.Fatal(err)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func (tm *fixTerm) exit() int {
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
	case <-time.After(15 * time.Second):
		tm.t.Fatalf("still running:\n%s", tm.screen())
	}
	return -1
}

const (
	fEnter = "\r"
	fTab   = "\t"
	fCtrlC = "\x03"
	fCtrlU = "\x15"
	fCtrlT = "\x14"
)

// toTenantStep walks to step 4 with consent skipped.
func (tm *fixTerm) toTenantStep() {
	tm.see("Add a new connector")
	tm.press(fEnter)
	tm.see("By technology")
	tm.press(fEnter, fEnter)
	tm.see("Consent link")
	tm.press("s")
	tm.see("Tenant ID or domain")
}

// detailsWith resolves tenant at step 4, then maps mapped (if not empty)
// to Contoso in the details and tests.
func (tm *fixTerm) detailsWith(tenant, mapped string) {
	tm.press(fCtrlU)
	tm.press(strings.Split(tenant, "")...)
	tm.press(fEnter)
	tm.see("Enter the details")
	tm.press(fTab, fTab, fTab)
	if mapped != "" {
		tm.press(fCtrlU)
		tm.press(strings.Split(mapped, "")...)
	}
	tm.press(fTab)
	tm.press(strings.Split("Contoso", "")...)
	tm.press(fEnter, fEnter)
}
