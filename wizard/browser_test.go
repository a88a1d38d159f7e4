package wizard

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
)

// TestSystemBrowserOpen: BROWSER first, the platform's opener otherwise; the
// browser never inherits a secret, and its output never reaches the screen.
func TestSystemBrowserOpen(t *testing.T) {
	environ := []string{"PATH=/usr/bin", "DISPLAY=:0", "HOME=/home/ada", "XAUTHORITY=/home/ada/.Xauthority",
		"MDECONNECT_CLIENT_SECRET=Pq8Q~s", "MDECONNECT_DEBUG=1", "AZURE_CLIENT_SECRET=x", "GITHUB_TOKEN=y", "PGPASSWORD=z", "AWS_SECRET_ACCESS_KEY=k", "OPENAI_API_KEY=o"}
	cases := []struct {
		name, goos string
		env        map[string]string
		path       []string
		want       []string
		err        string
	}{
		{"BROWSER with arguments", "linux", map[string]string{"BROWSER": "firefox --new-tab", "DISPLAY": ":0"}, nil, []string{"firefox", "--new-tab", "URL"}, ""},
		{"BROWSER=wslview in WSL", "linux", map[string]string{"BROWSER": "wslview", "WSL_DISTRO_NAME": "Ubuntu"}, nil, []string{"wslview", "URL"}, ""},
		{"linux: xdg-open", "linux", map[string]string{"DISPLAY": ":0"}, []string{"xdg-open", "www-browser"}, []string{"/usr/bin/xdg-open", "URL"}, ""},
		{"linux: www-browser when alone", "linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, []string{"www-browser"}, []string{"/usr/bin/www-browser", "URL"}, ""},
		{"linux: no opener", "linux", map[string]string{"DISPLAY": ":0"}, nil, nil, "no browser opener found"},
		{"macOS", "darwin", map[string]string{}, nil, []string{"open", "URL"}, ""},
		{"Windows", "windows", map[string]string{}, nil, []string{"rundll32", "url.dll,FileProtocolHandler", "URL"}, ""},
		{"SSH", "linux", map[string]string{"SSH_CONNECTION": "10.0.0.1 22", "DISPLAY": ":0"}, []string{"xdg-open"}, nil, "SSH session"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var started *exec.Cmd
			b := SystemBrowser{GOOS: c.goos, Getenv: func(k string) string { return c.env[k] },
				Environ:  func() []string { return environ },
				ReadFile: func(string) ([]byte, error) { return nil, errors.New("none") },
				LookPath: func(name string) (string, error) {
					if slices.Contains(c.path, name) {
						return "/usr/bin/" + name, nil
					}
					return "", exec.ErrNotFound
				},
				Start: func(cmd *exec.Cmd) error { started = cmd; return nil }}
			err := b.Open(context.Background(), "URL")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || started == nil {
				t.Fatalf("not started: %v", err)
			}
			if !slices.Equal(started.Args, c.want) {
				t.Errorf("argv %q, want %q", started.Args, c.want)
			}
			if started.Stdout != io.Discard || started.Stderr != io.Discard {
				t.Error("the browser's output would reach the wizard's screen")
			}
			for _, kv := range started.Env {
				if strings.Contains(kv, "SECRET") || strings.Contains(kv, "TOKEN") || strings.Contains(kv, "PASSWORD") ||
					strings.Contains(kv, "API_KEY") || strings.HasPrefix(kv, "MDECONNECT_") {
					t.Errorf("the browser inherits %s", kv)
				}
			}
			for _, keep := range []string{"PATH=/usr/bin", "DISPLAY=:0", "HOME=/home/ada", "XAUTHORITY=/home/ada/.Xauthority"} {
				if !slices.Contains(started.Env, keep) {
					t.Errorf("the browser lost %s", keep)
				}
			}
		})
	}
}

// TestPermissionsAreTheEngines: the consent step lists exactly the roles the
// engine requires, each with the API that serves it.
func TestPermissionsAreTheEngines(t *testing.T) {
	want := defender.MissingRoles(defender.TenantResult{})
	var got []string
	for _, p := range permissions {
		got = append(got, p.name)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("consent step lists %v, the engine requires %v", got, want)
	}
	// With every Defender role granted, only the Graph ones are missing.
	var defenderRoles []string
	for _, p := range permissions {
		if p.api == apiDefender {
			defenderRoles = append(defenderRoles, p.name)
		}
	}
	graphOnly := defender.MissingRoles(defender.TenantResult{Claims: map[string]defender.Claims{defender.ResourceDefender: {Roles: defenderRoles}}})
	for _, p := range permissions {
		if (p.api == apiGraph) != slices.Contains(graphOnly, p.name) {
			t.Errorf("%s is listed under %s", p.name, p.api)
		}
	}
}
