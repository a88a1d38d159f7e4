package defender

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paratira/mdeconnect/defender/problem"
)

// requiredRole is an application permission Paratira needs, and the roles
// that satisfy it (a broader role also grants the read).
type requiredRole struct {
	resource string
	name     string
	accepts  []string
}

var requiredRoles = []requiredRole{
	// "List machines API" accepts Machine.Read.All or Machine.ReadWrite.All,
	// but "Export device antivirus health report" documents Machine.Read.All
	// as its only application permission: the write role does not stand in.
	{ResourceDefender, "Machine.Read.All", []string{"Machine.Read.All"}},
	{ResourceDefender, "Score.Read.All", []string{"Score.Read.All"}},
	{ResourceDefender, "SecurityRecommendation.Read.All", []string{"SecurityRecommendation.Read.All"}},
	{ResourceGraph, "ServiceHealth.Read.All", []string{"ServiceHealth.Read.All"}},
}

// RequiredRoles lists the application permissions Paratira needs, Defender's
// first, then Microsoft Graph's.
func RequiredRoles() []string {
	out := make([]string, len(requiredRoles))
	for i, r := range requiredRoles {
		out[i] = r.name
	}
	return out
}

// writeWords mark a role that grants more than reading.
var writeWords = []string{"ReadWrite", "Write", "Isolate", "Scan", "Manage", "Offboard", "Quarantine",
	"RestrictExecution", "CollectForensics", "LiveResponse", "Ti.ReadWrite"}

// ExcessRoles returns the granted roles that go beyond read-only access.
func ExcessRoles(roles []string) []string {
	var out []string
	for _, r := range roles {
		for _, w := range writeWords {
			if strings.Contains(r, w) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// checkPermissions compares the tokens' roles with what Paratira needs.
func checkPermissions(r *tenantRun) outcome {
	granted := map[string][]string{}
	var unreadable []string
	for _, res := range []string{ResourceDefender, ResourceGraph} {
		switch tok := r.token(res); {
		case tok == nil:
		case tok.Opaque:
			unreadable = append(unreadable, resourceName(res))
		default:
			granted[res] = tok.Claims.Roles
		}
	}
	var missing, have []string
	for _, req := range requiredRoles {
		roles, ok := granted[req.resource]
		if !ok {
			continue
		}
		if slices.ContainsFunc(req.accepts, func(a string) bool { return slices.Contains(roles, a) }) {
			have = append(have, req.name)
		} else {
			missing = append(missing, req.name)
		}
	}
	all := append(slices.Clone(granted[ResourceDefender]), granted[ResourceGraph]...)
	switch {
	case len(all) == 0 && len(unreadable) == 0:
		return outcome{status: Fail, problem: problem.InsufficientPermissions,
			message: "the token carries no roles: admin consent was not granted for the API permissions, or was granted minutes ago and has not propagated yet"}
	case len(missing) > 0:
		return outcome{status: Fail, problem: problem.InsufficientPermissions, message: missingMessage(missing, all, granted)}
	case len(unreadable) > 0:
		// Roles unknown is not a failure: the data checks show what is granted.
		return warn(problem.ServiceError, "the roles could not be read: Entra ID issued a %s token mdeconnect cannot decode "+
			"(Microsoft may change the format of tokens for its own APIs, or encrypt them); the data checks show what is granted", strings.Join(unreadable, " and "))
	}
	if extra := ExcessRoles(all); len(extra) > 0 {
		return warn(problem.ExcessPermissions, "all %d required roles granted, and more than read-only: %s", len(have), strings.Join(sorted(extra), ", "))
	}
	msg := fmt.Sprintf("all %d required roles granted: %s", len(have), strings.Join(have, ", "))
	if r.graph == nil {
		msg += " (Graph roles unknown: no Graph token)"
	}
	return pass("%s", msg)
}

// missingMessage says which roles are missing. When the Defender token holds
// every Defender role and only the Graph one is missing, the likely cause is
// the approver's role: Cloud Application and Application Administrators can
// grant the Defender permissions but not Microsoft Graph app roles
// ("Grant tenant-wide admin consent to an application", Prerequisites).
func missingMessage(missing, all []string, granted map[string][]string) string {
	msg := fmt.Sprintf("missing %s (granted: %s)", strings.Join(missing, ", "), strings.Join(sorted(all), ", "))
	if len(all) == 0 {
		msg = fmt.Sprintf("missing %s (no roles granted)", strings.Join(missing, ", "))
	}
	_, defenderKnown := granted[ResourceDefender]
	graphOnly := defenderKnown && !slices.ContainsFunc(missing, func(name string) bool {
		return slices.ContainsFunc(requiredRoles, func(req requiredRole) bool { return req.name == name && req.resource != ResourceGraph })
	})
	if graphOnly {
		msg += ". Every Defender permission is granted, so the likely cause is that consent was given by a Cloud Application Administrator or " +
			"Application Administrator, who cannot grant Microsoft Graph app roles: a Global Administrator or Privileged Role Administrator must grant consent again " +
			"(or, minutes after a consent, the Graph role has not propagated yet)"
	}
	return msg
}

func resourceName(res string) string {
	if res == ResourceGraph {
		return "Microsoft Graph"
	}
	return "Defender API"
}

// token is the tenant's current token for resource, nil without one.
func (r *tenantRun) token(res string) *Token {
	r.mu.Lock()
	defer r.mu.Unlock()
	if res == ResourceGraph {
		return r.graph
	}
	return r.defender
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
