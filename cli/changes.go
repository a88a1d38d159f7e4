package cli

import (
	"fmt"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
)

// printChanges tells the user what differs from the connector's last test.
func (a *app) printChanges(changes []connector.Change) {
	w := a.colorWriter(a.out)
	for _, ch := range changes {
		fmt.Fprintf(w, "%s %s\n", warnStyle.Render("Changed since the last test:"), safeMessage(ch.Message))
	}
}

// consentLinkFor returns, for a connector, the consent link of one tenant.
func (a *app) consentLinkFor(c store.Connector) func(string) string {
	cloud, err := a.connectorCloud(c)
	redirect, rerr := a.redirectURI("")
	return func(tenant string) string {
		if err != nil || rerr != nil {
			return "mdeconnect consent-url --tenant " + tenant
		}
		return defender.ConsentURL(cloud, tenant, c.ClientID, redirect, "")
	}
}
