package wizard

import (
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// TestProblemTitleOnce: a tenant that is not found reads "Tenant not found:
// what Entra said" in the TUI and in accessible mode, the title once.
func TestProblemTitleOnce(t *testing.T) {
	for _, msg := range []string{`Entra ID does not know "nowhere.example.com" in this cloud (AADSTS90002)`, ""} {
		m := newTestModel(t, &memStore{})
		send(m, "enter", "enter", "enter", consentMsg{granted}, "enter")
		m.tenant.checking, m.tenant.seq = true, 1
		err := &defender.Error{Problem: problem.TenantNotFound, Msg: msg}
		m.Update(resolvedMsg{seq: 1, err: err})
		if m.Step() != StepTenant {
			t.Fatalf("step %s, want the tenant step", m.Step())
		}
		title := problem.TenantNotFound.Title()
		for where, text := range map[string]string{"TUI": screen(t, m), "accessible": plainProblem(err)} {
			if n := strings.Count(text, title); n != 1 {
				t.Errorf("%s, message %q: the title shows %d times:\n%s", where, msg, n, text)
			}
			if !strings.Contains(text, title+": Entra ID does not know") && msg != "" {
				t.Errorf("%s: not \"title: message\":\n%s", where, text)
			}
		}
	}
}
