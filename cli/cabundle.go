package cli

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/paratira/mdeconnect/defender"
)

// EnvCAFile names a PEM file of CA certificates mdeconnect trusts on top of
// the system's, on every OS: a proxy that inspects TLS, or the sandbox.
const EnvCAFile = "MDECONNECT_CA_FILE"

// envSSLCertFile is OpenSSL's variable. Go reads it on Linux and the BSDs
// only (it replaces the system bundle there); on macOS and Windows Go asks
// the platform verifier, which ignores it. mdeconnect appends its
// certificates to the system pool on every OS, so the advice "point
// SSL_CERT_FILE at the proxy's CA" works wherever it is given.
const envSSLCertFile = "SSL_CERT_FILE"

// maxCAFile bounds what is read from a CA file: a path given by mistake (a
// disk image, /dev/zero) cannot exhaust memory. Public CA bundles are ~250 KB.
const maxCAFile = 16 << 20

// newHTTPClient is the process's one HTTP client: net/http's default
// transport (HTTPS_PROXY honoured), sized for many tenants at once, trusting
// the system's CAs plus those of EnvCAFile and SSL_CERT_FILE. Every engine
// and the wizard send through it. A CA file that cannot be used is a
// *usageError: a command that talks to Microsoft stops with it (exit 2).
func newHTTPClient(getenv func(string) string) (*http.Client, error) {
	c := defender.DefaultHTTPClient(defender.DefaultParallel)
	pool, err := extraRoots(getenv)
	if err != nil || pool == nil {
		return c, err
	}
	t, ok := c.Transport.(*http.Transport)
	if !ok {
		return c, fmt.Errorf("the default HTTP transport is a %T, not an *http.Transport: the extra CAs of %s cannot be added", c.Transport, EnvCAFile)
	}
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{}
	}
	t.TLSClientConfig.RootCAs = pool
	return c, nil
}

// extraRoots is the system pool plus every certificate of the CA files the
// environment names, or nil when it names none.
func extraRoots(getenv func(string) string) (*x509.CertPool, error) {
	var files [][2]string
	for _, env := range []string{EnvCAFile, envSSLCertFile} {
		if path := getenv(env); path != "" {
			files = append(files, [2]string{env, path})
		}
	}
	if len(files) == 0 {
		return nil, nil
	}
	// On macOS and Windows, Go verifies with the platform first and, when
	// that fails and certificates were added, again with them (crypto/x509,
	// Certificate.Verify), so the system's trust is kept either way.
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range files {
		if err := appendCAFile(pool, f[0], f[1]); err != nil {
			return nil, err
		}
	}
	return pool, nil
}

// appendCAFile adds the PEM certificates of path, named by env, to pool.
func appendCAFile(pool *x509.CertPool, env, path string) error {
	fix := fmt.Sprintf("point %s at a PEM file of CA certificates (-----BEGIN CERTIFICATE-----), or unset it", env)
	f, err := os.Open(path)
	if err != nil {
		return usagef("%s=%s cannot be read: %v: %s", env, path, err, fix)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	switch {
	case err != nil:
		return usagef("%s=%s cannot be read: %v: %s", env, path, err, fix)
	case len(b) > maxCAFile:
		return usagef("%s=%s is over %d MB, too big for a CA bundle: %s", env, path, maxCAFile>>20, fix)
	case !pool.AppendCertsFromPEM(b):
		return usagef("%s=%s holds no PEM certificate (a DER file converts with `openssl x509 -inform der -in FILE -out FILE.pem`): %s", env, path, fix)
	}
	return nil
}

// failingTransport answers every request with err: a client for a path
// that does not build an engine (the wizard), so a broken CA file is still
// named, not met as "certificate signed by unknown authority".
type failingTransport struct{ err error }

func (t failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, t.err }
