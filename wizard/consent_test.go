package wizard

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/paratira/mdeconnect/store"
)

// TestLinkAsOneLine: l prints the link whole on one line, with no break of
// ours in it, so the terminal wraps it and a mouse copy gives a working link;
// enter goes back.
func TestLinkAsOneLine(t *testing.T) {
	url := "https://login.microsoftonline.com/organizations/v2.0/adminconsent?client_id=00e8252c-0847-49c6-95d9-c0045d19f13c&redirect_uri=http%3A%2F%2Flocalhost%3A53682%2Fconsent&state=0123456789abcdef"
	for _, hyper := range []bool{false, true} {
		var out bytes.Buffer
		c := &linkCommand{ctx: context.Background(), url: url, hyperlink: hyper, headless: true}
		c.SetStdin(strings.NewReader("\nmore typing"))
		c.SetStdout(&out)
		if err := c.Run(); err != nil {
			t.Fatal(err)
		}
		var line string
		for _, l := range strings.Split(out.String(), "\r\n") {
			if strings.Contains(l, "https://") {
				line = l
			}
		}
		if !strings.Contains(line, url) {
			t.Fatalf("hyperlink %v: the link is not whole on one line:\n%q", hyper, out.String())
		}
		if hyper != strings.Contains(line, "\x1b]8;;"+url) {
			t.Errorf("hyperlink %v: OSC 8 in %q", hyper, line)
		}
		if !strings.Contains(out.String(), "press p to paste it") {
			t.Errorf("headless: the paste flow is not explained:\n%s", out.String())
		}
	}
}

// TestLinkAsOneLineStops: Ctrl+C (the context ending) returns at once.
func TestLinkAsOneLineStops(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c := &linkCommand{ctx: ctx, url: "https://x"}
	c.SetStdin(pr)
	c.SetStdout(io.Discard)
	done := make(chan error, 1)
	go func() { done <- c.Run() }()
	cancel()
	_ = pr.CloseWithError(context.Canceled) // a pipe cannot be polled: end the read as a terminal's would be
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a cancelled wait returned no error")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Ctrl+C did not end the wait")
	}
}

// TestConsentHeadless: over SSH or with no display the consent step says
// so at once, explains the paste flow, and enter shows the link instead of
// trying a browser.
func TestConsentHeadless(t *testing.T) {
	m := newTestModel(t, &memStore{})
	b := &fakeBrowser{headless: "This is an SSH session, so no browser opens here."}
	m.opts.Browser = b
	send(m, "enter", "enter", "enter")
	s := words(t, m)
	for _, w := range []string{"SSH session", "localhost address that fails to load", "copy that address from its address bar", "press p to paste it", "enter link as one line"} {
		if !strings.Contains(s, w) {
			t.Errorf("screen lacks %q:\n%s", w, s)
		}
	}
	if _, cmd := m.Update(keyPress("enter")); cmd == nil || len(b.opened) > 0 {
		t.Fatalf("enter: cmd %v, opened %v; want the link shown, no browser", cmd, b.opened)
	}
	send(m, "p", grantedQuery, "enter")
	if r := m.consent.result; r == nil || !r.Granted || m.draft.ConsentTenant != tenantA {
		t.Fatalf("pasted redirect: %+v", r)
	}
}

// TestConsentListsPermissions: the step names each permission, its API,
// and who can grant the Graph one.
func TestConsentListsPermissions(t *testing.T) {
	m := newTestModel(t, &memStore{})
	m.Update(keyPress("enter"))
	send(m, "enter", "enter")
	s := words(t, m)
	for _, w := range []string{"all read-only", "Defender for Endpoint API: Machine.Read.All, Score.Read.All, SecurityRecommendation.Read.All",
		"Microsoft Graph: ServiceHealth.Read.All", "Global Administrator or Privileged Role Administrator"} {
		if !strings.Contains(s, w) {
			t.Errorf("screen lacks %q:\n%s", w, screen(t, m))
		}
	}
}

// TestModeSwitchAsks: One to Many → One to One with mappings that One to
// One would drop asks first, names them, and n keeps everything.
func TestModeSwitchAsks(t *testing.T) {
	m := newTestModel(t, &memStore{})
	send(m, "enter", "down", "down", "enter")
	m.draft.Mappings = []store.Mapping{{TenantID: tenantA, CustomerName: "Contoso"}, {TenantID: tenantB, CustomerName: "Fabrikam"}}
	send(m, "esc", "up", "enter")
	if m.step != StepChoose || m.draft.Mode != store.OneToMany || len(m.draft.Mappings) != 2 {
		t.Fatalf("switched without asking: step %v mode %v %d mappings", m.step, m.draft.Mode, len(m.draft.Mappings))
	}
	s := words(t, m)
	for _, w := range []string{"drops the other 1 mapping", tenantB + " → Fabrikam", "y switch and drop them", "n keep One to Many"} {
		if !strings.Contains(s, w) {
			t.Errorf("question lacks %q:\n%s", w, s)
		}
	}
	send(m, "n")
	if m.draft.Mode != store.OneToMany || len(m.draft.Mappings) != 2 || m.choose.dropping {
		t.Fatalf("n: mode %v, %d mappings", m.draft.Mode, len(m.draft.Mappings))
	}
	send(m, "enter", "y")
	if m.draft.Mode != store.OneToOne || len(m.draft.Mappings) != 1 || m.draft.Mappings[0].TenantID != tenantA {
		t.Fatalf("y: mode %v, mappings %+v", m.draft.Mode, m.draft.Mappings)
	}
	if !strings.Contains(words(t, m), "dropped 1 other mapping") {
		t.Errorf("no word of what was dropped:\n%s", screen(t, m))
	}
}

// words is the screen as plain words: no styles, line breaks as spaces.
func words(t *testing.T, m *Model) string {
	t.Helper()
	return strings.Join(strings.Fields(ansi.Strip(screen(t, m))), " ")
}
