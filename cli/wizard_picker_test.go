package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender/defendertest"
)

func TestScenarioAnswer(t *testing.T) {
	t.Parallel()
	list := []defendertest.Scenario{{Name: "healthy"}, {Name: "invalid-secret"}, {Name: "invalid-client"}, {Name: "hung"}}
	cases := []struct {
		answer, want string
		ok           bool
	}{
		{"", "healthy", true},
		{"  ", "healthy", true},
		{"1", "healthy", true},
		{"4", "hung", true},
		{"0", "", false},
		{"5", "", false},
		{"hung", "hung", true},
		{"HUNG", "hung", true},
		{"invalid-s", "invalid-secret", true},
		{"invalid", "", false}, // two names start so
		{"nothing", "", false},
	}
	for _, c := range cases {
		got, ok := scenarioAnswer(list, c.answer)
		if got != c.want || ok != c.ok {
			t.Errorf("%q: %q %v, want %q %v", c.answer, got, ok, c.want, c.ok)
		}
	}
}

// TestPlainPickerAsksLast: the accessible picker lists the scenarios, then
// asks; a wrong answer is named and asked again; Ctrl+C cancels at once.
func TestPlainPickerAsksLast(t *testing.T) {
	t.Parallel()
	list := defendertest.Scenarios()
	cases := []struct {
		name, input, want string
		err               error
	}{
		{"by number after a wrong one", "99\r2\r", list[1].Name, nil},
		{"enter takes the first", "\r", list[0].Name, nil},
		{"ctrl+c", "\x03", "", context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			a := newApp(Streams{In: strings.NewReader(c.input), Err: &out, InTTY: true, ErrTTY: true})
			got, err := a.pickScenario(context.Background(), list, true)
			if got != c.want || !errors.Is(err, c.err) {
				t.Fatalf("got %q %v, want %q %v", got, err, c.want, c.err)
			}
			lines := strings.Split(strings.TrimRight(out.String(), "\r\n "), "\n")
			if c.err == nil && !strings.HasPrefix(strings.TrimLeft(lines[len(lines)-2], "\r"), pickerTitle) {
				t.Errorf("the question is not last:\n%s", out.String())
			}
			if c.input == "99\r2\r" && !strings.Contains(out.String(), `No scenario "99"`) {
				t.Errorf("a wrong answer is not named:\n%s", out.String())
			}
		})
	}
}

// TestPickerCancelledContext: a SIGINT that came before the picker took the
// terminal (its context ended) ends it at once, in both modes.
func TestPickerCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, accessible := range []bool{false, true} {
		a := newApp(Streams{In: strings.NewReader(""), Err: &bytes.Buffer{}, Out: &bytes.Buffer{}, InTTY: true})
		if _, err := a.pickScenario(ctx, defendertest.Scenarios(), accessible); !errors.Is(err, context.Canceled) {
			t.Errorf("accessible %v: %v, want cancelled", accessible, err)
		}
	}
}
