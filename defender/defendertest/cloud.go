package defendertest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a fake cloud. The zero value is ready to use.
type Options struct {
	Latency       time.Duration // added before every reply of all three servers
	ClientID      string        // default SandboxClientID
	ClientSecret  string        // default SandboxClientSecret
	Scenarios     []Scenario    // default Scenarios()
	TokenLifetime time.Duration // default 1h (expires_in 3599)
	// Addr is the login server's listen host:port, default "127.0.0.1:0";
	// the API and Graph servers listen on port 0 of the same host.
	Addr string
	// RateLimits makes the Defender API answer 429 when a tenant's calls go
	// over an API's documented limit (machines 100 a minute and 1,500 an
	// hour, deviceavinfo 30 and 1,000), as Microsoft would.
	RateLimits bool
}

func (o Options) withDefaults() Options {
	if o.ClientID == "" {
		o.ClientID = SandboxClientID
	}
	if o.ClientSecret == "" {
		o.ClientSecret = SandboxClientSecret
	}
	if o.Scenarios == nil {
		o.Scenarios = Scenarios()
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = time.Hour
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	return o
}

// Cloud is a running fake Microsoft cloud: three loopback TLS servers sharing one CA.
type Cloud struct {
	LoginURL, APIURL, GraphURL string // "https://127.0.0.1:port", no trailing slash

	opts    Options
	certs   *certificates
	signer  func() (*signer, error) // waits for the key made in the background
	epoch   time.Time               // data timestamps are relative to it
	latency atomic.Int64
	done    chan struct{}
	closing sync.Once
	servers []*http.Server

	mu      sync.Mutex
	stats   Stats
	tenants map[string]*tenantState // by tenant ID
	byKey   map[string]int          // scenario index by name, ID, domain (lookup)
	// built are the tenants whose data set is kept, a ring whose next to
	// let go is at oldest (tenantData).
	built  []*tenantState
	oldest int
	// bodies are reusable buffers for the device lists' bodies (writeRows):
	// a ResponseWriter's Write has sent or copied the bytes when it returns.
	bodies sync.Pool
	// opaqueTokens are the claims of the non-JWT tokens minted (tokenOpaque).
	opaqueTokens map[string]claims
	// doctor holds the admin sign-ins of `mdeconnect doctor` (doctor.go).
	doctor doctorState
}

// Start generates the CA, leaf and signing key and starts the three servers.
func Start(opts Options) (*Cloud, error) {
	opts = opts.withDefaults()
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("fake cloud address %q: %w", opts.Addr, err)
	}
	now := time.Now().UTC()
	certs, err := newCertificates(now, host)
	if err != nil {
		return nil, err
	}
	// The signing key takes about 10 ms to make (newSigningKey), which
	// --sandbox would add before the wizard's first frame: make it in the
	// background; the first token or key request waits for it.
	sig := sync.OnceValues(newSigner)
	go func() { _, _ = sig() }()
	c := &Cloud{opts: opts, certs: certs, signer: sig, epoch: now.Truncate(time.Minute), done: make(chan struct{}),
		opaqueTokens: map[string]claims{}}
	c.latency.Store(int64(opts.Latency))
	c.stats = newStats()
	c.tenants = newTenantStates(opts.Scenarios)
	c.byKey = scenarioIndex(opts.Scenarios)
	for _, s := range []struct {
		addr    string
		url     *string
		handler http.Handler
	}{
		{opts.Addr, &c.LoginURL, c.doctorLogin(c.loginHandler())},
		{net.JoinHostPort(host, "0"), &c.APIURL, c.apiHandler()},
		{net.JoinHostPort(host, "0"), &c.GraphURL, c.doctorGraph(c.graphHandler())},
	} {
		if *s.url, err = c.serve(s.addr, s.handler); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func (c *Cloud) serve(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("fake cloud listening on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           c.common(h),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{c.certs.leaf}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // clients that distrust the CA are expected
	}
	c.servers = append(c.servers, srv)
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			ln.Close()
		}
	}()
	return "https://" + ln.Addr().String(), nil
}

// common counts every request and applies the cloud-wide latency.
func (c *Cloud) common(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.stats.Total++
		c.mu.Unlock()
		if !c.sleep(r.Context(), time.Duration(c.latency.Load())) {
			return
		}
		h.ServeHTTP(w, r)
	})
}

// sleep waits d unless the request or the cloud ends first; false means stop.
func (c *Cloud) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-c.done:
	}
	return false
}

// Close stops the servers and releases any request still held (hung, latency).
func (c *Cloud) Close() {
	c.closing.Do(func() {
		close(c.done)
		for _, s := range c.servers {
			s.Close()
		}
	})
}

// CACertPEM is the CA certificate in PEM, for SSL_CERT_FILE-style trust.
func (c *Cloud) CACertPEM() []byte { return slices.Clone(c.certs.caPEM) }

// CertPool trusts the fake cloud's CA only.
func (c *Cloud) CertPool() *x509.CertPool { return c.certs.pool.Clone() }

// Client is an HTTP client that trusts the fake cloud's CA.
func (c *Cloud) Client() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: c.CertPool(), MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t}
}

// SetLatency changes the delay added before every reply.
func (c *Cloud) SetLatency(d time.Duration) { c.latency.Store(int64(d)) }

// SetConsent grants or revokes admin consent in a tenant at run time; without
// consent token requests answer AADSTS700016, or AADSTS7000229 in the
// scenarios whose enterprise application is missing or deleted.
func (c *Cloud) SetConsent(tenantID string, granted bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tenant(tenantID); t != nil {
		t.consented = granted
	}
}

// Scenarios lists the tenants this cloud serves.
func (c *Cloud) Scenarios() []Scenario { return slices.Clone(c.opts.Scenarios) }
