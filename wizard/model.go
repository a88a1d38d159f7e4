package wizard

import (
	"context"
	"strings"

	"github.com/paratira/mdeconnect/store"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Model is the wizard's root: it owns the step, the draft, and every
// transition. It is used through a pointer; Update returns the same one.
type Model struct {
	// ctx is the program's: it ends when the wizard is interrupted.
	ctx    context.Context
	opts   Options
	st     styles
	step   Step
	width  int
	height int
	draft  Draft
	spin   spinner.Model
	// notice is a one-line message about the last action (copied, opened...).
	notice string

	connectors connectorsState
	choose     chooseState
	consent    consentState
	tenant     tenantState
	details    detailsState
	test       testState
	summary    summaryState
	// doctor is the look from the tenant's side, a screen of step 6.
	doctor doctorState

	// fixing is the fix chosen after a failed test: its step comes back to
	// a fresh test when done. known maps domains discovery has resolved to
	// their GUIDs. editing is the saved connector being changed, if any.
	fixing     *fix
	known      map[string]string
	editing    *store.Connector
	editSecret string
	// initCmd is what New started (an edit opens at its details).
	initCmd tea.Cmd

	cancelled bool
	quitting  bool
	result    Result
}

// New makes a wizard at step 1.
func New(opts Options) *Model {
	opts = opts.withDefaults()
	m := &Model{ctx: context.Background(), opts: opts, st: newStyles(), width: 80, height: 24, draft: newDraft(opts.Sandbox),
		spin: spinner.New(spinner.WithSpinner(spinner.Line))}
	m.consent.gate = newGate(opts.NewState())
	m.step = StepConnectors
	if opts.Edit != nil {
		m.initCmd = m.startEdit(*opts.Edit, opts.EditSecret)
	}
	return m
}

// Step is the current step.
func (m *Model) Step() Step { return m.step }

// Result is what the wizard did.
func (m *Model) Result() Result { return m.result }

// Close stops what the wizard started (the consent listener, checks in flight).
func (m *Model) Close() {
	m.tenant.cancel()
	m.test.cancel()
	m.doctor.close()
	m.consent.close()
}

// Init loads the saved connectors.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.enterConnectors(), m.spin.Tick, m.initCmd) }

// Update routes a message: global keys first, then the current step.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		if key.Matches(msg, keyQuit) {
			m.cancelled, m.quitting = true, true
			m.Close()
			return m, tea.Quit
		}
	}
	if cmd, ok := m.updateAsync(msg); ok {
		return m, cmd
	}
	return m, m.updateStep(msg)
}

// updateAsync takes results of work in flight, whatever the current step, so
// nothing that comes back late is lost or misrouted.
func (m *Model) updateAsync(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case connectorsMsg:
		m.connectors.list, m.connectors.err, m.connectors.loaded = msg.list, msg.err, true
		return nil, true
	case listenerMsg, consentMsg, replyMsg, browserMsg:
		return m.updateConsentAsync(msg), true
	case linkShownMsg:
		if msg.err != nil && m.ctx.Err() == nil {
			m.notice = m.st.warn.Render("! ") + "Could not show the link as one line (" + msg.err.Error() + "): c copies it."
		}
		return nil, true
	case resolvedMsg:
		return m.onResolved(msg), true
	case checkMsg, runDoneMsg, waitingMsg:
		return m.updateTestAsync(msg), true
	case doctorURLMsg, doctorCodeMsg, doctorSignedInMsg, doctorDoneMsg:
		return m.updateDoctorAsync(msg), true
	case savedMsg:
		return m.onSaved(msg), true
	case editLoadedMsg:
		return m.onEditLoaded(msg), true
	case mappingResolvedMsg:
		m.onMappingResolved(msg)
		return nil, true
	case reportMsg:
		m.onReport(msg)
		return nil, true
	}
	return nil, false
}

func (m *Model) updateStep(msg tea.Msg) tea.Cmd {
	switch m.step {
	case StepConnectors:
		return m.updateConnectors(msg)
	case StepChoose:
		return m.updateChoose(msg)
	case StepConsent:
		return m.updateConsent(msg)
	case StepTenant:
		return m.updateTenant(msg)
	case StepDetails:
		return m.updateDetails(msg)
	case StepTest:
		if m.doctor.shown() {
			return m.updateDoctor(msg)
		}
		return m.updateTest(msg)
	case StepSummary:
		return m.updateSummary(msg)
	}
	return nil
}

// resize passes the width on to the widgets that lay themselves out.
func (m *Model) resize() {
	m.tenant.input.SetWidth(max(m.width-6, 10))
	m.details.resize(m.width)
}

