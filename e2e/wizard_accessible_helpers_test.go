package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// accTerm is the wizard's plain prompts (--accessible) in a pseudo-terminal.
// expect reads what the program wrote in order, as a screen reader hears it:
// each expected text must come after the one before.
type accTerm struct {
	*fixTerm
	// heard is how much of the program's text has been matched.
	heard int
}

// startAccessible runs the binary in a cols x rows terminal with its own
// connectors and cache folders, the secret store a file.
func startAccessible(t *testing.T, cols, rows int, env []string, args ...string) *accTerm {
	t.Helper()
	config, cache := t.TempDir(), t.TempDir()
	pt := startTermSize(t, cols, rows, binary(t), append(fixEnv(config, cache), env...), args...)
	return &accTerm{fixTerm: &fixTerm{ptyTerm: pt, config: config, cache: cache}}
}

// text is everything the program wrote, without styles or carriage returns.
func (tm *accTerm) text() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return strings.ReplaceAll(ansi.Strip(tm.raw.String()), "\r", "")
}

// expect waits until the program writes s after what was heard so far.
func (tm *accTerm) expect(s string) {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if txt := tm.text(); tm.heard <= len(txt) {
			if i := strings.Index(txt[tm.heard:], s); i >= 0 {
				tm.heard += i + len(s)
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	txt := tm.text()
	tm.t.Fatalf("never heard %q after:\n%s", s, txt[max(0, min(tm.heard, len(txt))-400):])
}

// answer waits for a prompt, then types an answer and enter.
func (tm *accTerm) answer(prompt, typed string) {
	tm.t.Helper()
	tm.expect(prompt)
	time.Sleep(50 * time.Millisecond) // the prompt is read once it is written whole
	tm.typeText(typed)
	tm.send(keyEnter)
}

// toDetails answers the plain prompts up to the mapping: mode ("1" One to
// One, "2" One to Many), the consent the sandbox's browser grants, the
// tenant it names, name and client ID kept, then secret (empty keeps the
// sandbox's own).
func (tm *accTerm) toMappings(mode, secret string) {
	tm.t.Helper()
	tm.answer("Enter a number between 1 and 2", mode)
	tm.answer("After Accept, press enter", "")
	tm.expect("Consent granted for tenant")
	tm.answer("Tenant ID or domain (enter keeps", "")
	tm.expect("Found tenant")
	tm.answer("Name (enter keeps", "")
	tm.answer("Client ID (enter keeps", "")
	tm.answer("Client secret (hidden; enter keeps the sandbox's own)", secret)
}
