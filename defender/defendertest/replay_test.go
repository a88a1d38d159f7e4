package defendertest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const replayTenant = "53390e7c-c890-4adc-a20a-63526fc69533"

func startReplay(t *testing.T, rec Recording) *Replay {
	t.Helper()
	r, err := StartReplay(rec, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func TestReplayOrderPerKeyAndRewrite(t *testing.T) {
	old := "https://api.old.example"
	rec := Recording{Bases: []string{old}, Exchanges: []RecordedExchange{
		{Tenant: replayTenant, Method: "GET", URL: old + "/api/machines?$top=1000", Status: 429, Header: map[string]string{"Retry-After": "1"}, Body: `{"error":{"code":"[REDACTED]","message":"slow down"}}`},
		{Tenant: replayTenant, Method: "GET", URL: old + "/api/machines?$top=1000", Status: 200, Body: `{"value":[],"@odata.nextLink":"` + old + `/api/machines?$skip=1"}`},
		{Tenant: "other", Method: "GET", URL: old + "/api/machines?$top=1000", Status: 403, Body: `{}`},
	}}
	r := startReplay(t, rec)
	tok := fakeJWT(`{"tid":"` + replayTenant + `"}`)
	get := func(bearer string) reply {
		req, _ := http.NewRequest("GET", r.URL+"/api/machines?%24top=1000&", nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		return do(t, r.Client(), req)
	}
	first, second, third := get(tok), get(tok), get(tok)
	if first.status != 429 || first.header.Get("Retry-After") != "1" || !strings.Contains(string(first.body), `"code":"TooManyRequests"`) {
		t.Errorf("first = %d %v %s", first.status, first.header, first.body)
	}
	if second.status != 200 || !strings.Contains(string(second.body), r.URL+"/api/machines?$skip=1") {
		t.Errorf("second = %d %s", second.status, second.body)
	}
	if third.status != 200 {
		t.Errorf("after the recording runs out, the last reply repeats; got %d", third.status)
	}
	if other := get(fakeJWT(`{"tid":"other"}`)); other.status != 403 {
		t.Errorf("another tenant's reply = %d", other.status)
	}
	if miss := get(""); miss.status != 404 || len(r.Missed()) != 1 {
		t.Errorf("unrecorded request = %d, missed %v", miss.status, r.Missed())
	}
}

func TestReplayMintsRedactedTokens(t *testing.T) {
	rec := Recording{Exchanges: []RecordedExchange{
		{Method: "POST", URL: "https://login.old/" + replayTenant + "/oauth2/v2.0/token", RequestBody: "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
			Status: 200, Body: `{"token_type":"Bearer","expires_in":3599,"access_token":"[REDACTED]"}`},
		{Method: "POST", URL: "https://login.old/" + replayTenant + "/oauth2/v2.0/token", RequestBody: "scope=https%3A%2F%2Fapi.securitycenter.microsoft.com%2F.default",
			Status: 401, Body: `{"error":"invalid_client","error_codes":[7000215]}`},
	}, Claims: map[string]map[string]TokenClaims{replayTenant: {resourceGraph: {TID: replayTenant, Aud: GraphResource,
		Roles: []string{roleServiceHealthRead}, Iat: 1000, Exp: 4600}}}}
	r := startReplay(t, rec)
	post := func(scope string) reply {
		form := url.Values{"scope": {scope}, "client_secret": {"x"}}
		req, _ := http.NewRequest("POST", r.URL+"/"+replayTenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return do(t, r.Client(), req)
	}
	defender := post("https://api.securitycenter.microsoft.com/.default openid")
	if defender.status != 401 || !strings.Contains(string(defender.body), "7000215") {
		t.Errorf("recorded error = %d %s", defender.status, defender.body)
	}
	var tok tokenResponse
	graph := post("https://graph.microsoft.com/.default openid")
	graph.json(t, &tok)
	c, err := r.signer.verify(tok.AccessToken, time.Now(), GraphResource)
	if err != nil || c.TID != replayTenant || len(c.Roles) != 1 || c.Exp-c.Iat != 3600 || c.Exp < time.Now().Unix() {
		t.Errorf("minted token: %v %+v", err, c)
	}
}

func TestReplayTransportFaults(t *testing.T) {
	rec := Recording{Exchanges: []RecordedExchange{
		{Method: "GET", URL: "https://a/api/deviceavinfo", Error: "context deadline exceeded"},
		{Method: "GET", URL: "https://a/api/machines", Status: 200, Body: `{"value":[{"id":"`, Error: "unexpected EOF"},
		{Method: "GET", URL: "https://a/api/recommendations", Error: "read: connection reset by peer"},
	}}
	r := startReplay(t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", r.URL+"/api/deviceavinfo", nil)
	if _, err := r.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a recorded timeout must hang until the client gives up: %v", err)
	}
	resp, err := r.Client().Get(r.URL + "/api/machines")
	if err != nil {
		t.Fatalf("the cut reply must start: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || string(body) != `{"value":[{"id":"` {
		t.Errorf("cut reply: %q, %v", body, err)
	}
	if _, err := r.Client().Get(r.URL + "/api/recommendations"); err == nil {
		t.Error("a recorded connection failure must fail")
	}
}

func fakeJWT(payload string) string {
	return b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(payload)) + ".c2ln"
}
