package wizard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// listenerHeader marks every answer of the consent listener, so a wizard
// that finds its port taken can tell another mdeconnect from another program.
const listenerHeader = "X-Mdeconnect"

// listener catches the consent redirect on the localhost redirect URI. The
// gate judges each reply as it comes, so the page the browser shows says what
// the wizard made of it; the replies then reach the model through wait.
type listener struct {
	srv     *http.Server
	gate    *consentGate
	replies chan reply
	done    chan struct{}
	once    sync.Once
}

// listen serves the redirect URI's path when it names this machine; any other
// redirect URI can only be pasted back. "localhost" is served on both
// 127.0.0.1 and ::1: a browser may try either, and a port left free on one
// could be taken by another local user, who would receive the redirect.
func listen(redirectURI string, gate *consentGate) (*listener, error) {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("the redirect URI %s is not on this machine (http://localhost:PORT/...), so the result cannot be caught here: paste the address the browser shows after Accept (p)", redirectURI)
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	hosts := []string{u.Hostname()}
	if strings.EqualFold(u.Hostname(), "localhost") {
		hosts = []string{"127.0.0.1", "::1"}
	}
	var lns []net.Listener
	for i, h := range hosts {
		ln, err := net.Listen("tcp", net.JoinHostPort(h, port))
		if err != nil && i > 0 && probe(net.JoinHostPort(h, port), u.EscapedPath()) == heldByNobody {
			break // no IPv6 loopback here (nothing holds [::1]:port): no browser can reach it either
		}
		if err != nil {
			for _, l := range lns {
				_ = l.Close()
			}
			return nil, portError(u, h, port, err)
		}
		lns = append(lns, ln)
	}
	l := &listener{gate: gate, replies: make(chan reply, 16), done: make(chan struct{})}
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.HandleFunc(path, l.handle)
	// One request per connection: a browser's idle keep-alive connection
	// is closed, not left open for as long as the wizard runs.
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Second, MaxHeaderBytes: 64 << 10}
	l.srv.SetKeepAlivesEnabled(false)
	for _, ln := range lns {
		go func() { _ = l.srv.Serve(ln) }()
	}
	return l, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// portError says why host:port could not be had. The port is probed: only
// when an mdeconnect listener answers there is another mdeconnect blamed.
func portError(u *url.URL, host, port string, err error) error {
	addr := net.JoinHostPort(host, port)
	switch probe(addr, u.EscapedPath()) {
	case heldByMdeconnect:
		return fmt.Errorf("another mdeconnect is waiting for its own consent result on %s, so this one cannot catch it here: "+
			"finish or quit the other one, then come back to this step (esc, then enter); or paste the address the browser shows after Accept (p)", addr)
	case heldByOther:
		return fmt.Errorf("port %s on this machine is in use by another program, so the consent result cannot be caught here: "+
			"paste the address the browser shows after Accept (p); or quit, free the port and start again, "+
			"or start with --redirect-uri http://localhost:OTHERPORT%s if that address is registered on Paratira's app", port, u.EscapedPath())
	}
	return fmt.Errorf("cannot listen on %s for the consent result (%w): paste the address the browser shows after Accept (p)", addr, err)
}

type holder int

const (
	heldByNobody holder = iota
	heldByMdeconnect
	heldByOther
)

// probe asks who holds addr: nobody (nothing accepts), an mdeconnect
// listener (its answer carries listenerHeader), or another program.
func probe(addr, path string) holder {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return heldByNobody
	}
	_ = c.Close()
	// HEAD is refused by a listener without taking a reply, so the other
	// wizard sees nothing of this probe.
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Head("http://" + addr + path)
	if err != nil {
		return heldByOther
	}
	_ = resp.Body.Close()
	if resp.Header.Get(listenerHeader) != "" {
		return heldByMdeconnect
	}
	return heldByOther
}

func (l *listener) handle(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set(listenerHeader, "consent-listener")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet {
		h.Set("Allow", http.MethodGet)
		http.Error(w, "mdeconnect's consent listener takes the browser's GET only", http.StatusMethodNotAllowed)
		return
	}
	rep := l.gate.take(r.URL.RequestURI())
	l.send(rep)
	status, page := pageFor(rep)
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = consentPage.Execute(w, page)
}

// send hands a reply to the model. The request's answer waits for room (the
// model reads all the time); a refused reply is dropped when the model is
// behind, so a flood of forged ones cannot hold anything up.
func (l *listener) send(rep reply) {
	if rep.kind == replyRefused {
		select {
		case l.replies <- rep:
		default:
		}
		return
	}
	select {
	case l.replies <- rep:
	case <-l.done:
	}
}

// wait blocks until a reply arrives or the listener closes.
func (l *listener) wait(ctx context.Context) (reply, error) {
	select {
	case rep := <-l.replies:
		return rep, nil
	case <-l.done:
		return reply{}, errors.New("listener closed")
	case <-ctx.Done():
		return reply{}, ctx.Err()
	}
}

// close stops the listener and every connection it has.
func (l *listener) close() {
	if l == nil || l.srv == nil {
		return
	}
	l.once.Do(func() {
		close(l.done)
		_ = l.srv.Close()
	})
}
