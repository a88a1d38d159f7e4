package wizard

import (
	"context"
	"fmt"
	"sync"

	"charm.land/huh/v2"
	"github.com/paratira/mdeconnect/defender"
)

func (p *plain) test() error {
	m := p.m
	d := m.draft
	p.heading(StepTest)
	for {
		var mu sync.Mutex
		eng, err := m.engineFor(d.Secret, func(ev defender.Event) {
			if ev.Kind == defender.CheckFinished && ev.Result != nil {
				mu.Lock()
				defer mu.Unlock()
				p.say("%s %s, %s: %s", ev.TenantID, ev.Check.Title(), ev.Result.Status, m.checkText(*ev.Result))
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
		if res.OK {
			p.say("Every check passed or warned.")
			return nil
		}
		p.remedies(res)
		choice := "retry"
		if err := p.ask(huh.NewSelect[string]().Title("Some checks failed").Options(
			huh.NewOption("Test again", "retry"), huh.NewOption("Save anyway (the failures are recorded)", "save")).Value(&choice)); err != nil {
			return err
		}
		if choice == "save" {
			return nil
		}
	}
}

func (p *plain) remedies(res defender.Result) {
	for _, t := range res.Tenants {
		for _, c := range t.Checks {
			if c.Status == defender.Fail && c.Remedy != "" {
				p.say("%s, %s failed. %s", t.TenantID, c.ID.Title(), c.Remedy)
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
