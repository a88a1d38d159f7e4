package defender

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
)

// connGate lets one request at a time per host get its connection, for
// hosts that speak HTTP/2. net/http dials once per request that finds no
// connection with a free stream, even when one new connection would serve
// them all: a run starting 50 tenants opened 95 connections to each host,
// most closed at once as unneeded (issue 15: 1,787 at --parallel 500). Taking
// turns costs microseconds while a connection has room (the turn ends as
// soon as the request has its stream) and, when none has, makes the others
// wait for the one new connection they will share. A host that answers in
// HTTP/1.1 (some TLS-inspecting proxies) needs a connection per request: its
// gate opens for good at its first connection. The zero value is ready.
type connGate struct {
	mu    sync.Mutex
	hosts map[string]*hostGate
}

// hostGate is one host's turn.
type hostGate struct {
	turn chan struct{} // holds a token while a request gets its connection
	open atomic.Bool   // the host does not multiplex: no turns
}

func (g *connGate) host(key string) *hostGate {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.hosts == nil {
		g.hosts = map[string]*hostGate{}
	}
	h := g.hosts[key]
	if h == nil {
		h = &hostGate{turn: make(chan struct{}, 1)}
		g.hosts[key] = h
	}
	return h
}

func (g *connGate) roundTrip(base http.RoundTripper, req *http.Request) (*http.Response, error) {
	h := g.host(strings.ToLower(req.URL.Scheme + "://" + req.URL.Host))
	if h.open.Load() {
		return base.RoundTrip(req)
	}
	select {
	case h.turn <- struct{}{}:
	case <-req.Context().Done():
		closeBody(req)
		return nil, req.Context().Err()
	}
	var once sync.Once
	done := func() { once.Do(func() { <-h.turn }) }
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if !multiplexed(info.Conn) {
			h.open.Store(true)
		}
		done()
	}}
	resp, err := base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	done()
	return resp, err
}

// multiplexed reports whether c speaks HTTP/2, which serves many requests at once.
func multiplexed(c net.Conn) bool {
	tc, ok := c.(*tls.Conn)
	return ok && tc.ConnectionState().NegotiatedProtocol == "h2"
}
