package defendertest

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// The Graph reads of the tenant's side, each as Microsoft Graph documents
// it (docs/WIRE-FACTS-doctor.md): a service principal by appId, its app role
// assignments, the directory audit log, the service principal sign-in log
// (beta) and Conditional Access policies.

// graphRoute is one doctor read: its permissions (alternatives, each a set
// to hold in full) and how to serve it.
type graphRoute struct {
	perms [][]string
	serve func(w http.ResponseWriter, r *http.Request, cl caller, arg string)
}

var (
	spByAppIDRE   = regexp.MustCompile(`^/v1\.0/servicePrincipals\(appId='([^']*)'\)$`)
	spByIDRE      = regexp.MustCompile(`^/v1\.0/servicePrincipals/([0-9A-Fa-f-]{36})$`)
	assignmentsRE = regexp.MustCompile(`^/v1\.0/servicePrincipals/([0-9A-Fa-f-]{36})/appRoleAssignments$`)
)

// route finds the doctor read a path names; ok is false for other paths.
func (c *Cloud) route(path string) (graphRoute, string, bool) {
	readApps := [][]string{{scopeApplicationRead}, {scopeDirectoryRead}}
	// "Supports $filter" aside, Graph's paths are case-insensitive.
	lower := strings.ToLower(path)
	switch {
	case spByAppIDRE.MatchString(path):
		return graphRoute{readApps, c.serveSPByAppID}, spByAppIDRE.FindStringSubmatch(path)[1], true
	case assignmentsRE.MatchString(path):
		return graphRoute{readApps, c.serveAssignments}, assignmentsRE.FindStringSubmatch(path)[1], true
	case spByIDRE.MatchString(path):
		return graphRoute{readApps, c.serveSPByID}, spByIDRE.FindStringSubmatch(path)[1], true
	case lower == "/v1.0/auditlogs/directoryaudits":
		// "AuditLog.Read.All and Directory.Read.All" (List directoryAudits).
		return graphRoute{[][]string{{scopeAuditLogRead, scopeDirectoryRead}}, c.serveAudits}, "", true
	case lower == "/beta/auditlogs/signins", lower == "/v1.0/auditlogs/signins":
		return graphRoute{[][]string{{scopeAuditLogRead}, {scopeDirectoryRead}}, c.serveSignIns}, strings.Split(lower, "/")[1], true
	case lower == "/v1.0/identity/conditionalaccess/policies":
		return graphRoute{[][]string{{scopePolicyRead}}, c.servePolicies}, "", true
	}
	return graphRoute{}, "", false
}

// serveDoctorGraph answers a doctor read, or reports that path is not one.
func (c *Cloud) serveDoctorGraph(w http.ResponseWriter, r *http.Request) bool {
	rt, arg, ok := c.route(r.URL.Path)
	if !ok {
		return false
	}
	cl, ok := c.graphCaller(r)
	if !ok {
		writeGraphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		return true
	}
	if !c.attribute(r.Context(), cl.tenant.scenario) {
		return true
	}
	if !cl.may(rt.perms...) {
		writeGraphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return true
	}
	rt.serve(w, r, cl, arg)
	return true
}

const graphJSON = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

func writeGraph(w http.ResponseWriter, v any) { writeJSON(w, http.StatusOK, graphJSON, v) }

func notFound(w http.ResponseWriter, what string) {
	writeGraphError(w, http.StatusNotFound, "Request_ResourceNotFound",
		"Resource '"+what+"' does not exist or one of its queried reference-property objects are not present.")
}

func (c *Cloud) serveSPByAppID(w http.ResponseWriter, r *http.Request, cl caller, appID string) {
	c.serveSP(w, r, cl, "", appID)
}

func (c *Cloud) serveSPByID(w http.ResponseWriter, r *http.Request, cl caller, id string) {
	c.serveSP(w, r, cl, id, "")
}

