package defender

import "github.com/paratira/mdeconnect/internal/sanitize"

// The engine boundary: every string the engine hands out that a server wrote
// (an error description, a discovery field, a token claim, an API code) is
// made safe here, once, before a screen, a log or a report sees it: no
// control or escape characters, no bidi overrides, bounded in length.

// clean is one field from outside, as the engine hands it out.
func clean(s string) string { return sanitize.Line(s, sanitize.JSON) }

func (i TenantInfo) clean() TenantInfo {
	i.Input, i.TenantID, i.Issuer = clean(i.Input), clean(i.TenantID), clean(i.Issuer)
	i.RegionScope, i.RegionSubScope, i.CloudInstance = clean(i.RegionScope), clean(i.RegionSubScope), clean(i.CloudInstance)
	return i
}

// maxRoles bounds the roles a token may claim as the engine reports them;
// the required and excess roles are judged before this cut.
const maxRoles = 256

func (c Claims) clean() Claims {
	c.Audience, c.Issuer, c.TenantID, c.AppID = clean(c.Audience), clean(c.Issuer), clean(c.TenantID), clean(c.AppID)
	c.AppIDACR, c.Version, c.IDType, c.ObjectID = clean(c.AppIDACR), clean(c.Version), clean(c.IDType), clean(c.ObjectID)
	roles := make([]string, 0, min(len(c.Roles), maxRoles))
	for _, r := range c.Roles[:min(len(c.Roles), maxRoles)] {
		roles = append(roles, sanitize.Line(r, sanitize.Screen))
	}
	c.Roles = roles
	return c
}

func (d *Diagnostics) clean() *Diagnostics {
	if d == nil {
		return nil
	}
	out := *d
	out.URL, out.Error, out.ErrorDescription = clean(d.URL), clean(d.Error), clean(d.ErrorDescription)
	out.TraceID, out.CorrelationID, out.RequestID, out.APICode = clean(d.TraceID), clean(d.CorrelationID), clean(d.RequestID), clean(d.APICode)
	return &out
}
