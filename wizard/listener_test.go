package wizard

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

const reqState = "0123456789abcdef"

// startListener listens on a free loopback port, as the sandbox does.
func startListener(t *testing.T, host string) (*listener, string) {
	t.Helper()
	uri := freeURI(t, host)
	l, err := listen(uri, newGate(reqState))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.close)
	return l, uri
}

func freeURI(t *testing.T, host string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return fmt.Sprintf("http://%s:%d/consent", host, port)
}

// get fetches url with a client that keeps no connection and reads the page.
func get(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func waitReply(t *testing.T, l *listener) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rep, err := l.wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

const (
	grantedQuery  = "?admin_consent=True&tenant=" + tenantA + "&state=" + reqState
	rejectedQuery = "?error=access_denied&error_description=AADSTS65004:+User+declined+to+consent&admin_consent=True&state=" + reqState
)

// TestListenerTakesOneAnswer: the first reply with the request's state is
// its answer; a later one (here a rejection) is refused and never reaches
// the wizard, so granted cannot turn into rejected.
func TestListenerTakesOneAnswer(t *testing.T) {
	l, uri := startListener(t, "localhost")
	if code, page := get(t, "GET", uri+grantedQuery); code != 200 || !strings.Contains(page, "Consent granted") {
		t.Fatalf("first reply: %d %s", code, page)
	}
	if rep := waitReply(t, l); rep.kind != replyGranted {
		t.Fatalf("first reply judged %v", rep.kind)
	}
	code, page := get(t, "GET", uri+rejectedQuery)
	if code != http.StatusBadRequest || !strings.Contains(page, "Not accepted") || !strings.Contains(page, "already been answered") {
		t.Fatalf("second reply: %d %s", code, page)
	}
	if rep := waitReply(t, l); rep.kind != replyRefused {
		t.Fatalf("second reply judged %v, want refused", rep.kind)
	}
}

// TestConsentKeepsItsAnswer: in the wizard too (a pasted address goes
// through the same gate), a rejection after a grant changes nothing.
func TestConsentKeepsItsAnswer(t *testing.T) {
	m := newTestModel(t, &memStore{})
	send(m, "enter", "enter", "enter", consentMsg{grantedQuery}, consentMsg{rejectedQuery})
	if r := m.consent.result; r == nil || !r.Granted {
		t.Fatalf("result %+v, want the first answer (granted)", r)
	}
	if !strings.Contains(screen(t, m), "Consent granted") || !strings.Contains(screen(t, m), "was not accepted") {
		t.Fatalf("screen:\n%s", screen(t, m))
	}
}

// TestListenerPages: granted, rejected (with its reason, escaped) and not
// accepted are three pages that say so in plain words.
func TestListenerPages(t *testing.T) {
	hostile := "?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C/script%3E%1B[31m&admin_consent=True&state=" + reqState
	cases := []struct {
		name, query string
		code        int
		want, not   []string
	}{
		{"granted", grantedQuery, 200, []string{"Consent granted", "in tenant " + tenantA, "carries on from here"}, []string{"Not accepted", "Consent rejected"}},
		{"rejected", rejectedQuery, 200, []string{"Consent rejected", "Reason: the consent request was declined", "AADSTS65004"}, []string{"Consent granted"}},
		{"rejected, hostile reason", hostile, 200, []string{"Consent rejected", "&lt;script&gt;alert(1)&lt;/script&gt;"}, []string{"<script>", "\x1b"}},
		{"forged state", "?admin_consent=True&tenant=" + tenantA + "&state=forged", 400, []string{"Not accepted", "nothing was changed", "another request"}, []string{"Consent granted"}},
		{"not a consent reply", "?hello=1", 400, []string{"Not accepted", "not a consent redirect"}, []string{"Consent granted"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, uri := startListener(t, "127.0.0.1")
			code, page := get(t, "GET", uri+c.query)
			if code != c.code {
				t.Errorf("status %d, want %d", code, c.code)
			}
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q:\n%s", w, page)
				}
			}
			for _, n := range c.not {
				if strings.Contains(page, n) {
					t.Errorf("page has %q:\n%s", n, page)
				}
			}
		})
	}
}

// TestListenerGetOnly: any other method is refused with 405 and takes no reply.
func TestListenerGetOnly(t *testing.T) {
	l, uri := startListener(t, "127.0.0.1")
	for _, method := range []string{"POST", "PUT", "DELETE", "HEAD"} {
		if code, _ := get(t, method, uri+grantedQuery); code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", method, code)
		}
	}
	if l.gate.isAnswered() {
		t.Fatal("a refused method answered the request")
	}
	if code, _ := get(t, "GET", uri+grantedQuery); code != 200 {
		t.Fatalf("GET after refused methods: %d", code)
	}
}

