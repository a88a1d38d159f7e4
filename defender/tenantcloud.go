package defender

import (
	"fmt"
	"strings"

	"github.com/paratira/mdeconnect/defender/problem"
)

// Cloud instances as OpenID discovery names them (cloud_instance_name):
// Microsoft, "National clouds" (authentication-national-cloud): the global
// cloud and GCC sign in at login.microsoftonline.com, GCC High and DoD at
// login.microsoftonline.us.
const (
	instanceGlobal = "microsoftonline.com"
	instanceUSGov  = "microsoftonline.us"
)

// instance is the cloud_instance_name of the preset's sign-in host; "" for a
// name that is no preset.
func (c Cloud) instance() string {
	switch c.Name {
	case "global", "gcc":
		return instanceGlobal
	case "gcc-high", "dod":
		return instanceUSGov
	}
	return ""
}

// tenantCloud is where discovery places a tenant.
type tenantCloud struct {
	// preset is the --cloud preset that fits ("" when none, or when two
	// could: a US Government tenant without a known sub-scope).
	preset string
	// label names the cloud for people.
	label string
	// instance is the cloud_instance_name discovery sent.
	instance string
}

// cloudOf reads discovery's cloud_instance_name, tenant_region_scope and
// tenant_region_sub_scope. Entra ID documents the first in the discovery
// document's claims; the US Government values (scope "USGov", sub-scopes
// "GCC", "DODCON" for GCC High, "DOD") are community evidence
// (shared/PROTOCOL.md section 2). It returns false when discovery said
// nothing about the cloud.
func cloudOf(i TenantInfo) (tenantCloud, bool) {
	inst := strings.ToLower(strings.TrimSpace(i.CloudInstance))
	sub := strings.ToUpper(strings.TrimSpace(i.RegionSubScope))
	tc := tenantCloud{instance: inst}
	switch inst {
	case "":
		return tc, false
	case instanceUSGov:
		switch sub {
		case "DOD":
			tc.preset, tc.label = "dod", "Azure Government (DoD)"
		case "DODCON":
			tc.preset, tc.label = "gcc-high", "Azure Government (GCC High)"
		default:
			tc.label = "Azure Government (GCC High or DoD)"
		}
	case instanceGlobal:
		if strings.EqualFold(i.RegionScope, "USGov") || sub == "GCC" {
			tc.preset, tc.label = "gcc", "the US Government Community Cloud (GCC)"
		} else {
			tc.preset, tc.label = "global", "the global (commercial) cloud"
		}
	default:
		tc.label = fmt.Sprintf("another Microsoft cloud (%q)", clip(inst, 40))
	}
	return tc, true
}

// advice says which preset to use for tc.
func (tc tenantCloud) advice() string {
	switch {
	case tc.preset != "":
		return "use the " + tc.preset + " cloud"
	case tc.instance == instanceUSGov:
		return "use the gcc-high or dod cloud"
	}
	return "mdeconnect does not support that cloud"
}

// cloudMismatch compares what discovery says of a tenant with the chosen
// cloud. definite is set when the tenant signs in on another host than the
// chosen cloud's, where no token can ever be had (Entra ID answers
// AADSTS900432); otherwise a mismatch only suggests another preset. It
// returns nil when they agree or discovery says too little to tell.
func cloudMismatch(c Cloud, i TenantInfo) (err *Error, definite bool) {
	tc, ok := cloudOf(i)
	chosen := c.instance()
	if !ok || chosen == "" || (tc.instance == chosen && (tc.preset == "" || tc.preset == c.Name)) {
		return nil, false
	}
	facts := fmt.Sprintf("Entra ID reports cloud instance %q", clip(tc.instance, 40))
	if i.RegionScope != "" {
		facts += fmt.Sprintf(", region %q", clip(i.RegionScope, 20))
	}
	if i.RegionSubScope != "" {
		facts += fmt.Sprintf(", sub-scope %q", clip(i.RegionSubScope, 20))
	}
	e := &Error{Problem: problem.WrongCloud, SuggestedCloud: tc.preset}
	if tc.instance != chosen {
		e.Msg = fmt.Sprintf("tenant %s is in %s, but mdeconnect is set to the %s cloud (%s): %s", i.TenantID, tc.label, c.Name, facts, tc.advice())
		return e, true
	}
	e.Msg = fmt.Sprintf("tenant %s looks like a tenant of %s, but mdeconnect is set to the %s cloud (%s): %s", i.TenantID, tc.label, c.Name, facts, tc.advice())
	if tc.preset == "gcc" && c.Name == "global" {
		// The remedy adds that some GCC tenants run Defender for Endpoint
		// in the commercial cloud (Microsoft, "Microsoft Defender for
		// Endpoint for US Government customers").
		e.Msg += " if its Defender for Endpoint runs in GCC"
	}
	return e, false
}

// wrongCloudToken explains a cross-cloud token refusal (AADSTS900432 /
// 900382 / 90038) with what discovery said of the tenant, when it said it.
func wrongCloudToken(e *Error, c Cloud, info *TenantInfo, tenant string) *Error {
	out := *e
	out.Msg = fmt.Sprintf("Entra ID refused the token across clouds (%s): tenant %s lives in another Microsoft cloud than the %s cloud mdeconnect is set to",
		aadstsLabel(e.Diag.AADSTS), tenant, c.Name)
	if info == nil {
		return &out
	}
	if tc, ok := cloudOf(*info); ok {
		out.Msg = fmt.Sprintf("Entra ID refused the token across clouds (%s): tenant %s is in %s, but mdeconnect is set to the %s cloud: %s",
			aadstsLabel(e.Diag.AADSTS), tenant, tc.label, c.Name, tc.advice())
		out.SuggestedCloud = tc.preset
	}
	return &out
}
