package defendertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fleetRequests is one tenant's requests as mdeconnect's engine makes them
// (defender/checks.go, discovery.go): discovery, a token per resource, then
// every data call. It fails b unless each answers 200.
func fleetRequests(b *testing.B, c *Cloud, client *http.Client, tenant string) {
	fail := b.Errorf
	call := func(req *http.Request) []byte {
		resp, err := client.Do(req)
		if err != nil {
			fail("%s: %v", req.URL, err)
			return nil
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			fail("%s: %d %v %.200s", req.URL, resp.StatusCode, err, body)
			return nil
		}
		return body
	}
	get := func(u, token string) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		call(req)
	}
	token := func(resource string) string {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {SandboxClientID},
			"client_secret": {SandboxClientSecret}, "scope": {resource + "/.default"}}
		req, _ := http.NewRequest(http.MethodPost, c.LoginURL+"/"+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var tr tokenResponse
		_ = json.Unmarshal(call(req), &tr)
		return tr.AccessToken
	}
	var wg sync.WaitGroup
	var def, graph string
	wg.Go(func() { get(c.LoginURL+"/"+tenant+"/v2.0/.well-known/openid-configuration", "") })
	wg.Go(func() { def = token(DefenderResource) })
	wg.Go(func() { graph = token(GraphResource) })
	wg.Wait()
	for _, p := range []string{"/api/machines?$top=10000", "/api/deviceavinfo?$top=1000", "/api/exposureScore",
		"/api/configurationScore", "/api/recommendations?$top=10000"} {
		wg.Go(func() { get(c.APIURL+p, def) })
	}
	wg.Go(func() { get(c.GraphURL+"/v1.0/admin/serviceAnnouncement/healthOverviews", graph) })
	wg.Wait()
}

// BenchmarkServeTenant is the fake cloud's work for one healthy tenant of a
// fleet, every request of a validation, 50 tenants at a time over HTTP/2 and
// TLS (the client's share included: profile it with -cpuprofile to see the
// fake's own).
func BenchmarkServeTenant(b *testing.B) {
	const n = 500
	c := NewTestCloud(b, Options{Scenarios: Fleet(n)})
	client := c.Client()
	defer client.CloseIdleConnections()
	fleet := c.Scenarios()
	fleetRequests(b, c, client, fleet[0].TenantID) // the key, the connections
	i := 0
	start := time.Now()
	for b.Loop() {
		var wg sync.WaitGroup
		for range 50 {
			s := fleet[i%n]
			i++
			wg.Go(func() { fleetRequests(b, c, client, s.TenantID) })
		}
		wg.Wait()
	}
	b.ReportMetric(float64(time.Since(start))/float64(time.Millisecond)/float64(50*b.N), "wall_ms/tenant")
}

// BenchmarkDataset builds a healthy tenant's data set and encodes its
// device lists, the fake's work beside tokens for each tenant of a fleet.
func BenchmarkDataset(b *testing.B) {
	fleet := Fleet(100)
	epoch := time.Now()
	var buf []byte
	i := 0
	for b.Loop() {
		d := newDataset(fleet[i%len(fleet)], epoch)
		i++
		buf = appendCollection(buf[:0], "ctx", d.machines, "")
		buf = appendCollection(buf[:0], "ctx", d.avInfo, "")
	}
}
