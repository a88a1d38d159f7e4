package defendertest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDefenderAPI(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	tests := []struct {
		scenario, path string
		status         int
		code           string // error code, "" for success
		message        string // substring of the error message
	}{
		{"healthy", "/api/machines", 200, "", ""},
		{"healthy", "/api/deviceavinfo", 200, "", ""},
		{"healthy", "/api/exposureScore", 200, "", ""},
		{"healthy", "/api/configurationScore", 200, "", ""},
		{"healthy", "/api/recommendations", 200, "", ""},
		{"healthy", "/api/alerts", 404, "NotFound", ""},
		{"missing-role", "/api/exposureScore", 403, "Forbidden", "(Score.Read.All)"},
		{"missing-role", "/api/machines", 200, "", ""},
		{"no-roles", "/api/machines", 403, "Forbidden", "(Machine.ReadWrite.All, Machine.Read.All)"},
		{"no-roles", "/api/recommendations", 403, "Forbidden", "SecurityRecommendation.Read.All"},
		{"unlicensed", "/api/exposureScore", 403, "DisabledFeature", "Tenant feature is not enabled"},
		{"unlicensed", "/api/recommendations", 403, "DisabledFeature", "Tenant feature is not enabled"},
		{"unlicensed", "/api/machines", 200, "", ""},
		{"forbidden-endpoint", "/api/recommendations", 403, "Forbidden", "Forbidden"},
		{"forbidden-endpoint", "/api/exposureScore", 200, "", ""},
		{"always-throttled", "/api/machines", 429, "TooManyRequests", ""},
		{"extra-write-roles", "/api/machines", 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario+tt.path, func(t *testing.T) {
			s := mustLookup(t, tt.scenario)
			r := get(t, c, c.APIURL+tt.path, accessToken(t, c, s.TenantID, DefenderResource))
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.code == "" {
				return
			}
			var e apiError
			r.json(t, &e)
			if e.Error.Code != tt.code || !strings.Contains(e.Error.Message, tt.message) || !isGUID(e.Error.Target) {
				t.Errorf("error %+v, want code %s with %q and a GUID target", e.Error, tt.code, tt.message)
			}
		})
	}
}

