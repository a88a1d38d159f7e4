package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/paratira/mdeconnect/defender/defendertest"
)

// pickerTitle heads the sandbox's scenario picker, in both modes.
const pickerTitle = "Sandbox scenario: which tenant should the fake cloud play?"

// pickScenario asks which scenario the sandbox plays, healthy first. Ctrl+C
// ends it at once: the full-screen picker runs with ctx (a SIGINT that came
// before it took the terminal ends it too), and the accessible one reads
// through the raw-mode line editor, where Ctrl+C is a key, not a signal.
func (a *app) pickScenario(ctx context.Context, scenarios []defendertest.Scenario, accessible bool) (string, error) {
	var name string
	var err error
	if accessible {
		name, err = a.pickScenarioPlain(ctx, scenarios)
	} else {
		name, err = a.pickScenarioForm(ctx, scenarios)
	}
	if errors.Is(err, huh.ErrUserAborted) || errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return "", fmt.Errorf("scenario picker: %w", context.Canceled)
	}
	return name, err
}

// pickScenarioForm is the full-screen picker: a list of 12 rows that
// scrolls under its title, and / filters it by name or description.
func (a *app) pickScenarioForm(ctx context.Context, scenarios []defendertest.Scenario) (string, error) {
	var opts []huh.Option[string]
	for _, s := range scenarios {
		opts = append(opts, huh.NewOption(s.Name+": "+s.Description, s.Name))
	}
	name := "healthy"
	sel := huh.NewSelect[string]().Title(pickerTitle).
		// The title gives way to the filter while one is typed: the
		// description keeps saying what is being picked.
		Description(fmt.Sprintf("Sandbox scenario, %d of them: ↑/↓ move, / filters, enter chooses.", len(scenarios))).
		Options(opts...).Value(&name).Height(12)
	form := huh.NewForm(huh.NewGroup(sel))
	if p := a.profile(); p != 0 {
		form = form.WithProgramOptions(tea.WithColorProfile(p)) // first: it replaces the options set so far
	}
	err := form.WithInput(a.in).WithOutput(a.tuiOut()).RunWithContext(ctx)
	return name, err
}

// pickScenarioPlain lists the scenarios, then asks: the question comes last,
// so it stays on screen however long the list, and a screen reader reads
// the list before it.
func (a *app) pickScenarioPlain(ctx context.Context, scenarios []defendertest.Scenario) (string, error) {
	w := a.colorWriter(a.errOut)
	fmt.Fprintln(w, "Sandbox scenarios (each a tenant of the fake cloud):")
	for i, s := range scenarios {
		fmt.Fprintf(w, "%3d. %s: %s\n", i+1, s.Name, s.Description)
	}
	for {
		fmt.Fprintf(w, "%s\nType its number or name (enter: %s): ", pickerTitle, scenarios[0].Name)
		answer, err := a.prompter().line(ctx, false)
		if err != nil {
			return "", err
		}
		if name, ok := scenarioAnswer(scenarios, answer); ok {
			return name, nil
		}
		fmt.Fprintf(w, "No scenario %q: type a number from 1 to %d, or a name from the list.\n", strings.TrimSpace(answer), len(scenarios))
	}
}

// scenarioAnswer reads an answer to the plain picker: empty is the first
// scenario, then a number, a name, or the start of exactly one name.
func scenarioAnswer(scenarios []defendertest.Scenario, answer string) (string, bool) {
	answer = strings.ToLower(strings.TrimSpace(answer))
	if answer == "" {
		return scenarios[0].Name, true
	}
	if n, err := strconv.Atoi(answer); err == nil {
		if n >= 1 && n <= len(scenarios) {
			return scenarios[n-1].Name, true
		}
		return "", false
	}
	var match []string
	for _, s := range scenarios {
		switch {
		case s.Name == answer:
			return s.Name, true
		case strings.HasPrefix(s.Name, answer):
			match = append(match, s.Name)
		}
	}
	if len(match) == 1 {
		return match[0], true
	}
	return "", false
}
