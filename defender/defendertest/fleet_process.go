package defendertest

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// FleetHandshake is what a fleet process tells its parent, as its first line
// on stdout: where the fake cloud listens, the CA to trust, the tenants.
type FleetHandshake struct {
	LoginURL, APIURL, GraphURL string
	// StatsURL serves GET /stats (the Stats as JSON) and POST /reset.
	StatsURL string
	CAPEM    []byte
	// Tenants are the fleet's tenant IDs, in Fleet's order.
	Tenants []string
}

// ServeFleet serves Fleet(n), every reply delayed by latency, until in ends:
// run in a child process (a test binary run again), it keeps the fake
// cloud's CPU and memory out of a benchmark's figures. It writes the
// FleetHandshake to out first.
func ServeFleet(n int, latency time.Duration, in io.Reader, out io.Writer) error {
	// The fleet process is the fake alone: let its heap grow to five times
	// what it holds (at most keptDatasets tenants' data, about 90 MB) before
	// collecting, for a fifth of the collector's CPU on the cores the
	// benchmark measures.
	debug.SetGCPercent(400)
	fleet := Fleet(n)
	c, err := Start(Options{Latency: latency, Scenarios: fleet})
	if err != nil {
		return err
	}
	defer c.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { _ = json.NewEncoder(w).Encode(c.Stats()) })
	mux.HandleFunc("POST /reset", func(http.ResponseWriter, *http.Request) { c.ResetStats() })
	go func() { _ = http.Serve(ln, mux) }()
	h := FleetHandshake{LoginURL: c.LoginURL, APIURL: c.APIURL, GraphURL: c.GraphURL,
		StatsURL: "http://" + ln.Addr().String(), CAPEM: c.CACertPEM()}
	for _, s := range fleet {
		h.Tenants = append(h.Tenants, s.TenantID)
	}
	line, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "%s\n", line); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, in)
	return nil
}

// FleetProcess is a fleet served by a child process (see ServeFleet).
type FleetProcess struct {
	FleetHandshake
	pid int
}

// StartFleetProcess starts cmd, a process that calls ServeFleet with its
// stdin and stdout, reads its handshake, and stops it when t ends.
func StartFleetProcess(t TB, cmd *exec.Cmd) *FleetProcess {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("fleet process: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("fleet process: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("fleet process: %v", err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		t.Fatalf("the fleet process said nothing: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	p := &FleetProcess{pid: cmd.Process.Pid}
	if err := json.Unmarshal(line, &p.FleetHandshake); err != nil {
		t.Fatalf("the fleet process's handshake %q: %v", line, err)
	}
	return p
}

// CertPool trusts the fleet's CA.
func (p *FleetProcess) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.CAPEM)
	return pool
}

// Stats are the fleet's request counts.
func (p *FleetProcess) Stats() (Stats, error) {
	resp, err := http.Get(p.StatsURL + "/stats")
	if err != nil {
		return Stats{}, err
	}
	defer resp.Body.Close()
	var s Stats
	err = json.NewDecoder(resp.Body).Decode(&s)
	return s, err
}

// ResetStats zeroes the fleet's request counts.
func (p *FleetProcess) ResetStats() error {
	resp, err := http.Post(p.StatsURL+"/reset", "", nil)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// CPU is the CPU time the fleet process has used, user and system, read
// from /proc (Linux); 0 where it cannot be read. A benchmark reports it so
// that a run slowed by the fake cloud's own work (signing tokens, encoding
// device lists) on the same cores is told apart from a slow client.
func (p *FleetProcess) CPU() time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	// Linux reports clock ticks of 1/100 s (USER_HZ) in /proc.
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
