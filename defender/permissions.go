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
	{ResourceDefender, "Machine.Read.All", []string{"Machine.Read.All", "Machine.ReadWrite.All"}},
	{ResourceDefender, "Score.Read.All", []string{"Score.Read.All"}},
	{ResourceDefender, "SecurityRecommendation.Read.All", []string{"SecurityRecommendation.Read.All"}},
	{ResourceGraph, "ServiceHealth.Read.All", []string{"ServiceHealth.Read.All"}},
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
	for res, tok := range map[string]*Token{ResourceDefender: r.defender, ResourceGraph: r.graph} {
		if tok != nil {
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
	case len(all) == 0:
		return outcome{status: Fail, problem: problem.InsufficientPermissions,
			message: "the token carries no roles: admin consent was not granted for the API permissions, or was granted minutes ago and has not propagated yet"}
	case len(missing) > 0:
		return outcome{status: Fail, problem: problem.InsufficientPermissions,
			message: fmt.Sprintf("missing %s (granted: %s)", strings.Join(missing, ", "), strings.Join(sorted(all), ", "))}
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

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
