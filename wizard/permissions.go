package wizard

import "strings"

// The APIs Paratira's app reads, as the consent page names them.
const (
	apiDefender = "Defender for Endpoint API"
	apiGraph    = "Microsoft Graph"
)

// permission is one application permission the consent asks for, the API
// that serves it and what mdeconnect reads with it.
type permission struct {
	api, name, use string
}

// permissions are the read-only application permissions Paratira's app
// requests (the setup guide's list; the checks that read with each in
// defender/checks.go). TestPermissionsAreTheEngines keeps this list to the
// engine's: defender.MissingRoles of a tenant without tokens names them all.
var permissions = []permission{
	{apiDefender, "Machine.Read.All", "devices, sensor health, antivirus updates"},
	{apiDefender, "Score.Read.All", "exposure score"},
	{apiDefender, "SecurityRecommendation.Read.All", "security recommendations"},
	{apiGraph, "ServiceHealth.Read.All", "Defender XDR service health"},
}

// permissionsByAPI lists the permissions one line per API, in list order:
// "Defender for Endpoint API: Machine.Read.All, Score.Read.All, ...".
func permissionsByAPI(withUse bool) []string {
	var apis []string
	names := map[string][]string{}
	for _, p := range permissions {
		if _, ok := names[p.api]; !ok {
			apis = append(apis, p.api)
		}
		n := p.name
		if withUse {
			n += " (" + p.use + ")"
		}
		names[p.api] = append(names[p.api], n)
	}
	out := make([]string, len(apis))
	for i, a := range apis {
		out[i] = a + ": " + strings.Join(names[a], ", ")
	}
	return out
}
