package defendertest

import (
	"errors"
	"regexp"
	"strings"
	"time"
)

// The $filter clauses the fake understands, exactly as the documentation
// spells them; any other clause is a 400, so a client that drifts from the
// documented syntax fails its tests. Clauses join with " and ".

// filter is a parsed $filter: what each known clause asked for.
type filter struct {
	activity   string    // activityDisplayName eq '...'
	targetID   string    // targetResources/any(t: t/id eq '...')
	targetName string    // targetResources/any(t: t/displayName eq '...')
	since      time.Time // activityDateTime ge / createdDateTime ge
	appID      string    // appId eq '...'
	eventType  string    // signInEventTypes/any(t: t eq '...')
}

// literal is an OData string literal: quotes inside are doubled.
const literal = `'((?:[^']|'')*)'`

type clause struct {
	re  *regexp.Regexp
	set func(f *filter, m []string) error
}

func str(m []string, i int) string { return strings.ReplaceAll(m[i], "''", "'") }

func since(f *filter, m []string) error {
	t, err := time.Parse(time.RFC3339, m[1])
	f.since = t
	return err
}

// auditClauses are "List directoryAudits" filters: activityDisplayName
// (eq), targetResources id and displayName (eq, in a lambda), and
// activityDateTime (ge), per the directoryAudit resource's "Supports
// $filter" notes.
var auditClauses = []clause{
	{regexp.MustCompile(`^activityDisplayName eq ` + literal + `$`), func(f *filter, m []string) error { f.activity = str(m, 1); return nil }},
	{regexp.MustCompile(`^targetResources/any\((\w+):\s*(\w+)/id eq ` + literal + `\)$`), func(f *filter, m []string) error {
		if m[1] != m[2] {
			return errors.New("lambda variable")
		}
		f.targetID = str(m, 3)
		return nil
	}},
	{regexp.MustCompile(`^targetResources/any\((\w+):\s*(\w+)/displayName eq ` + literal + `\)$`), func(f *filter, m []string) error {
		if m[1] != m[2] {
			return errors.New("lambda variable")
		}
		f.targetName = str(m, 3)
		return nil
	}},
	{regexp.MustCompile(`^activityDateTime ge (\S+)$`), since},
}

// signInClauses are the beta "List signIns" filters doctor sends: appId
// (eq), the event type lambda Microsoft's service principal examples use,
// and createdDateTime (ge).
var signInClauses = []clause{
	{regexp.MustCompile(`^appId eq ` + literal + `$`), func(f *filter, m []string) error { f.appID = str(m, 1); return nil }},
	{regexp.MustCompile(`^signInEventTypes/any\((\w+):\s*(\w+) eq ` + literal + `\)$`), func(f *filter, m []string) error {
		if m[1] != m[2] {
			return errors.New("lambda variable")
		}
		f.eventType = str(m, 3)
		return nil
	}},
	{regexp.MustCompile(`^createdDateTime ge (\S+)$`), since},
}

var andRE = regexp.MustCompile(`\s+and\s+`)

// parseFilter reads a $filter made of known clauses; "" is no filter.
func parseFilter(raw string, known []clause) (filter, error) {
	var f filter
	if strings.TrimSpace(raw) == "" {
		return f, nil
	}
	for _, part := range andRE.Split(strings.TrimSpace(raw), -1) {
		matched := false
		for _, c := range known {
			if m := c.re.FindStringSubmatch(part); m != nil {
				if err := c.set(&f, m); err != nil {
					return f, err
				}
				matched = true
				break
			}
		}
		if !matched {
			return f, errors.New("unknown clause " + part)
		}
	}
	return f, nil
}

// matchAudit reports whether an audit entry passes the filter.
func (f filter) matchAudit(e map[string]any, a audit) bool {
	target := e["targetResources"].([]map[string]any)[0]
	switch {
	case f.activity != "" && f.activity != a.activity:
		return false
	case f.targetID != "" && !strings.EqualFold(f.targetID, target["id"].(string)):
		return false
	case f.targetName != "" && f.targetName != target["displayName"].(string):
		return false
	case !f.since.IsZero() && a.at.Before(f.since):
		return false
	}
	return true
}