// View draws the header, the step, and the help line, within the window.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "mdeconnect: " + m.step.String()
	return v
}

func (m *Model) render() string {
	if m.quitting {
		return ""
	}
	w := max(m.width, 20)
	header := m.headerView(w)
	help := m.helpView(w)
	if m.height < 12 {
		help = truncate(m.st.dim.Render(m.helpLine()), w)
	}
	bodyH := m.bodyHeight(w, lipgloss.Height(help))
	body := clipLines(wrap(m.stepView(w, bodyH), w), bodyH)
	return header + "\n\n" + body + "\n" + strings.Repeat("\n", max(bodyH-lipgloss.Height(body), 0)) + help
}

// bodyHeight is how many lines render leaves the step in w columns, under
// the header and above a help line of helpLines lines.
func (m *Model) bodyHeight(w, helpLines int) int {
	return max(m.height-lipgloss.Height(m.headerView(w))-helpLines-2, 1)
}

// noticeView is the notice as stepView puts it under the step, "" for none.
func (m *Model) noticeView(w int) string {
	if m.notice == "" {
		return ""
	}
	notice := wrap(m.notice, w)
	if p := ansi.Strip(m.notice); strings.HasPrefix(p, "! ") || strings.HasPrefix(p, "✓ ") {
		// A marked notice hangs under its text, not under its mark.
		notice = strings.ReplaceAll(wrap(m.notice, w-2), "\n", "\n  ")
	}
	return "\n\n" + notice
}

func (m *Model) headerView(w int) string {
	left := m.st.header.Render("mdeconnect") + m.st.dim.Render(" · "+m.title())
	right := m.st.title.Render("Step " + itoa(int(m.step)) + "/" + itoa(stepCount) + " " + m.step.String())
	if m.opts.Sandbox != nil {
		right = m.st.badge.Render("SANDBOX ") + right
	}
	if lipgloss.Width(left)+lipgloss.Width(right)+1 > w {
		left = m.st.header.Render("mdeconnect")
	}
	if lipgloss.Width(left)+lipgloss.Width(right)+1 > w {
		return truncate(right, w)
	}
	return left + strings.Repeat(" ", w-lipgloss.Width(left)-lipgloss.Width(right)) + right
}

// stepView draws the current step in w columns; a step that keeps its
// own bottom lines in view fits in h.
func (m *Model) stepView(w, h int) string {
	notice := m.noticeView(w)
	if notice != "" {
		h -= lipgloss.Height(notice) - 1
	}
	var s string
	switch m.step {
	case StepConnectors:
		s = m.viewConnectors(w)
	case StepChoose:
		s = m.viewChoose(w)
	case StepConsent:
		s = m.viewConsent(w, h)
	case StepTenant:
		s = m.viewTenant(w)
	case StepDetails:
		s = m.viewDetails(w)
	case StepTest:
		if m.doctor.shown() {
			s = m.viewDoctor(w, h)
			break
		}
		s = m.viewTest(w, h)
	case StepSummary:
		s = m.viewSummary(w)
	}
	if m.step >= StepConsent && m.step <= StepDetails {
		if sl := m.staleLine(w); sl != "" {
			s += "\n\n" + sl
		}
	}
	return s + notice
}

func (m *Model) helpLine() string {
	return strings.Join(helpEntries(append(m.stepBindings(), keyQuit)), " · ")
}

// helpView is the help line, wrapped between keys, never inside one.
func (m *Model) helpView(w int) string {
	return m.helpOf(helpEntries(append(m.stepBindings(), keyQuit)), w)
}

// helpOf lays out help entries in lines of w columns.
func (m *Model) helpOf(entries []string, w int) string {
	var out []string
	line := ""
	for _, k := range entries {
		switch {
		case line == "":
			line = k
		case lipgloss.Width(line+" · "+k) <= w:
			line += " · " + k
		default:
			out, line = append(out, truncate(line, w)), k
		}
	}
	return lines(m.st.dim, strings.Join(append(out, truncate(line, w)), "\n"))
}

// stepActions are the keys the current step has now.
func (m *Model) stepActions() []keyAction {
	switch m.step {
	case StepConnectors:
		return m.connectorsActions()
	case StepChoose:
		return m.chooseActions()
	case StepConsent:
		return m.consentActions()
	case StepTenant:
		return m.tenantActions()
	case StepDetails:
		return m.detailsActions()
	case StepTest:
		if m.doctor.shown() {
			return m.doctorActions()
		}
		return m.testActions()
	}
	return m.summaryActions()
}

// stepBindings are the current step's keys, for the help line.
func (m *Model) stepBindings() []key.Binding { return bindings(m.stepActions()) }