func TestDefenderAPIRejectsBadTokens(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	s := mustLookup(t, "healthy")
	graph := accessToken(t, c, s.TenantID, GraphResource)
	for name, tok := range map[string]string{"none": "", "garbage": "a.b.c", "graph audience": graph,
		"tampered": graph[:len(graph)-4] + "AAAA"} {
		r := get(t, c, c.APIURL+"/api/machines", tok)
		var e apiError
		r.json(t, &e)
		if r.status != http.StatusUnauthorized || e.Error.Code != "Unauthorized" || e.Error.Message != "Invalid Authorization payload." {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	expired := NewTestCloud(t, Options{TokenLifetime: time.Second})
	tok := accessToken(t, expired, s.TenantID, DefenderResource)
	time.Sleep(1100 * time.Millisecond)
	if r := get(t, expired, expired.APIURL+"/api/machines", tok); r.status != http.StatusUnauthorized {
		t.Errorf("expired token: %d %s", r.status, r.body)
	}
}

func TestHealthyData(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	s := mustLookup(t, "healthy")
	tok := accessToken(t, c, s.TenantID, DefenderResource)
	var machines struct {
		Context string `json:"@odata.context"`
		Value   []machine
		Next    string `json:"@odata.nextLink"`
	}
	get(t, c, c.APIURL+"/api/machines", tok).json(t, &machines)
	health := map[string]int{}
	for _, m := range machines.Value {
		health[m.HealthStatus]++
		if len(m.ID) != 40 || m.OnboardingStatus != "Onboarded" {
			t.Errorf("machine %+v", m)
		}
	}
	if len(machines.Value) != 137 || health["Active"] != 120 || health["Inactive"] != 9 || health["NoSensorData"] != 8 {
		t.Errorf("%d machines, health %v; want 137 = 120 Active, 9 Inactive, 8 NoSensorData", len(machines.Value), health)
	}
	if machines.Context != c.APIURL+"/api/$metadata#Machines" || machines.Next != "" {
		t.Errorf("context %q, nextLink %q", machines.Context, machines.Next)
	}
	var again struct{ Value []machine }
	get(t, c, c.APIURL+"/api/machines?$top=137", tok).json(t, &again)
	if again.Value[5].ID != machines.Value[5].ID {
		t.Error("machine data is not deterministic")
	}
	var sel struct{ Value []map[string]any }
	get(t, c, c.APIURL+"/api/machines?$top=2&$select=id,healthStatus", tok).json(t, &sel)
	if len(sel.Value) != 2 || len(sel.Value[0]) != 2 {
		t.Errorf("$select: %v", sel.Value)
	}
	var av struct {
		Value []avInfo
		Next  string `json:"@odata.nextLink"`
	}
	get(t, c, c.APIURL+"/api/deviceavinfo", tok).json(t, &av)
	if len(av.Value) != 20 || !strings.HasPrefix(av.Next, c.APIURL+"/api/deviceavinfo?") {
		t.Errorf("deviceavinfo default page: %d rows, nextLink %q", len(av.Value), av.Next)
	}
	var sc score
	get(t, c, c.APIURL+"/api/exposureScore", tok).json(t, &sc)
	t.Logf("healthy exposure score %v", sc.Score)
	if sc.Score <= 0 || sc.Time == "" {
		t.Errorf("exposure score %+v", sc)
	}
}

func TestEmptyTenant(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	tok := accessToken(t, c, mustLookup(t, "empty").TenantID, DefenderResource)
	for _, p := range []string{"/api/machines", "/api/deviceavinfo", "/api/recommendations"} {
		r := get(t, c, c.APIURL+p, tok)
		if r.status != 200 || !strings.Contains(string(r.body), `"value":[]`) {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	var sc score
	get(t, c, c.APIURL+"/api/exposureScore", tok).json(t, &sc)
	if sc.Score != 0 {
		t.Errorf("score %v, want 0", sc.Score)
	}
}

func TestPagingManyDevices(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	tok := accessToken(t, c, mustLookup(t, "many-devices").TenantID, DefenderResource)
	seen := map[string]bool{}
	pages := 0
	for next := c.APIURL + "/api/machines"; next != ""; pages++ {
		var page struct {
			Value []machine
			Next  string `json:"@odata.nextLink"`
		}
		get(t, c, next, tok).json(t, &page)
		for _, m := range page.Value {
			seen[m.ID] = true
		}
		next = page.Next
		if pages > 5 {
			t.Fatal("nextLink never ends")
		}
	}
	if len(seen) != 25000 || pages != 3 {
		t.Errorf("%d distinct machines in %d pages, want 25000 in 3", len(seen), pages)
	}
	if r := get(t, c, c.APIURL+"/api/machines?$top=10001", tok); r.status != http.StatusBadRequest {
		t.Errorf("$top=10001: %d", r.status)
	}
}

func TestGraphHealthOverviews(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	const path = "/v1.0/admin/serviceAnnouncement/healthOverviews"
	for _, tt := range []struct {
		scenario, xdr, cloudApps string
	}{
		{"healthy", "serviceOperational", "serviceOperational"},
		{"defender-incident-closed", "serviceRestored", "serviceDegradation"},
		{"defender-incident-open", "serviceDegradation", "serviceOperational"},
	} {
		var ok struct {
			Value []healthOverview
		}
		get(t, c, c.GraphURL+path, accessToken(t, c, mustLookup(t, tt.scenario).TenantID, GraphResource)).json(t, &ok)
		byID := map[string]healthOverview{}
		for _, h := range ok.Value {
			byID[h.ID] = h
			// Defender for Endpoint has no service health entry of its own.
			if strings.Contains(h.Service, "Defender for Endpoint") {
				t.Errorf("%s: invented entry %+v", tt.scenario, h)
			}
		}
		if h := byID["Microsoft365Defender"]; h.Service != "Microsoft Defender XDR" || h.Status != tt.xdr {
			t.Errorf("%s: Defender XDR %+v, want %s", tt.scenario, h, tt.xdr)
		}
		if h := byID["cloudappsecurity"]; h.Status != tt.cloudApps {
			t.Errorf("%s: Defender for Cloud Apps %+v, want %s", tt.scenario, h, tt.cloudApps)
		}
	}
	r := get(t, c, c.GraphURL+path, accessToken(t, c, mustLookup(t, "no-roles").TenantID, GraphResource))
	var e apiError
	r.json(t, &e)
	if r.status != 403 || e.Error.Code != "Authorization_RequestDenied" || e.Error.InnerError["request-id"] == "" {
		t.Errorf("no-roles graph: %d %s", r.status, r.body)
	}
	if r := get(t, c, c.GraphURL+path, accessToken(t, c, mustLookup(t, "healthy").TenantID, DefenderResource)); r.status != 401 {
		t.Errorf("defender token on graph: %d", r.status)
	}
}

func TestBrokenReplies(t *testing.T) {
	t.Parallel()
	c := NewTestCloud(t, Options{})
	garbled := get(t, c, c.APIURL+"/api/machines", accessToken(t, c, mustLookup(t, "garbled").TenantID, DefenderResource))
	if garbled.status != 200 || !strings.HasPrefix(garbled.header.Get("Content-Type"), "text/html") {
		t.Errorf("garbled: %d %s", garbled.status, garbled.header.Get("Content-Type"))
	}
	for _, tt := range []struct{ scenario, path string }{
		{"connection-reset", "/api/machines"}, {"hung", "/api/deviceavinfo"},
	} {
		tok := accessToken(t, c, mustLookup(t, tt.scenario).TenantID, DefenderResource)
		http1 := c.Client()
		http1.Transport.(*http.Transport).ForceAttemptHTTP2 = false
		for proto, client := range map[string]*http.Client{"h2": c.Client(), "http/1.1": http1} {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.APIURL+tt.path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			err := readAll(client, req)
			cancel()
			if err == nil {
				t.Errorf("%s over %s: read the whole reply, want a network error", tt.scenario, proto)
			}
			if hung := tt.scenario == "hung"; hung != errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%s over %s: error %v", tt.scenario, proto, err)
			}
		}
	}
}

func readAll(client *http.Client, req *http.Request) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := resp.Body.Read(buf); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}
