package cli

import (
	"strings"

	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// withRemedies adds to each failed or warned check's remedy, which is in the
// setup guide's words, how to do it from the command line, with real values:
// this tenant's consent link command, this connector's edit command, the
// cloud Entra ID reported. It changes res in place, so the text and the
// JSON say the same.
func (a *app) withRemedies(res *defender.Result, r checkRun) {
	for i := range res.Tenants {
		t := &res.Tenants[i]
		for j := range t.Checks {
			c := &t.Checks[j]
			if c.Remedy == "" {
				continue
			}
			if hint := a.cliHint(*c, tenantID(*t), r); hint != "" {
				c.Remedy = strings.TrimSpace(c.Remedy) + " " + hint
			}
		}
	}
}

// tenantID is the tenant's GUID when discovery found it, else as typed.
func tenantID(t defender.TenantResult) string {
	if t.Info != nil && t.Info.TenantID != "" {
		return t.Info.TenantID
	}
	return t.TenantID
}

func (a *app) cliHint(c defender.CheckResult, tenant string, r checkRun) string {
	switch c.Problem.Action() {
	case problem.ActConsent:
		return "Get the consent link with: mdeconnect consent-url --tenant " + connector.ShellQuote(tenant) + cloudFlag(r.cloud.Name)
	case problem.ActTenant:
		return "The cloud is chosen with --cloud (global, gcc, gcc-high or dod)."
	case problem.ActSecret:
		if r.name != "" {
			return "Replace it with: mdeconnect edit " + connector.ShellQuote(r.name) + " --client-secret-stdin"
		}
		return "Pipe the right one in with --client-secret-stdin, or set " + EnvClientSecret + "."
	case problem.ActCloud:
		if c.SuggestedCloud != "" {
			return "Test with --cloud " + c.SuggestedCloud + "."
		}
		return "Choose the cloud with --cloud global, gcc, gcc-high or dod."
	case problem.ActReport:
		return "Write one with: mdeconnect report" + reportTarget(r, tenant)
	case problem.ActSlower:
		return "Lower --parallel, or test again later."
	case problem.ActNetwork:
		return "Give a TLS-inspecting proxy's CA bundle with MDECONNECT_CA_FILE."
	}
	return ""
}

func cloudFlag(name string) string {
	if name == "" || strings.EqualFold(name, "global") {
		return ""
	}
	return " --cloud " + name
}

func reportTarget(r checkRun, tenant string) string {
	if r.name != "" {
		return " " + connector.ShellQuote(r.name)
	}
	return " --tenant " + connector.ShellQuote(tenant) + " --client-secret-stdin" + cloudFlag(r.cloud.Name)
}
