package doctor

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const escapes = "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\x1b[2J\u202e"

// hostileGraph answers every doctor read with escape sequences in each
// string a person would see.
func hostileGraph(t *testing.T) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v any
		switch {
		case strings.Contains(r.URL.Path, "appRoleAssignments"):
			v = map[string]any{"value": []any{map[string]any{"appRoleId": "x", "resourceDisplayName": "Evil" + escapes, "createdDateTime": "2026-01-01T00:00:00Z"}}}
		case strings.Contains(r.URL.Path, "servicePrincipals"):
			v = map[string]any{"id": "sp" + escapes, "displayName": "Paratira" + escapes, "accountEnabled": false,
				"appRoles": []any{map[string]any{"id": "x", "value": "Machine.Read.All" + escapes}}}
		case strings.Contains(r.URL.Path, "directoryAudits"):
			v = map[string]any{"value": []any{map[string]any{"activityDisplayName": "Consent to application", "activityDateTime": "2026-01-01T00:00:00Z",
				"result": "failure", "resultReason": "no" + escapes, "initiatedBy": map[string]any{"user": map[string]any{"userPrincipalName": "eve" + escapes + "@x.com"}},
				"targetResources": []any{map[string]any{"modifiedProperties": []any{map[string]any{"displayName": "AccountEnabled" + escapes, "oldValue": []any{1}, "newValue": nil}}}}}}}
		case strings.Contains(r.URL.Path, "signIns"):
			v = map[string]any{"value": []any{map[string]any{"createdDateTime": "2026-01-01T00:00:00Z", "status": map[string]any{"errorCode": 53003, "failureReason": "blocked" + escapes},
				"appliedConditionalAccessPolicies": []any{map[string]any{"displayName": "Policy" + escapes, "result": "failure"}}}}}
		case strings.Contains(r.URL.Path, "conditionalAccess"):
			v = map[string]any{"value": []any{map[string]any{"displayName": "Policy" + escapes, "state": "enabled" + escapes,
				"conditions": map[string]any{"applications": map[string]any{"includeApplications": []string{"All"}}}}}}
		}
		json.NewEncoder(w).Encode(v)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestNothingAServerWroteReachesTheReportRaw(t *testing.T) {
	srv := hostileGraph(t)
	hc, _ := guarded(srv.Client(), "https://login.invalid")
	s := &Session{TenantID: "t" + escapes, token: "x", client: hc, graphURL: srv.URL, expires: time.Now().Add(time.Hour)}
	r, err := Read(context.Background(), s, Options{AppID: "00000000-0000-0000-0000-000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	var back any
	json.Unmarshal(b, &back)
	walk(back, func(s string) {
		if strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("a raw control or bidi character reached the report: %q", s)
		}
	})
	if len(r.Findings) == 0 || r.ConditionalAccess.Status != StatusRead {
		t.Errorf("the hostile replies were not read: %+v", r)
	}
}

func walk(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case map[string]any:
		for k, e := range x {
			f(k)
			walk(e, f)
		}
	case []any:
		for _, e := range x {
			walk(e, f)
		}
	}
}

func TestRepliesAreBoundedAndRedirectsRefused(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1.0/big" {
			w.Header().Set("Content-Length", "99999999")
			w.Write([]byte("{"))
			return
		}
		http.Redirect(w, r, "https://elsewhere.invalid/steal", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	hc, _ := guarded(srv.Client(), "https://login.invalid")
	s := &Session{token: "x", client: hc, graphURL: srv.URL}
	var v any
	if err := s.get(context.Background(), "/v1.0/big", nil, &v); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("a reply past the bound: %v", err)
	}
	if err := s.get(context.Background(), "/v1.0/moved", nil, &v); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("a redirect: %v", err)
	}
	plain := &Session{token: "x", client: hc, graphURL: "http://127.0.0.1:1"}
	if err := plain.get(context.Background(), "/v1.0/x", nil, &v); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("a token over http: %v", err)
	}
}
