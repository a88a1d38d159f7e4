package cli

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
	"github.com/spf13/cobra"
)

// EnvRedirectURI overrides where the consent result comes back to.
const EnvRedirectURI = "MDECONNECT_REDIRECT_URI"

type consentURLOptions struct {
	tenant      string
	clientID    string
	redirectURI string
	cloud       string
	jsonOut     bool
	state       string
}

func newConsentURLCmd(a *app) *cobra.Command {
	o := &consentURLOptions{}
	cmd := &cobra.Command{
		Use:   "consent-url",
		Short: "Print the admin consent link to send to a customer's admin",
		Long: "Print the link that grants Paratira's multi-tenant app read-only access to a tenant.\n" +
			"Whoever opens it must be a Global Administrator, Cloud Application Administrator or\n" +
			"Application Administrator of that tenant. Without --tenant the link works for the\n" +
			"admin's own tenant, whichever it is.",
		Example: "  mdeconnect consent-url --tenant contoso.com",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.runConsentURL(o) },
	}
	cmd.Flags().StringVar(&o.tenant, "tenant", "", "tenant ID or domain (default: the admin's own tenant)")
	cmd.Flags().StringVar(&o.clientID, "client-id", defender.ParatiraClientID, "Paratira's application (client) ID")
	cmd.Flags().StringVar(&o.redirectURI, "redirect-uri", "", "where consent returns; must be registered on the app (default "+defender.DefaultRedirectURI+")")
	cmd.Flags().StringVar(&o.cloud, "cloud", "global", "Microsoft cloud: global, gcc, gcc-high or dod")
	cmd.Flags().BoolVar(&o.jsonOut, "json", false, "print JSON on stdout")
	cmd.Flags().StringVar(&o.state, "state", "", "state value to send and expect back (default: random)")
	return cmd
}

// redirectURI picks the flag, then the environment, then the default, and checks it.
func (a *app) redirectURI(flag string) (string, error) {
	uri := flag
	if uri == "" {
		uri = a.getenv(EnvRedirectURI)
	}
	if uri == "" {
		uri = defender.DefaultRedirectURI
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usagef("the redirect URI %q is not an absolute http(s) URL: use the one registered on Paratira's app, e.g. %s", uri, defender.DefaultRedirectURI)
	}
	return uri, nil
}

func (a *app) runConsentURL(o *consentURLOptions) error {
	cloud, err := a.resolveCloud(o.cloud)
	if err != nil {
		return err
	}
	tenant := ""
	if o.tenant != "" {
		if tenant, err = defender.ParseTenant(o.tenant); err != nil {
			return usagef("--tenant: %v", err)
		}
	}
	if err := connector.CheckClientID(o.clientID); err != nil {
		return flagRuleError(err)
	}
	if err := checkClientID(cloud, o.clientID); err != nil {
		return err
	}
	redirect, err := a.redirectURI(o.redirectURI)
	if err != nil {
		return err
	}
	state := o.state
	if state == "" {
		state = defender.NewState()
	}
	link := defender.ConsentURL(cloud, tenant, o.clientID, redirect, state)
	if o.jsonOut {
		return json.NewEncoder(a.out).Encode(map[string]string{"url": link, "tenant": tenant, "client_id": o.clientID, "redirect_uri": redirect, "state": state})
	}
	fmt.Fprintln(a.out, link)
	if a.stderrIsTerminal() {
		fmt.Fprintln(a.errOut, "Send this link to a Global Administrator or Privileged Role Administrator of the tenant. All permissions it grants are read-only.\n"+problem.ApproverRoles)
	}
	return nil
}
