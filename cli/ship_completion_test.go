package cli

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// complete runs cobra's __complete as a shell's completion script does and
// returns the offered words (descriptions cut off) and the directive line.
func (h *harness) complete(args ...string) (words []string, directive string) {
	h.t.Helper()
	r := h.run("", append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		h.t.Fatalf("__complete %v: exit %d\n%s", args, r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	directive = lines[len(lines)-1]
	words = append(words, lines[:len(lines)-1]...)
	return words, directive
}

func names(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i], _, _ = strings.Cut(w, "\t")
	}
	return out
}

func TestCompletionOffersSavedConnectors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Nothing saved: nothing offered, and the store's folder is not created.
	if words, dir := h.complete("show", ""); len(words) != 0 || dir != ":4" {
		t.Errorf("empty store: %q %s", words, dir)
	}
	if _, err := os.Stat(h.env[EnvConfigDir]); !os.IsNotExist(err) {
		t.Errorf("completion created the config folder: %v", err)
	}
	healthy, other := h.scenario("healthy"), h.scenario("missing-role")
	for _, c := range []struct{ name, tenant string }{{"Contoso", healthy.TenantID + "=Contoso"}, {"Fabrikam MSP", other.TenantID + "=Fabrikam"}} {
		if r := h.run(secret, "add", "--name", c.name, "--tenant", c.tenant, "--skip-test", "--client-secret-stdin"); r.code != 0 {
			t.Fatalf("add %s: %s", c.name, r.stderr)
		}
	}
	before := h.storeBytes()
	for _, cmd := range connectorArgCommands {
		words, dir := h.complete(cmd, "")
		if got := names(words); !slices.Equal(got, []string{"Contoso", "Fabrikam MSP"}) || dir != ":4" {
			t.Errorf("%s: %q %s", cmd, words, dir)
		}
	}
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"show", "fab"}, []string{"Fabrikam MSP"}},
		{[]string{"show", "Contoso", ""}, nil}, // one NAME only
		{[]string{"test", "--all", ""}, nil},
		{[]string{"test", "Contoso", "--tenant", ""}, []string{healthy.TenantID}},
		{[]string{"edit", "Fabrikam MSP", "--remove-tenant", ""}, []string{other.TenantID}},
		{[]string{"test", "--cloud", ""}, []string{"global", "gcc", "gcc-high", "dod"}},
		{[]string{"tenant", "resolve", "--cloud", "gcc"}, []string{"global", "gcc", "gcc-high", "dod"}},
		{[]string{"add", "--mode", ""}, []string{"one-to-one", "one-to-many"}},
		{[]string{"add", "--secret-store", ""}, []string{"auto", "keyring", "file"}},
	}
	for _, tt := range tests {
		words, _ := h.complete(tt.args...)
		if got := names(words); !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.args, got, tt.want)
		}
	}
	words, _ := h.complete("show", "")
	if !slices.Contains(words, "Fabrikam MSP\t1 tenant, never tested") || !slices.Contains(words, "Contoso\t1 tenant, never tested") {
		t.Errorf("descriptions: %q", words)
	}
	scenarios, _ := h.complete("--sandbox", "--scenario", "")
	if got := names(scenarios); len(got) < 20 || got[0] != "healthy" || !slices.Contains(got, "invalid-secret") {
		t.Errorf("--scenario: %q", got)
	}
	if after := h.storeBytes(); len(after) != len(before) {
		t.Errorf("completion changed the store: %d files, then %d", len(before), len(after))
	}
	for k, v := range h.storeBytes() {
		if before[k] != v {
			t.Errorf("completion rewrote %s", k)
		}
	}
}

// A name from a hostile store file cannot break the completion protocol
// (a tab or newline splits an entry) or reach the terminal with escapes.
func TestCompletionTextIsOneCleanLine(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"a\tb", "a\nb", "a\x1b]52;c;x\x07b", "a\u202eb"} {
		out := completionText(in)
		if strings.ContainsAny(out, "\t\n\r\x1b\x07\u202e") {
			t.Errorf("completionText(%q) = %q", in, out)
		}
	}
}
