package defender

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Cloud is a Microsoft cloud: where to sign in, which APIs to call, and the
// token scopes for them. Scopes are identifiers, not addresses, so they stay
// the same when a base URL is overridden (proxies, sovereign setups, tests).
type Cloud struct {
	Name          string `json:"name"`
	LoginURL      string `json:"login_url"`
	APIURL        string `json:"api_url"`
	DefenderScope string `json:"defender_scope"`
	GraphURL      string `json:"graph_url"`
	GraphScope    string `json:"graph_scope"`
	// PortalTenantURL shows the tenant's overview with its Tenant ID.
	PortalTenantURL string `json:"portal_tenant_url"`
}

const entraTenantOverview = "/#view/Microsoft_AAD_IAM/TenantOverview.ReactView"

var clouds = []Cloud{
	{
		Name: "global", LoginURL: "https://login.microsoftonline.com",
		APIURL: "https://api.security.microsoft.com", DefenderScope: "https://api.securitycenter.microsoft.com/.default",
		GraphURL: "https://graph.microsoft.com", GraphScope: "https://graph.microsoft.com/.default",
		PortalTenantURL: "https://entra.microsoft.com" + entraTenantOverview,
	},
	{
		Name: "gcc", LoginURL: "https://login.microsoftonline.com",
		APIURL: "https://api-gcc.securitycenter.microsoft.us", DefenderScope: "https://api-gcc.securitycenter.microsoft.us/.default",
		GraphURL: "https://graph.microsoft.com", GraphScope: "https://graph.microsoft.com/.default",
		PortalTenantURL: "https://entra.microsoft.com" + entraTenantOverview,
	},
	{
		Name: "gcc-high", LoginURL: "https://login.microsoftonline.us",
		APIURL: "https://api-gov.securitycenter.microsoft.us", DefenderScope: "https://api-gov.securitycenter.microsoft.us/.default",
		GraphURL: "https://graph.microsoft.us", GraphScope: "https://graph.microsoft.us/.default",
		PortalTenantURL: "https://portal.azure.us/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/Overview",
	},
	{
		Name: "dod", LoginURL: "https://login.microsoftonline.us",
		APIURL: "https://api-gov.securitycenter.microsoft.us", DefenderScope: "https://api-gov.securitycenter.microsoft.us/.default",
		GraphURL: "https://dod-graph.microsoft.us", GraphScope: "https://dod-graph.microsoft.us/.default",
		PortalTenantURL: "https://portal.azure.us/#view/Microsoft_AAD_IAM/ActiveDirectoryMenuBlade/~/Overview",
	},
}

// CloudNames lists the cloud presets --cloud accepts.
func CloudNames() []string {
	names := make([]string, len(clouds))
	for i, c := range clouds {
		names[i] = c.Name
	}
	return names
}

// LookupCloud returns the preset called name ("" means global).
func LookupCloud(name string) (Cloud, error) {
	if name == "" {
		name = "global"
	}
	i := slices.IndexFunc(clouds, func(c Cloud) bool { return strings.EqualFold(c.Name, name) })
	if i < 0 {
		return Cloud{}, fmt.Errorf("unknown cloud %q: choose one of %s", name, strings.Join(CloudNames(), ", "))
	}
	return clouds[i], nil
}

// Env names of the base URL overrides.
const (
	EnvLoginURL = "MDECONNECT_LOGIN_URL"
	EnvAPIURL   = "MDECONNECT_API_URL"
	EnvGraphURL = "MDECONNECT_GRAPH_URL"
)

// Overrides replaces base URLs that are set (non-empty) and checks they are
// absolute http(s) URLs.
func (c Cloud) Overrides(login, api, graph string) (Cloud, error) {
	for _, o := range []struct {
		name, value string
		field       *string
	}{{"login", login, &c.LoginURL}, {"API", api, &c.APIURL}, {"Graph", graph, &c.GraphURL}} {
		if o.value == "" {
			continue
		}
		u, err := url.Parse(o.value)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return c, fmt.Errorf("the %s URL %q is not an absolute http(s) URL: set it like https://host[:port]", o.name, o.value)
		}
		*o.field = strings.TrimRight(o.value, "/")
	}
	return c, nil
}

// FromEnv applies the MDECONNECT_*_URL overrides found through getenv.
func (c Cloud) FromEnv(getenv func(string) string) (Cloud, error) {
	return c.Overrides(getenv(EnvLoginURL), getenv(EnvAPIURL), getenv(EnvGraphURL))
}

// IsMicrosoftLogin reports whether the login host is one of Microsoft's, where
// MSAL's instance discovery is meaningful.
func (c Cloud) IsMicrosoftLogin() bool {
	u, err := url.Parse(c.LoginURL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return u.Scheme == "https" && (strings.HasSuffix(h, ".microsoftonline.com") || strings.HasSuffix(h, ".microsoftonline.us"))
}

// TenantOverviewURL is the portal page that shows the Tenant ID.
func (c Cloud) TenantOverviewURL() string { return c.PortalTenantURL }
