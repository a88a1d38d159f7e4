package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// EnvDebug turns on --debug for every command.
const EnvDebug = "MDECONNECT_DEBUG"

// supportTransport records every HTTP exchange, redacted, for --debug logs and
// support reports. It is installed on a.httpClient, so every engine and the
// wizard send through it; newEngine adds the secret it signs in with.
type supportTransport struct {
	base  http.RoundTripper
	red   *defender.Redactor
	mu    sync.Mutex
	sinks []func(tracedExchange)
	// budget bounds what every exchange of this process copies into a
	// report or log together (256 MB), not each exchange on its own.
	budget defender.TraceBudget
}

// tracedExchange is one redacted exchange and the tenant of its bearer token.
type tracedExchange struct {
	Tenant string `json:"tenant,omitempty"`
	defender.Exchange
}

func (s *supportTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tenant := bearerTenant(req)
	tr := &defender.Tracer{Base: s.base, Redactor: s.red, Budget: &s.budget, OnExchange: func(ex defender.Exchange) {
		s.mu.Lock()
		sinks := slices.Clone(s.sinks)
		s.mu.Unlock()
		for _, f := range sinks {
			f(tracedExchange{Tenant: tenant, Exchange: ex})
		}
	}}
	return tr.RoundTrip(req)
}

func (s *supportTransport) subscribe(f func(tracedExchange)) {
	s.mu.Lock()
	s.sinks = append(s.sinks, f)
	s.mu.Unlock()
}

// bearerTenant is the tid claim of the request's bearer token: a report's
// replay tells tenants apart by it, since API paths do not name them.
func bearerTenant(req *http.Request) string {
	tok, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	c, err := defender.DecodeClaims(strings.TrimSpace(tok))
	if err != nil {
		return ""
	}
	return c.TenantID
}

// tracing installs the support transport on a.httpClient, once, and returns it.
func (a *app) tracing() *supportTransport {
	if a.httpClient != nil {
		if st, ok := a.httpClient.Transport.(*supportTransport); ok {
			return st
		}
	}
	base := a.httpClient
	if base == nil {
		base = defender.DefaultHTTPClient(defender.DefaultParallel)
	}
	st := &supportTransport{base: base.Transport, red: &defender.Redactor{}}
	c := *base
	c.Transport = st
	a.httpClient = &c
	return st
}

// traceClient is newEngine's hook: when exchanges are being recorded, the
// secret the engine signs in with is redacted from all of them.
func (a *app) traceClient(c *http.Client, secret string) *http.Client {
	if c != nil {
		if st, ok := c.Transport.(*supportTransport); ok {
			st.red.Add(secret)
		}
	}
	return c
}

// addDebugFlag gives every command --debug.
func addDebugFlag(root *cobra.Command, a *app) {
	var debug bool
	root.PersistentFlags().BoolVar(&debug, "debug", false,
		"write a log of what the command did and every HTTP exchange (secrets removed) to a file; or set "+EnvDebug+"=1")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if !debug && !truthy(a.getenv(EnvDebug)) {
			return nil
		}
		return a.startDebugLog(cmd, args)
	}
}

// startDebugLog opens the log file and logs the command, its end and every
// exchange to it. Only to it: the wizard may be drawing on the screen.
func (a *app) startDebugLog(cmd *cobra.Command, args []string) error {
	f, err := openDebugFile(a.now(), a.getenv)
	if err != nil {
		return err
	}
	st := a.tracing()
	log := slog.New(redactingHandler{slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}), st.red})
	log.Info("command started", "command", commandLine(cmd, args), "version", buildVersion(),
		"pid", os.Getpid(), "goos", goos(), "stdout_tty", a.outTTY, "stderr_tty", a.errTTY)
	st.subscribe(func(ex tracedExchange) { log.Debug("http", "exchange", ex) })
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			start := a.now()
			err := run(cmd, args)
			attrs := []any{"exit_code", exitCode(err), "duration_ms", a.now().Sub(start).Milliseconds()}
			if err != nil {
				attrs = append(attrs, "error", err.Error())
			}
			log.Info("command finished", attrs...)
			return err
		}
	}
	a.onExit = append(a.onExit, func() {
		log.Info("exit")
		f.Close()
		fmt.Fprintf(a.errOut, "Debug log: %s\n", f.Name())
	})
	return nil
}

// openDebugFile creates a new 0600 log in the user's cache folder (0700).
func openDebugFile(now time.Time, getenv func(string) string) (*os.File, error) {
	cache, err := userCacheDir(getenv)
	if err != nil {
		return nil, fmt.Errorf("--debug: no cache folder for the log (%w): set XDG_CACHE_HOME to a writable folder", err)
	}
	dir := filepath.Join(cache, "mdeconnect")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("--debug: cannot create %s for the log: %w; set XDG_CACHE_HOME to a writable folder", dir, err)
	}
	_ = os.Chmod(dir, 0o700) // the folder is ours: tighten one made by an older version
	name := fmt.Sprintf("debug-%s-%d.log", now.UTC().Format("20060102T150405Z"), os.Getpid())
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--debug: cannot create the log file: %w; set XDG_CACHE_HOME to a writable folder", err)
	}
	return f, nil
}

// userCacheDir is the user's cache folder: $XDG_CACHE_HOME as the command
// sees its environment, else the platform's (~/.cache, ~/Library/Caches,
// %LocalAppData%).
func userCacheDir(getenv func(string) string) (string, error) {
	if base := getenv("XDG_CACHE_HOME"); base != "" {
		return base, nil
	}
	return os.UserCacheDir()
}

// commandLine is the command as typed, with the values of secret-named flags
// removed (the handler redacts known secrets from the rest).
func commandLine(cmd *cobra.Command, args []string) []string {
	out := strings.Fields(cmd.CommandPath())
	cmd.Flags().Visit(func(f *pflag.Flag) {
		v := f.Value.String()
		if n := strings.ToLower(f.Name); strings.Contains(n, "secret") && !strings.HasSuffix(n, "-stdin") ||
			strings.Contains(n, "password") || strings.Contains(n, "token") {
			v = "[REDACTED]"
		}
		out = append(out, "--"+f.Name+"="+v)
	})
	return append(out, args...)
}

// redactingHandler passes every string of a record through the redactor.
type redactingHandler struct {
	slog.Handler
	red *defender.Redactor
}

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.red.String(r.Message), r.PC)
	r.Attrs(func(at slog.Attr) bool {
		out.AddAttrs(h.attr(at))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	for i, at := range attrs {
		attrs[i] = h.attr(at)
	}
	return redactingHandler{h.Handler.WithAttrs(attrs), h.red}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.Handler.WithGroup(name), h.red}
}

func (h redactingHandler) attr(at slog.Attr) slog.Attr {
	v := at.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(at.Key, h.red.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = h.attr(x)
		}
		return slog.Group(at.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(at.Key, h.red.String(err.Error()))
		}
		rv := reflect.ValueOf(v.Any())
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.String {
			return slog.Any(at.Key, redactStrings(rv, h.red))
		}
		b, err := json.Marshal(v.Any())
		if err != nil {
			return slog.String(at.Key, "unloggable: "+err.Error())
		}
		return slog.Any(at.Key, json.RawMessage(redactJSONValues(b, h.red)))
	}
	return at
}

func redactStrings(rv reflect.Value, red *defender.Redactor) []string {
	out := make([]string, rv.Len())
	for i := range out {
		out[i] = red.String(rv.Index(i).String())
	}
	return out
}
