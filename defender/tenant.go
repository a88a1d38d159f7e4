package defender

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var (
	guidRE = regexp.MustCompile(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// guidInText finds a GUID inside a pasted portal URL or sentence.
	guidInText = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	// labelRE is one DNS label: letters, digits, hyphens, not at either end.
	labelRE = regexp.MustCompile(`(?i)^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// IsGUID reports whether s is a GUID in its canonical 8-4-4-4-12 form.
func IsGUID(s string) bool { return guidRE.MatchString(s) }

// ParseTenant turns what a user typed or pasted into a tenant identifier: a
// lower-case GUID or a lower-case domain. It trims what pasting brings
// (spaces, quotes, braces, a trailing slash) and finds the GUID in a pasted
// portal URL. Anything else is refused here, because MSAL would put it on the
// wire unchecked.
func ParseTenant(input string) (string, error) {
	s := trimPasted(input)
	if s == "" {
		return "", fmt.Errorf("the tenant is empty: enter the Tenant ID (a GUID from Entra ID > Overview) or a domain such as contoso.com")
	}
	if IsGUID(s) {
		return strings.ToLower(s), nil
	}
	if strings.Contains(s, "://") || strings.ContainsAny(s, "#?") {
		return tenantFromURL(input, s)
	}
	if d, ok := asDomain(s); ok {
		return d, nil
	}
	return "", fmt.Errorf("%q is not a tenant ID or domain: a tenant ID looks like 72f988bf-86f1-41af-91ab-2d7cd011db47 and a domain like contoso.com or contoso.onmicrosoft.com", clip(input, 80))
}

func trimPasted(s string) string {
	s = strings.TrimSpace(s)
	for {
		t := strings.TrimSpace(strings.Trim(s, "\"'`{}<>[]()"))
		t = strings.TrimSpace(strings.TrimRight(t, "/"))
		if t == s {
			return s
		}
		s = t
	}
}

func tenantFromURL(input, s string) (string, error) {
	if m := guidInText.FindAllString(s, -1); len(m) > 0 {
		first := strings.ToLower(m[0])
		for _, g := range m[1:] {
			if !strings.EqualFold(g, first) {
				return "", fmt.Errorf("the pasted text holds more than one GUID (%s, %s): paste the Tenant ID alone", first, strings.ToLower(g))
			}
		}
		return first, nil
	}
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		return "", fmt.Errorf("the pasted URL %q holds no Tenant ID: copy the Tenant ID from Entra ID > Overview > Properties", clip(input, 80))
	}
	return "", fmt.Errorf("%q is not a tenant ID or domain", clip(input, 80))
}

// asDomain accepts a DNS name of at least two labels with an alphabetic TLD.
func asDomain(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	if len(s) > 253 || !strings.Contains(s, ".") {
		return "", false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if !labelRE.MatchString(l) {
			return "", false
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || strings.Trim(tld, "abcdefghijklmnopqrstuvwxyz") != "" {
		return "", false
	}
	return s, true
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
