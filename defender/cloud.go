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

// Overrides replaces base URLs that are set (non-empty). The API and Graph
// URLs must be absolute http(s) URLs; the login URL must be an https origin
// (see checkLoginURL). A refused value is an *OverrideError.
func (c Cloud) Overrides(login, api, graph string) (Cloud, error) {
	return c.overrides([3]string{"the login URL", "the API URL", "the Graph URL"}, login, api, graph)
}

// FromEnv applies the MDECONNECT_*_URL overrides found through getenv.
func (c Cloud) FromEnv(getenv func(string) string) (Cloud, error) {
	return c.overrides([3]string{EnvLoginURL, EnvAPIURL, EnvGraphURL}, getenv(EnvLoginURL), getenv(EnvAPIURL), getenv(EnvGraphURL))
}

func (c Cloud) overrides(names [3]string, login, api, graph string) (Cloud, error) {
	if login != "" {
		if err := checkLoginURL(names[0], login); err != nil {
			return c, err
		}
		c.LoginURL = strings.TrimRight(login, "/")
	}
	for i, o := range []struct {
		value string
		field *string
	}{{api, &c.APIURL}, {graph, &c.GraphURL}} {
		if o.value == "" {
			continue
		}
		u, err := url.Parse(o.value)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return c, &OverrideError{Setting: names[i+1], Value: o.value,
				Why: "it is not an absolute http(s) URL", Fix: "set it like https://host[:port]"}
		}
		*o.field = strings.TrimRight(o.value, "/")
	}
	return c, nil
}

// checkLoginURL accepts an https origin only. MSAL Go refuses an authority
// whose scheme is not https ("authority url scheme must be https"), and it
// reads the tenant from the first path segment and rebuilds the authority
// as https://host/{tenant} for every tenant: a path would be lost.
func checkLoginURL(name, value string) error {
	refuse := func(why string) error {
		return &OverrideError{Setting: name, Value: value, Why: why,
			Fix: "set it to the sign-in server's origin alone, like https://login.example.com or https://127.0.0.1:8443"}
	}
	u, err := url.Parse(value)
	switch {
	case err != nil || u.Host == "":
		return refuse("it is not an absolute URL")
	case u.Scheme != "https":
		return refuse("Microsoft's sign-in library (MSAL) accepts only https")
	case u.User != nil:
		return refuse("it carries a user name or password")
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(value, "?") || strings.HasSuffix(value, "#"):
		return refuse("it has a path, query or fragment, which MSAL drops when it signs in to each tenant")
	}
	return nil
}

// OverrideError is a base URL override mdeconnect refuses: what was set, why
// it cannot be used, and what to set instead.
type OverrideError struct {
	// Setting names the override (an environment variable, or "the login URL").
	Setting string
	Value   string
	Why     string
	Fix     string
}

func (e *OverrideError) Error() string {
	return fmt.Sprintf("%s %q cannot be used: %s; %s", e.Setting, clip(e.Value, 80), e.Why, e.Fix)
}

// usGovApp lists the presets in which Paratira's app is a separate
// registration with its own client ID. Microsoft, "National clouds"
// (authentication-national-cloud): apps are registered separately in each
// national cloud, and Azure Government (GCC High, DoD) signs in at
// login.microsoftonline.us; GCC uses the global sign-in and app.
func usGovApp(name string) bool { return name == "gcc-high" || name == "dod" }

// CheckClientID refuses Paratira's global client ID for a cloud where that
// app does not exist: Entra ID could only answer AADSTS700016, which no
// consent fixes. It returns a *ClientIDError, or nil.
func (c Cloud) CheckClientID(clientID string) error {
	if usGovApp(c.Name) && strings.EqualFold(strings.TrimSpace(clientID), ParatiraClientID) {
		return &ClientIDError{Cloud: c.Name, ClientID: ParatiraClientID}
	}
	return nil
}

// ClientIDError is Paratira's global client ID given for a US Government
// cloud, where Paratira's app has its own client ID.
type ClientIDError struct {
	Cloud    string
	ClientID string
}

func (e *ClientIDError) Error() string {
	return fmt.Sprintf("the %s cloud needs Paratira's US Government app, which has its own client ID: %s is Paratira's app in the global cloud, "+
		"and Microsoft registers apps separately in each national cloud, so it does not exist in %s. "+
		"Ask Paratira support for the US Government client ID and pass it with the client ID option", e.Cloud, e.ClientID, e.Cloud)
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
