package wizard

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/pkg/browser"
)

// SystemBrowser opens URLs the way gh does: BROWSER first, then the platform's
// opener, with the launched program's output kept off the wizard's screen.
type SystemBrowser struct {
	Getenv func(string) string
	// GOOS and ReadFile are for tests; zero values mean this machine.
	GOOS     string
	ReadFile func(string) ([]byte, error)
}

// CanOpen says whether opening a browser can work here, and why not.
func (b SystemBrowser) CanOpen() (bool, string) {
	env := b.Getenv
	goos := b.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	switch {
	case env("SSH_CONNECTION") != "" || env("SSH_TTY") != "":
		return false, "This is an SSH session, so no browser is opened here: open the link on your own computer."
	case env("BROWSER") != "":
		return true, ""
	case goos == "linux" && b.isWSL():
		if _, err := exec.LookPath("wslview"); err != nil {
			return false, "This is WSL without a browser bridge (install wslu, or set BROWSER=wslview): open the link in Windows."
		}
		return true, ""
	case goos == "linux" && env("DISPLAY") == "" && env("WAYLAND_DISPLAY") == "":
		return false, "There is no display (DISPLAY/WAYLAND_DISPLAY are unset), so no browser is opened: open the link on a computer with a browser."
	}
	return true, ""
}

func (b SystemBrowser) isWSL() bool {
	if b.Getenv("WSL_DISTRO_NAME") != "" || b.Getenv("WSL_INTEROP") != "" {
		return true
	}
	read := b.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	v, err := read("/proc/version")
	return err == nil && strings.Contains(strings.ToLower(string(v)), "microsoft")
}

// Open launches the browser. It returns once the opener started or failed.
func (b SystemBrowser) Open(_ context.Context, url string) error {
	if ok, why := b.CanOpen(); !ok {
		return errors.New(why)
	}
	if cmdline := strings.Fields(b.Getenv("BROWSER")); len(cmdline) > 0 {
		// Not tied to ctx: the browser outlives the wizard.
		cmd := exec.Command(cmdline[0], append(cmdline[1:], url)...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			return err
		}
		go func() { _ = cmd.Wait() }()
		return nil
	}
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	return browser.OpenURL(url)
}
