package wizard

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// Step is one screen of the wizard, numbered as users see it (1 to 7).
type Step int

// The steps, in the setup guide's order.
const (
	StepConnectors Step = iota + 1
	StepChoose
	StepConsent
	StepTenant
	StepDetails
	StepTest
	StepSummary
)

// stepCount is how many steps the header counts.
const stepCount = int(StepSummary)

var stepNames = map[Step]string{
	StepConnectors: "Connectors",
	StepChoose:     "Choose connector",
	StepConsent:    "Consent",
	StepTenant:     "Tenant ID",
	StepDetails:    "Details",
	StepTest:       "Test connection",
	StepSummary:    "Summary",
}

// String is the step's title.
func (s Step) String() string {
	if n, ok := stepNames[s]; ok {
		return n
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// setStep is the only place the wizard's step changes. Leaving a step cancels
// its work in flight; entering one prepares it and may start work.
func (m *Model) setStep(s Step) tea.Cmd {
	if m.step == s {
		return nil
	}
	m.leave(m.step)
	m.step = s
	m.notice = ""
	return m.enter(s)
}

func (m *Model) leave(s Step) {
	switch s {
	case StepTenant:
		m.tenant.cancel()
	case StepTest:
		m.test.cancel()
		m.doctor.close()
	}
}

func (m *Model) enter(s Step) tea.Cmd {
	switch s {
	case StepConnectors:
		return m.enterConnectors()
	case StepConsent:
		return m.enterConsent()
	case StepTenant:
		return m.enterTenant()
	case StepDetails:
		return m.enterDetails()
	case StepTest:
		return m.enterTest()
	case StepSummary:
		m.summary = summaryState{}
	}
	return nil
}
