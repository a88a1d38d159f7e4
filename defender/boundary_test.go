package defender_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
)

// escapes is what a hostile Microsoft could put in any field: an OSC 52
// clipboard write, a title change, a screen clear, C1 CSI, BEL and a
// right-to-left override.
const escapes = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b]0;owned\x07\x1b[2J\u009b31m\u202e"

func terminalSafe(t *testing.T, where, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\x1b\x07\u009b\u202e") {
		t.Errorf("%s carries escape or bidi characters: %q", where, s[:min(len(s), 200)])
	}
	if len(s) > 20000 {
		t.Errorf("%s is %d bytes: not bounded", where, len(s))
	}
}

// Text a server wrote reached the terminal raw (issue 14 §1): every field the
// engine hands out is sanitised and bounded at its boundary.
func TestEngineHandsOutNoEscapes(t *testing.T) {
	h := startHostile(t)
	h.on(routeDiscovery, func(w http.ResponseWriter, r *http.Request) {
		base := h.URL + "/" + hostileTenant
		writeJSONReply(w, map[string]any{"issuer": base + "/v2.0", "token_endpoint": base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize", "tenant_region_scope": "EU" + escapes + strings.Repeat("x", 200000),
			"cloud_instance_name": "microsoftonline.com"})
	})
	h.on(routeToken, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": "invalid_request" + escapes,
			"error_description": "AADSTS90002: Tenant " + escapes + " not found.\r\nTrace ID: " + escapes + "\r\nCorrelation ID: x",
			"error_codes":       []int{90002}, "trace_id": escapes, "correlation_id": escapes})
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := h.engine(t, defender.RetryPolicy{})
	res, err := e.Validate(ctx, []defender.Target{{TenantID: hostileTenant}})
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Tenants[0]
	if tr.Info == nil {
		t.Fatal("no discovery info")
	}
	terminalSafe(t, "region scope", tr.Info.RegionScope)
	for _, c := range tr.Checks {
		terminalSafe(t, string(c.ID)+" message", c.Message)
		terminalSafe(t, string(c.ID)+" remedy", c.Remedy)
		if c.Diag != nil {
			terminalSafe(t, string(c.ID)+" diag", c.Diag.Error+c.Diag.ErrorDescription+c.Diag.TraceID+c.Diag.CorrelationID)
		}
	}
	info, err := e.ResolveTenant(ctx, hostileTenant)
	if err != nil {
		t.Fatal(err)
	}
	terminalSafe(t, "resolved region", info.RegionScope)
}
