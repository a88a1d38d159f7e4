package wizard

import (
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/connector"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// field is one focus stop of the details step.
type field int

const (
	fName field = iota
	fClientID
	fSecret
	fTenant
	fCustomer
	fCSV
	fTable
	fTest
)

// detailsState is step 5: name, client ID, secret, and the mappings.
type detailsState struct {
	ready                                bool
	name, clientID, secret, tenant, cust textinput.Model
	csv                                  textinput.Model
	focus                                field
	row, offset                          int
	err                                  error // the last refused action
	nameErr                              error // what is wrong with the name, as typed
	// pendingTenant is step 4's tenant, put in the tenant field on entry.
	pendingTenant string
	// editingRow is 1 + the mapping row being edited in the fields (0: a new
	// one), so enter puts it back in its place; removed is the last row
	// removed, for undo.
	editingRow int
	removed    *removedRow
}

func (d *detailsState) resize(width int) {
	if !d.ready {
		return
	}
	for _, in := range d.inputs() {
		in.SetWidth(max(width-len(in.Prompt)-4, 8))
	}
}

func (d *detailsState) inputs() []*textinput.Model {
	return []*textinput.Model{&d.name, &d.clientID, &d.secret, &d.tenant, &d.cust, &d.csv}
}

func (d *detailsState) input(f field) *textinput.Model {
	if f <= fCSV {
		return d.inputs()[f]
	}
	return nil
}

func newInput(prompt, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	return in
}

func (m *Model) initDetails() {
	d := &m.details
	d.name = newInput("Name:          ", connector.DefaultName)
	d.clientID = newInput("Client ID:     ", defender.ParatiraClientID)
	d.secret = newInput("Client secret: ", "the secret value a Paratira admin gave you")
	d.secret.EchoMode = textinput.EchoMode(huh.EchoModePassword)
	d.secret.EchoCharacter = '•'
	d.tenant = newInput("Tenant ID:     ", "GUID or domain")
	d.cust = newInput("Customer:      ", "the Paratira customer for this tenant")
	d.csv = newInput("Import CSV:    ", "path to a file of tenant,customer lines")
	d.name.SetValue(m.draft.Name)
	d.clientID.SetValue(m.draft.ClientID)
	d.secret.SetValue(m.draft.Secret)
	d.ready = true
	d.resize(m.width)
}

// seedTenant puts the tenant found in step 4 into the mapping being entered.
func (d *detailsState) seedTenant(info defender.TenantInfo, _ store.Mode) {
	d.pendingTenant = info.TenantID
}

func (m *Model) enterDetails() tea.Cmd {
	d := &m.details
	if !d.ready {
		m.initDetails()
	}
	if d.pendingTenant != "" && d.tenant.Value() == "" && !slices.ContainsFunc(m.draft.Mappings, func(mp store.Mapping) bool { return strings.EqualFold(mp.TenantID, d.pendingTenant) }) {
		d.tenant.SetValue(d.pendingTenant)
	}
	d.pendingTenant = ""
	d.err = nil
	m.syncDraft()
	d.nameErr = m.nameError(m.draft.Name)
	return m.focusField(fName)
}

// fields lists the focus stops, which depend on the mode and the mappings.
func (m *Model) fields() []field {
	f := []field{fName, fClientID, fSecret, fTenant, fCustomer}
	if m.draft.Mode == store.OneToMany {
		f = append(f, fCSV)
		if len(m.draft.Mappings) > 0 {
			f = append(f, fTable)
		}
	}
	return append(f, fTest)
}

func (m *Model) focusField(f field) tea.Cmd {
	d := &m.details
	m.syncDraft()
	for _, in := range d.inputs() {
		in.Blur()
	}
	d.focus = f
	if in := d.input(f); in != nil {
		return in.Focus()
	}
	return nil
}

// moveFocus steps through the focus stops, wrapping around.
func (m *Model) moveFocus(delta int) tea.Cmd {
	fs := m.fields()
	i := 0
	for j, f := range fs {
		if f == m.details.focus {
			i = j
		}
	}
	return m.focusField(fs[(i+delta+len(fs))%len(fs)])
}

// syncDraft copies the inputs into the draft, so nothing typed is lost.
func (m *Model) syncDraft() {
	d := &m.details
	if !d.ready {
		return
	}
	m.draft.Name = strings.TrimSpace(d.name.Value())
	m.draft.ClientID = strings.TrimSpace(d.clientID.Value())
	m.draft.Secret = strings.TrimSpace(d.secret.Value())
}

func (m *Model) updateDetails(msg tea.Msg) tea.Cmd {
	d := &m.details
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if cmd, done := m.detailsKey(k); done {
			return cmd
		}
	}
	in := d.input(d.focus)
	if in == nil {
		return nil
	}
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	m.syncDraft()
	if d.focus == fName {
		d.nameErr = m.nameError(m.draft.Name)
	}
	return cmd
}

