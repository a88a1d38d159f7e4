package cli

import (
	"github.com/paratira/mdeconnect/wizard"
	"github.com/spf13/cobra"
)

// runEditWizard opens a saved connector in the wizard, at its details: the
// interactive `mdeconnect edit NAME` (no flags, on a terminal). Saving
// updates it in place; a rotated secret replaces the old one.
func (a *app) runEditWizard(cmd *cobra.Command, name string) error {
	st, c, err := a.loadConnector(name)
	if err != nil {
		return err
	}
	secret, err := st.Secret(c.Name)
	if err != nil {
		return storeError(err)
	}
	cloud, err := a.connectorCloud(c)
	if err != nil {
		return err
	}
	o := &wizardOptions{}
	redirect, err := a.redirectURI("")
	if err != nil {
		return err
	}
	wo := wizard.Options{RedirectURI: redirect, HTTPClient: a.httpClient, Cloud: cloud, CloudName: c.Cloud, Store: st,
		Hyperlinks: hyperlinksSupported(a.getenv), Browser: wizard.SystemBrowser{Getenv: a.getenv},
		NewEngine: a.wizardEngine(o.engineFlags), WriteReport: a.wizardReport(cloud), Edit: &c, EditSecret: secret}
	if a.accessible(o) {
		res, err := wizard.RunAccessible(cmd.Context(), wo, a.in, a.colorWriter(a.errOut))
		return a.wizardDone(res, wo, err)
	}
	res, err := wizard.Run(cmd.Context(), wo, wizard.RunOptions{In: a.in, Out: a.tuiOut(), Profile: a.profile()})
	return a.wizardDone(res, wo, err)
}
