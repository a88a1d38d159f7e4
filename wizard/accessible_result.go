package wizard

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"charm.land/huh/v2"
	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

func (p *plain) test() error {
	m := p.m
	d := m.draft
	p.heading(StepTest)
	for {
		var mu sync.Mutex
		eng, err := m.engineFor(d.Secret, func(ev defender.Event) {
			switch {
			case ev.Kind == defender.CheckFinished && ev.Result != nil:
				mu.Lock()
				defer mu.Unlock()
				p.say("%s %s, %s: %s", ev.TenantID, ev.Check.Title(), ev.Result.Status, m.checkText(*ev.Result))
			case ev.Kind == defender.Retrying:
				// Said once, as the wait begins: a long pause is not silence.
				mu.Lock()
				defer mu.Unlock()
				p.say("%s %s: %s", ev.TenantID, ev.Check.Title(), retryText(retryWait{ev: ev, at: m.opts.Now()}, m.opts.Now()))
			}
		})()
		if err != nil {
			return err
		}
		res, err := eng.Validate(p.ctx, d.targets())
		if err != nil {
			return err
		}
		m.storeResult(res)
		m.test.draft, m.test.ran = m.testedOf(), true
		m.keepFailures()
		if res.OK {
			if warns := m.warnings(); len(warns) > 0 {
				p.say("No check failed, with %d warning(s): %s.", len(warns), strings.Join(warns, "; "))
			} else {
				p.say("Every check passed.")
			}
			return nil
		}
		p.remedies(res)
		p.writeReport(res)
		again, err := p.chooseFix()
		if err != nil || !again {
			return err
		}
		d = m.draft
	}
}

// chooseFix offers the fixes of the failed checks by number, then testing
// again and saving anyway; again is false to save with the failures.
func (p *plain) chooseFix() (again bool, err error) {
	m := p.m
	fixes := m.fixes()
	opts := make([]huh.Option[int], 0, len(fixes)+2)
	for i, f := range fixes {
		opts = append(opts, huh.NewOption(f.label+", then test again", i))
	}
	const retry, save, look = -1, -2, -3
	if m.canLookCloser() {
		opts = append(opts, huh.NewOption(lookCloserLabel, look))
	}
	opts = append(opts, huh.NewOption("Test again as it is", retry), huh.NewOption("Save anyway (the failures are recorded)", save))
	for {
		choice := retry
		if len(fixes) > 0 {
			choice = 0
		}
		if err := p.ask(huh.NewSelect[int]().Title("Some checks failed: what next?").Options(opts...).Value(&choice)); err != nil {
			return false, err
		}
		switch choice {
		case save:
			return false, nil
		case retry:
			return true, nil
		case look:
			// The test's results stay: the same choice comes back.
			if err := p.lookCloser(); err != nil {
				return false, err
			}
			continue
		}
		return true, p.applyFix(fixes[choice])
	}
}

// applyFix asks again for what the fix is about.
func (p *plain) applyFix(f fix) error {
	m := p.m
	switch f.kind {
	case fixSecret:
		p.heading(StepDetails)
		m.draft.Secret = ""
		return p.askSecret()
	case fixConsent:
		return p.consent()
	case fixCloud:
		cloud, err := m.opts.CloudFor(f.cloud)
		if err != nil {
			p.say("Cannot test in the %s cloud: %v", f.cloud, err)
			return nil
		}
		m.opts.Cloud, m.opts.CloudName = cloud, f.cloud
		p.say("Now in the %s cloud.", f.cloud)
		if err := connector.CheckCloudClientID(f.cloud, m.draft.ClientID); err != nil {
			// No default: enter must not keep the app that cannot exist here.
			p.say("%v", err)
			id, err := p.input("Client ID for "+f.cloud, "", func(s string) error {
				if err := connector.CheckClientID(s); err != nil {
					return err
				}
				return connector.CheckCloudClientID(f.cloud, s)
			})
			if err != nil {
				return err
			}
			m.draft.ClientID = strings.TrimSpace(id)
		}
		return nil
	case fixTenant:
		if m.draft.Mode == store.OneToOne {
			prev := m.draft.Tenant
			if err := p.tenant(); err != nil {
				return err
			}
			m.retarget(prev, m.draft.Tenant)
			return nil
		}
		return p.fixMapping(f)
	}
	return nil
}

// fixMapping asks for the right tenant of a One to Many mapping.
func (p *plain) fixMapping(f fix) error {
	m := p.m
	if f.row >= len(m.draft.Mappings) {
		return nil
	}
	old := m.draft.Mappings[f.row]
	for {
		tenant, err := p.input("Tenant ID or domain for customer "+old.CustomerName, "", validTenant)
		if err != nil {
			return err
		}
		mp, err := m.parseMapping(tenant, old.CustomerName)
		if err == nil {
			next := slices.Clone(m.draft.Mappings)
			next[f.row] = mp
			if err = connector.CheckDuplicates(next); err == nil {
				m.draft.Mappings = next
				return nil
			}
		}
		p.say("%v", err)
	}
}

// writeReport writes the failed test's support report and says where.
func (p *plain) writeReport(res defender.Result) {
	m := p.m
	cmd := m.writeReport(res)
	if cmd == nil {
		return
	}
	if msg, ok := cmd().(reportMsg); ok {
		m.onReport(msg)
		if msg.err != nil {
			p.say("The support report could not be written: %v", msg.err)
		} else {
			p.say("Support report (for Paratira support, redacted): %s", msg.path)
		}
	}
}

func (p *plain) remedies(res defender.Result) {
	for _, t := range res.Tenants {
		for _, c := range t.Checks {
			if rem := p.m.remedy(c, t.TenantID); c.Status == defender.Fail && rem != "" {
				p.say("%s, %s failed. %s", t.TenantID, c.ID.Title(), strings.ReplaceAll(rem, "choose ", "choose the fix "))
			}
		}
	}
}

func (p *plain) summary() error {
	m := p.m
	d := m.draft
	p.heading(StepSummary)
	p.say("Name: %s. Mapping: %s. Client ID: %s. Client secret: hidden, %d characters. Cloud: %s.", d.Name, m.modeName(), d.ClientID, len([]rune(d.Secret)), m.opts.CloudName)
	for _, mp := range d.Mappings {
		p.say("Tenant %s maps to customer %s.", mp.TenantID, mp.CustomerName)
	}
	ok := true
	if err := p.ask(huh.NewConfirm().Title("Finish and save the connector?").Value(&ok)); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("wizard: not saved: %w", context.Canceled)
	}
	if save := m.save(); save != nil {
		m.onSaved(save().(savedMsg))
	}
	if m.summary.err != nil {
		return m.summary.err
	}
	return nil
}