// detailsKey handles the keys that move focus or act; done is false when the
// key is for the focused input.
func (m *Model) detailsKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	if cmd, done := press(k, m.detailsActions()); done {
		return cmd, true
	}
	// The table takes no typing: a key it does not know does nothing.
	return nil, m.details.focus == fTable
}

func (m *Model) detailsEnter() tea.Cmd {
	d := &m.details
	d.err = nil
	switch d.focus {
	case fClientID:
		if m.fixing != nil && m.fixing.kind == fixClientID {
			return m.toTest()
		}
	case fSecret:
		if m.fixing != nil && m.fixing.kind == fixSecret {
			return m.toTest()
		}
	case fCustomer:
		resolve, err := m.addMapping()
		if err != nil {
			d.err = err
			return nil
		}
		if m.fixing != nil && m.fixing.kind == fixTenant {
			return tea.Batch(resolve, m.toTest())
		}
		if m.draft.Mode == store.OneToOne {
			return tea.Batch(resolve, m.focusField(fTest))
		}
		return tea.Batch(resolve, m.focusField(fTenant))
	case fCSV:
		d.err = m.importCSV(d.csv.Value())
		return nil
	case fTable:
		return m.editRow()
	case fTest:
		return m.toTest()
	}
	return m.moveFocus(1)
}

// toTest checks every detail and moves to the test; a pending mapping that is
// fully typed is added first.
func (m *Model) toTest() tea.Cmd {
	d := &m.details
	m.syncDraft()
	if strings.TrimSpace(d.tenant.Value()) != "" && strings.TrimSpace(d.cust.Value()) != "" {
		if _, err := m.addMapping(); err != nil {
			d.err = err
			return nil
		}
	}
	if f, err := m.checkDetails(); err != nil {
		if f == fName {
			d.nameErr = err // shown under the field
		} else {
			d.err = err
		}
		return m.focusField(f)
	}
	return m.setStep(StepTest)
}

func (m *Model) checkDetails() (field, error) {
	d := connector.Draft{Name: m.draft.Name, ClientID: m.draft.ClientID, Secret: m.draft.Secret, Mode: m.draft.Mode, Cloud: m.opts.CloudName, Mappings: m.draft.Mappings}
	err := d.Check(m.nameTaken)
	fe, ok := connector.AsFieldError(err)
	if !ok {
		return 0, err
	}
	switch fe.Field {
	case connector.FieldName:
		return fName, err
	case connector.FieldClientID:
		return fClientID, err
	case connector.FieldSecret:
		return fSecret, err
	}
	return fTenant, err
}

// nameError says why a connector cannot take name: empty, or already used.
func (m *Model) nameError(name string) error { return connector.CheckName(name, m.nameTaken) }

func (m *Model) nameTaken(name string) bool {
	for _, c := range m.connectors.list {
		if m.editing != nil && strings.EqualFold(c.Name, m.editing.Name) {
			continue // its own name
		}
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}
