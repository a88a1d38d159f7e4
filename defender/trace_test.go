package defender

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestTracerRedacts(t *testing.T) {
	const secret = "Pq8Q~s3cr3t.value_with-chars~xyz"
	jwt := "eyJhbGciOiJSUzI1NiJ9." + b64(`{"aud":"x"}`) + ".c2lnbmF0dXJl"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "fpc=abc")
		io.WriteString(w, `{"token_type":"Bearer","access_token":"`+jwt+`","echo":"`+secret+`","error":{"code":"Forbidden"}}`)
	}))
	defer srv.Close()
	red := &Redactor{}
	red.Add(secret)
	var got []Exchange
	c := srv.Client()
	c.Transport = &Tracer{Base: c.Transport, Redactor: red, OnExchange: func(e Exchange) { got = append(got, e) }}
	form := url.Values{"client_id": {"id"}, "client_secret": {secret}, "grant_type": {"client_credentials"}}
	req, _ := http.NewRequest("POST", srv.URL+"/t/oauth2/v2.0/token?code="+url.QueryEscape(secret), strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer "+jwt)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), jwt) {
		t.Fatal("the caller must still get the real body")
	}
	if len(got) != 1 {
		t.Fatalf("%d exchanges", len(got))
	}
	all := got[0].URL + got[0].RequestBody + got[0].ResponseBody + got[0].Error
	for k, v := range got[0].RequestHeaders {
		all += k + v
	}
	for k, v := range got[0].ResponseHeaders {
		all += k + v
	}
	for _, leak := range []string{secret, url.QueryEscape(secret), jwt, "fpc=abc", "c2lnbmF0dXJl"} {
		if strings.Contains(all, leak) {
			t.Errorf("trace leaks %q: %s", leak, all)
		}
	}
	if !strings.Contains(got[0].ResponseBody, `"code":"Forbidden"`) {
		t.Errorf("an API error code was redacted: %s", got[0].ResponseBody)
	}
	if got[0].Status != 200 || !strings.Contains(got[0].RequestBody, "grant_type=client_credentials") {
		t.Errorf("trace lost facts: %+v", got[0])
	}
}

// The admin's sign-in for doctor (device code, PKCE) put its codes in the
// --debug log: the redactor knows their field names too.
func TestTracerRedactsSignInCodes(t *testing.T) {
	const deviceCode, userCode, verifier = "DAQABAAEAAAD--device-code-value", "FJ7Q9KXW", "pkce-verifier-0123456789abcdefghijklmnopqrstuvwxyz"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"device_code":"`+deviceCode+`","user_code":"`+userCode+`","verification_uri":"https://microsoft.com/devicelogin"}`)
	}))
	defer srv.Close()
	var got []Exchange
	c := srv.Client()
	c.Transport = &Tracer{Base: c.Transport, Redactor: &Redactor{}, OnExchange: func(e Exchange) { got = append(got, e) }}
	form := url.Values{"grant_type": {"device_code"}, "device_code": {deviceCode}, "code_verifier": {verifier}}
	resp, err := c.Post(srv.URL+"/organizations/oauth2/v2.0/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	all := got[0].RequestBody + got[0].ResponseBody
	for _, leak := range []string{deviceCode, userCode, verifier} {
		if strings.Contains(all, leak) {
			t.Errorf("trace leaks %q: %s", leak, all)
		}
	}
}
