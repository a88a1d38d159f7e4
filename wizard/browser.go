package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"

	"github.com/pkg/browser"
)

// SystemBrowser opens URLs the way gh does: BROWSER first, then the platform's
// opener. The launched program gets an environment without secrets, and its
// output is kept off the wizard's screen.
type SystemBrowser struct {
	Getenv func(string) string
	// Environ is the environment the browser's is made from; nil is this
	// process's. GOOS, ReadFile and LookPath are for tests; zero values
	// mean this machine.
	Environ  func() []string
	GOOS     string
	ReadFile func(string) ([]byte, error)
	LookPath func(string) (string, error)
	// Start starts a command; nil starts it for real. Tests record it.
	Start func(*exec.Cmd) error
}

// CanOpen says whether opening a browser can work here, and why not.
func (b SystemBrowser) CanOpen() (bool, string) {
	env := b.Getenv
	switch goos := b.goos(); {
	case env("SSH_CONNECTION") != "" || env("SSH_TTY") != "":
		return false, "This is an SSH session, so no browser opens here."
	case env("BROWSER") != "":
		return true, ""
	case goos == "linux" && b.isWSL():
		if _, err := b.lookPath("wslview"); err != nil {
			return false, "This is WSL without a browser bridge (install wslu, or set BROWSER=wslview), so no browser opens here."
		}
		return true, ""
	case goos == "linux" && env("DISPLAY") == "" && env("WAYLAND_DISPLAY") == "":
		return false, "There is no display (DISPLAY and WAYLAND_DISPLAY are unset), so no browser opens here."
	}
	return true, ""
}

func (b SystemBrowser) goos() string {
	if b.GOOS != "" {
		return b.GOOS
	}
	return runtime.GOOS
}

func (b SystemBrowser) lookPath(name string) (string, error) {
	if b.LookPath != nil {
		return b.LookPath(name)
	}
	return exec.LookPath(name)
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

// Open launches the browser. It returns once the opener started or failed;
// a failure is never fatal, since the wizard always shows the URL too.
func (b SystemBrowser) Open(_ context.Context, url string) error {
	if ok, why := b.CanOpen(); !ok {
		return errors.New(why)
	}
	argv, err := b.opener()
	if err != nil {
		return err
	}
	if b.platformDefault() {
		// The platform's own opener, through github.com/pkg/browser, which
		// picks the programs opener names. It waits for the opener, so it
		// runs aside; the environment it passes on is this process's, from
		// which cli took the private variables at start.
		quietBrowser.Do(func() { browser.Stdout, browser.Stderr = io.Discard, io.Discard })
		go func() { _ = browser.OpenURL(url) }()
		return nil
	}
	// Not tied to ctx: the browser outlives the wizard.
	cmd := exec.Command(argv[0], append(argv[1:], url)...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	environ := b.Environ
	if environ == nil {
		environ = os.Environ
	}
	cmd.Env = browserEnv(environ())
	start := b.Start
	if start == nil {
		start = func(c *exec.Cmd) error {
			if err := c.Start(); err != nil {
				return err
			}
			go func() { _ = c.Wait() }()
			return nil
		}
	}
	return start(cmd)
}

// quietBrowser keeps pkg/browser's openers off the wizard's screen.
var quietBrowser sync.Once

// platformDefault is when pkg/browser opens the URL: no BROWSER, not WSL
// (pkg/browser does not know wslview), and no test recording the command.
func (b SystemBrowser) platformDefault() bool {
	return b.Start == nil && b.Environ == nil && b.Getenv("BROWSER") == "" && !(b.goos() == "linux" && b.isWSL())
}

// opener is the command that opens a URL (the URL is appended): BROWSER,
// else the platform's opener, as github.com/pkg/browser picks them.
func (b SystemBrowser) opener() ([]string, error) {
	if cmdline := strings.Fields(b.Getenv("BROWSER")); len(cmdline) > 0 {
		return cmdline, nil
	}
	switch b.goos() {
	case "darwin":
		return []string{"open"}, nil
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler"}, nil
	}
	candidates := []string{"xdg-open", "x-www-browser", "www-browser"}
	if b.goos() == "linux" && b.isWSL() {
		candidates = append([]string{"wslview"}, candidates...)
	}
	for _, c := range candidates {
		if p, err := b.lookPath(c); err == nil {
			return []string{p}, nil
		}
	}
	return nil, fmt.Errorf("no browser opener found (%s; or set BROWSER)", strings.Join(candidates, ", "))
}

// secretWords mark a variable that may hold a secret; MDECONNECT_ variables
// (the client secret among them) are not the browser's business either.
var secretWords = []string{"SECRET", "TOKEN", "PASSWORD", "PASSWD", "PASSPHRASE", "CREDENTIAL", "APIKEY", "API_KEY", "ACCESS_KEY", "PRIVATE_KEY"}

// PrivateVariable says whether an environment variable may hold a secret a
// browser must not inherit: a browser (and every helper it starts) would
// otherwise carry MDECONNECT_CLIENT_SECRET and the like for as long as it
// runs. cli takes them out of the process environment at start.
func PrivateVariable(name string) bool {
	up := strings.ToUpper(name)
	drop := strings.HasPrefix(up, "MDECONNECT_") || strings.HasSuffix(up, "_KEY")
	for _, w := range secretWords {
		drop = drop || strings.Contains(up, w)
	}
	return drop
}

// browserEnv is env without the private variables.
func browserEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if name, _, _ := strings.Cut(kv, "="); !PrivateVariable(name) {
			out = append(out, kv)
		}
	}
	return out
}
