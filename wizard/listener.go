package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// listener catches the consent redirect on the localhost redirect URI. It
// hands each request's URL to the model, which decides what it means.
type listener struct {
	srv  *http.Server
	hits chan string
}

// listen serves the redirect URI's path when it names this machine; any other
// redirect URI can only be pasted back.
func listen(redirectURI string) (*listener, error) {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("the redirect URI %s is not on this machine (http://localhost:PORT/...), so the result cannot be caught here: paste the address the browser shows after consent", redirectURI)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	port := u.Port()
	if port == "" {
		port = "80"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s for the consent result (%w): is another mdeconnect running? You can still paste the redirected address", u.Host, err)
	}
	l := &listener{hits: make(chan string, 8)}
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.HandleFunc(path, l.handle)
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = l.srv.Serve(ln) }()
	return l, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (l *listener) handle(w http.ResponseWriter, r *http.Request) {
	select {
	case l.hits <- r.URL.RequestURI():
	default: // the model is behind; a later attempt will be caught
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>mdeconnect</title></head>`+
		`<body><h1>Consent result received</h1><p>You can close this tab and return to mdeconnect in your terminal.</p></body></html>`)
}

// wait blocks until a redirect arrives or the listener closes.
func (l *listener) wait(ctx context.Context) (string, error) {
	select {
	case raw, ok := <-l.hits:
		if !ok {
			return "", errors.New("listener closed")
		}
		return raw, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (l *listener) close() {
	if l == nil || l.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
}
