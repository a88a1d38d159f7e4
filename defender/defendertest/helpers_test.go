package defendertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func itoa(n int) string { return strconv.Itoa(n) }

// reply is a decoded HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

func do(t *testing.T, client *http.Client, req *http.Request) reply {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", req.URL, err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// requestToken asks the token endpoint directly, as a plain form POST.
func requestToken(t *testing.T, c *Cloud, tenant, resource string) reply {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {SandboxClientID},
		"client_secret": {SandboxClientSecret}, "scope": {resource + "/.default openid profile offline_access"}}
	req, err := http.NewRequest(http.MethodPost, c.LoginURL+"/"+tenant+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c.Client(), req)
}

// accessToken gets a token that must succeed.
func accessToken(t *testing.T, c *Cloud, tenant, resource string) string {
	t.Helper()
	r := requestToken(t, c, tenant, resource)
	if r.status != http.StatusOK {
		t.Fatalf("token for %s %s: %d %s", tenant, resource, r.status, r.body)
	}
	var tr tokenResponse
	r.json(t, &tr)
	return tr.AccessToken
}

// get calls an API URL with a bearer token.
func get(t *testing.T, c *Cloud, rawURL, token string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, c.Client(), req)
}

// apiError is the shape of Defender and Graph error bodies.
type apiError struct {
	Error struct {
		Code, Message, Target string
		InnerError            map[string]string
	}
}