// TestListenerClosesKeepAlive: a browser's connection is closed after its
// answer, not left open while the wizard runs.
func TestListenerClosesKeepAlive(t *testing.T) {
	_, uri := startListener(t, "127.0.0.1")
	host := strings.TrimPrefix(strings.Split(uri, "/consent")[0], "http://")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /consent%s HTTP/1.1\r\nHost: %s\r\nConnection: keep-alive\r\n\r\n", grantedQuery, host)
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	one := make([]byte, 1)
	if _, err := c.Read(one); err != io.EOF {
		t.Fatalf("after the answer the connection stays open (read: %v), want EOF", err)
	}
}

// TestListenerBindsBothLoopbacks: "localhost" is served on ::1 as well, so
// no other local user can take [::1]:port and receive the redirect.
func TestListenerBindsBothLoopbacks(t *testing.T) {
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	} else {
		_ = ln.Close()
	}
	l, uri := startListener(t, "localhost")
	port := strings.TrimSuffix(strings.Split(uri, ":")[2], "/consent")
	if code, page := get(t, "GET", "http://[::1]:"+port+"/consent"+grantedQuery); code != 200 || !strings.Contains(page, "Consent granted") {
		t.Fatalf("[::1]: %d %s", code, page)
	}
	if rep := waitReply(t, l); rep.kind != replyGranted {
		t.Fatalf("judged %v", rep.kind)
	}
	// ::1 held by someone else: refused, not half-listened.
	other, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	go func() { _ = http.Serve(other, http.NotFoundHandler()) }()
	p := other.Addr().(*net.TCPAddr).Port
	if ln4, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
		_ = ln4.Close()
		if _, err := listen(fmt.Sprintf("http://localhost:%d/consent", p), newGate(reqState)); err == nil || !strings.Contains(err.Error(), "another program") {
			t.Fatalf("::1 taken: %v", err)
		}
	}
}

// TestListenerPortTaken names who holds the port: another mdeconnect only
// when one answers there, else another program, and how to choose another.
func TestListenerPortTaken(t *testing.T) {
	_, uri := startListener(t, "127.0.0.1")
	_, err := listen(uri, newGate("x"))
	if err == nil || !strings.Contains(err.Error(), "another mdeconnect") {
		t.Fatalf("held by mdeconnect: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { _ = http.Serve(ln, http.NotFoundHandler()) }()
	uri = fmt.Sprintf("http://127.0.0.1:%d/consent", ln.Addr().(*net.TCPAddr).Port)
	_, err = listen(uri, newGate("x"))
	switch {
	case err == nil:
		t.Fatal("listened on a taken port")
	case strings.Contains(err.Error(), "mdeconnect is"), strings.Contains(err.Error(), "another mdeconnect"):
		t.Fatalf("blames mdeconnect: %v", err)
	case !strings.Contains(err.Error(), "in use by another program") || !strings.Contains(err.Error(), "--redirect-uri") || !strings.Contains(err.Error(), "(p)"):
		t.Fatalf("says neither who nor what to do: %v", err)
	}
}

// TestGate: one answer per request; a renewed request takes one again.
func TestGate(t *testing.T) {
	g := newGate(reqState)
	steps := []struct {
		raw  string
		want replyKind
	}{
		{"/consent?admin_consent=True&tenant=" + tenantA + "&state=other", replyRefused},
		{"http://localhost:53682/consent" + rejectedQuery, replyRejected},
		{grantedQuery, replyRefused},
	}
	for i, s := range steps {
		if got := g.take(s.raw); got.kind != s.want {
			t.Fatalf("step %d: %v, want %v (%v)", i, got.kind, s.want, got.err)
		}
	}
	g.renew("fedcba9876543210")
	if got := g.take(grantedQuery); got.kind != replyRefused {
		t.Fatalf("the old request's state after renew: %v", got.kind)
	}
	if got := g.take(strings.ReplaceAll(grantedQuery, reqState, "fedcba9876543210")); got.kind != replyGranted {
		t.Fatalf("renewed request: %v (%v)", got.kind, got.err)
	}
	// admin_consent=False with the request's state is its (rejected) answer.
	g.renew(reqState)
	if got := g.take("?admin_consent=False&state=" + reqState); got.kind != replyRejected {
		t.Fatalf("admin_consent=False: %v", got.kind)
	}
}