// serveSP answers "Get servicePrincipal" by object ID or by appId.
func (c *Cloud) serveSP(w http.ResponseWriter, r *http.Request, cl caller, id, appID string) {
	sp, ok := c.servicePrincipal(cl.tenant, id, appID)
	if !ok {
		notFound(w, id+appID)
		return
	}
	sp["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity"
	writeGraph(w, selectKeys(sp, r.URL.Query().Get("$select")))
}

func (c *Cloud) serveAssignments(w http.ResponseWriter, r *http.Request, cl caller, id string) {
	st := c.storyOf(cl.tenant)
	if !st.spPresent || !strings.EqualFold(id, servicePrincipalID(cl.tenant.scenario.TenantID, c.opts.ClientID)) {
		notFound(w, id)
		return
	}
	writeGraph(w, collection{Context: "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('" + id + "')/appRoleAssignments",
		Value: c.assignments(cl.tenant.scenario, st)})
}

func (c *Cloud) serveAudits(w http.ResponseWriter, r *http.Request, cl caller, _ string) {
	f, err := parseFilter(r.URL.Query().Get("$filter"), auditClauses)
	top, terr := graphTop(r.URL.Query(), 1000)
	if err != nil || terr != nil {
		writeGraphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause")
		return
	}
	s := cl.tenant.scenario
	var out []map[string]any
	for _, a := range c.storyOf(cl.tenant).audits {
		e := c.auditEntry(s, a)
		if f.matchAudit(e, a) {
			out = append(out, e)
		}
	}
	writeGraph(w, collection{Context: "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits", Value: newestFirst(out, "activityDateTime", top)})
}

func (c *Cloud) serveSignIns(w http.ResponseWriter, r *http.Request, cl caller, version string) {
	st := c.storyOf(cl.tenant)
	if st.unlicensed {
		// Microsoft: "Neither tenant is B2C or tenant doesn't have premium
		// license: Accessing sign-in reports requires a Microsoft Entra ID P1
		// or P2 license" (reporting API prerequisites, Common errors).
		writeGraphError(w, http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Neither tenant is B2C or tenant doesn't have premium license")
		return
	}
	f, err := parseFilter(r.URL.Query().Get("$filter"), signInClauses)
	top, terr := graphTop(r.URL.Query(), 1000)
	if err == nil && version == "v1.0" && f.eventType != "" {
		// UNCONFIRMED wording: v1.0's signIn documents no signInEventTypes.
		writeGraphError(w, http.StatusBadRequest, "BadRequest", "Could not find a property named 'signInEventTypes' on type 'microsoft.graph.signIn'.")
		return
	}
	if err != nil || terr != nil {
		writeGraphError(w, http.StatusBadRequest, "BadRequest", "Invalid filter clause")
		return
	}
	var out []map[string]any
	// "Without an event-type filter, the List signIns API returns only
	// interactive user sign-ins by default": none of them are the app's.
	if f.eventType == "servicePrincipal" {
		for _, si := range st.signIns {
			e := c.signInEntry(cl.tenant.scenario, si)
			if f.appID == "" || strings.EqualFold(f.appID, c.opts.ClientID) {
				out = append(out, e)
			}
		}
	}
	writeGraph(w, collection{Context: "https://graph.microsoft.com/" + version + "/$metadata#auditLogs/signIns", Value: newestFirst(out, "createdDateTime", top)})
}

func (c *Cloud) servePolicies(w http.ResponseWriter, r *http.Request, cl caller, _ string) {
	var out []map[string]any
	for _, p := range c.storyOf(cl.tenant).policies {
		out = append(out, c.policyEntry(p))
	}
	writeGraph(w, collection{Context: "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies", Value: orEmpty(out)})
}

// graphTop reads $top (default def).
func graphTop(q url.Values, def int) (int, error) {
	v := q.Get("$top")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, strconv.ErrSyntax
	}
	return n, nil
}

// selectKeys applies $select to one entity (unknown names are ignored).
func selectKeys(e map[string]any, sel string) map[string]any {
	if strings.TrimSpace(sel) == "" {
		return e
	}
	out := map[string]any{"@odata.context": e["@odata.context"]}
	for _, k := range strings.Split(sel, ",") {
		if v, ok := e[strings.TrimSpace(k)]; ok {
			out[strings.TrimSpace(k)] = v
		}
	}
	return out
}

func orEmpty(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}
