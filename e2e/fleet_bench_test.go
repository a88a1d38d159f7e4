package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
	"github.com/paratira/mdeconnect/store"
)

// Environment of the child process that serves a fleet (TestFleetCloudChild).
const (
	envFleetTenants = "MDECONNECT_BENCH_FLEET_TENANTS"
	envFleetLatency = "MDECONNECT_BENCH_FLEET_LATENCY"
)

// fleetLatency is what the fake adds to every reply, as issue 15 measured.
const fleetLatency = 200 * time.Millisecond

// TestFleetCloudChild is not a test: run by startFleet in a child process,
// it serves a fleet of healthy tenants until its stdin closes, so the
// fake's CPU and memory are not the benchmark's.
func TestFleetCloudChild(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(envFleetTenants))
	if err != nil {
		t.Skip("runs only as the fleet child of a benchmark")
	}
	latency, err := time.ParseDuration(os.Getenv(envFleetLatency))
	if err != nil {
		t.Fatal(err)
	}
	if err := defendertest.ServeFleet(n, latency, os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

// fleet is a fleet served by a child process and what reaches it.
type fleet struct {
	*defendertest.FleetProcess
	env []string // the fleet's URLs and CA file, a store folder, the file secret backend
	dir string   // the store folder
}

func startFleet(b *testing.B, n int, latency time.Duration) *fleet {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFleetCloudChild$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), envFleetTenants+"="+strconv.Itoa(n), envFleetLatency+"="+latency.String())
	cmd.Stderr = os.Stderr
	p := defendertest.StartFleetProcess(b, cmd)
	tmp := b.TempDir()
	ca := filepath.Join(tmp, "ca.pem")
	if err := os.WriteFile(ca, p.CAPEM, 0o600); err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(tmp, "config")
	return &fleet{FleetProcess: p, dir: dir, env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "TERM=dumb", "NO_COLOR=1",
		"XDG_CACHE_HOME=" + filepath.Join(tmp, "cache"), "MDECONNECT_CONFIG_DIR=" + dir, envSecretStore + "=file",
		"MDECONNECT_CA_FILE=" + ca, defender.EnvLoginURL + "=" + p.LoginURL, defender.EnvAPIURL + "=" + p.APIURL, defender.EnvGraphURL + "=" + p.GraphURL}}
}

// saveFleet writes a store of connectors of perConnector tenants each, over
// the fleet's first connectors*perConnector tenants, each with a recorded
// test, as `add` and `test` would have left it, in one write (saving 10,000
// connectors through the store one by one would take an hour).
func (f *fleet) saveFleet(b *testing.B, connectors, perConnector int) {
	b.Helper()
	at := time.Now().UTC().Truncate(time.Second)
	doc := struct {
		Version    int               `json:"version"`
		Connectors []store.Connector `json:"connectors"`
	}{Version: 2}
	secrets := map[string]string{}
	for i := range connectors {
		c := store.Connector{Name: fmt.Sprintf("Customer %05d", i), Type: store.TypeDefender, Mode: store.OneToOne,
			ClientID: defendertest.SandboxClientID, Cloud: "global", SecretStore: store.BackendFile, CreatedAt: at, UpdatedAt: at,
			LastValidation: &store.Validation{At: at, OK: true}}
		if perConnector > 1 {
			c.Mode = store.OneToMany
		}
		for k := range perConnector {
			tid := f.Tenants[i*perConnector+k]
			c.Mappings = append(c.Mappings, store.Mapping{TenantID: tid, CustomerName: fmt.Sprintf("Customer %05d-%d", i, k), AddedAt: at})
			tv := store.TenantValidation{TenantID: tid, OK: true, RegionScope: "EU", GrantedRoles: defender.RequiredRoles()}
			for _, id := range defender.CheckIDs() {
				tv.Checks = append(tv.Checks, store.Check{ID: string(id), Status: string(defender.Pass)})
			}
			c.LastValidation.Tenants = append(c.LastValidation.Tenants, tv)
		}
		doc.Connectors = append(doc.Connectors, c)
		secrets[c.Name] = defendertest.SandboxClientSecret
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	sec, err := json.MarshalIndent(map[string]any{"version": 1, "secrets": secrets}, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		b.Fatal(err)
	}
	for name, data := range map[string][]byte{"connectors.json": append(raw, '\n'), "secrets.json": append(sec, '\n')} {
		if err := os.WriteFile(filepath.Join(f.dir, name), data, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	// The store must read it: a fixture it refuses measures nothing.
	st, err := store.Open(store.Options{Dir: f.dir, SecretBackend: store.BackendFile})
	if err != nil {
		b.Fatal(err)
	}
	if list, err := st.List(); err != nil || len(list) != connectors {
		b.Fatalf("the fixture does not load: %d connectors, %v", len(list), err)
	}
}

// proc is one measured run of the binary.
type proc struct {
	wall, cpu time.Duration
	rss       uint64 // the resident high-water mark (VmHWM) last seen
	sockets   int    // the most sockets open at once
	stdout    []byte
	code      int
}

// runMeasured runs bin to its end, sampling its memory and sockets from /proc.
func runMeasured(b *testing.B, bin string, env []string, args ...string) proc {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var out, errOut bytes.Buffer
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &errOut
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var p proc
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			rss, socks := sample(cmd.Process.Pid)
			mu.Lock()
			p.rss, p.sockets = max(p.rss, rss), max(p.sockets, socks)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	err := cmd.Wait()
	p.wall = time.Since(start)
	close(stop)
	wg.Wait()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		b.Fatal(err)
	}
	p.code = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	p.stdout = out.Bytes()
	if p.code != 0 {
		b.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), p.code, errOut.Bytes())
	}
	return p
}

// sample reads a process's VmHWM and its open sockets.
func sample(pid int) (rss uint64, sockets int) {
	if raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for line := range strings.Lines(string(raw)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				rss = kb << 10
			}
		}
	}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			sockets++
		}
	}
	return rss, sockets
}

// BenchmarkTestAll runs the built binary's `test --all` over 500 connectors
// of 10 tenants and 2,000 of one, at 200 ms a reply, against the ideal
// ceil(tenants/parallel) x two replies; with the store's writes, the
// requests per tenant, and the process's CPU, memory and sockets.
func BenchmarkTestAll(b *testing.B) {
	bin := benchBinary(b)
	parallel := defender.DefaultParallel
	for _, shape := range []struct{ connectors, tenants int }{{500, 10}, {2000, 1}} {
		b.Run(fmt.Sprintf("%dx%d", shape.connectors, shape.tenants), func(b *testing.B) {
			n := shape.connectors * shape.tenants
			f := startFleet(b, n, fleetLatency)
			f.saveFleet(b, shape.connectors, shape.tenants)
			path := filepath.Join(f.dir, "connectors.json")
			var sum proc
			writes, fake := 0, time.Duration(0)
			requests := 0
			for b.Loop() {
				before, err := os.ReadFile(path)
				if err != nil {
					b.Fatal(err)
				}
				if err := f.ResetStats(); err != nil {
					b.Fatal(err)
				}
				fakeCPU := f.CPU()
				p := runMeasured(b, bin, f.env, "test", "--all", "--json", "--parallel", strconv.Itoa(parallel))
				fake += f.CPU() - fakeCPU
				var out struct {
					OK      bool `json:"ok"`
					Summary struct{ Tenants, Passing int }
				}
				if err := json.Unmarshal(p.stdout, &out); err != nil || !out.OK || out.Summary.Passing != n {
					b.Fatalf("test --all: ok %v, %+v, %v", out.OK, out.Summary, err)
				}
				writes = max(writes, storeWrites(b, path, before))
				requests = max(requests, mostRequests(b, f))
				sum.wall += p.wall
				sum.cpu += p.cpu
				sum.rss, sum.sockets = max(sum.rss, p.rss), max(sum.sockets, p.sockets)
			}
			wall := sum.wall / time.Duration(b.N)
			ideal := time.Duration((n+parallel-1)/parallel) * 2 * fleetLatency
			b.ReportMetric(ms(wall), "wall_ms")
			b.ReportMetric(ms(ideal), "ideal_ms")
			b.ReportMetric(float64(wall)/float64(ideal), "x_ideal")
			b.ReportMetric(ms(sum.cpu)/float64(n*b.N), "cpu_ms/tenant")
			b.ReportMetric(ms(fake)/float64(n*b.N), "fake_cpu_ms/tenant")
			b.ReportMetric(float64(sum.rss)/(1<<20), "peak_rss_MB")
			b.ReportMetric(float64(sum.sockets), "peak_sockets")
			b.ReportMetric(float64(writes), "store_writes")
			b.ReportMetric(float64(requests), "requests/tenant")
			b.ReportMetric(float64(parallel), "parallel")
		})
	}
}

// storeWrites is 1 when a run wrote connectors.json once: the store keeps
// the file from before each write as its backup, so after one write the
// backup is the file from before the run. 2 means twice or more.
func storeWrites(b *testing.B, path string, before []byte) int {
	b.Helper()
	after, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	bak, _ := os.ReadFile(path + ".bak")
	switch {
	case bytes.Equal(after, before):
		return 0
	case bytes.Equal(bak, before):
		return 1
	}
	return 2
}

// mostRequests is the most requests the fake saw for one tenant.
func mostRequests(b *testing.B, f *fleet) int {
	b.Helper()
	s, err := f.Stats()
	if err != nil {
		b.Fatal(err)
	}
	most := 0
	for _, n := range s.Requests {
		most = max(most, n)
	}
	return most
}

// storeConnectors is how many saved connectors the store benchmarks read.
const storeConnectors = 10000

// BenchmarkStore10k times whole processes of the built binary over a store
// of 10,000 connectors, each with a recorded test: `show NAME`, `list
// --json`, and `test NAME` against a fake answering at once, whose time
// beyond an ad hoc test of the same tenant is the store's.
func BenchmarkStore10k(b *testing.B) {
	bin := benchBinary(b)
	f := startFleet(b, storeConnectors, 0)
	f.saveFleet(b, storeConnectors, 1)
	name := fmt.Sprintf("Customer %05d", storeConnectors/2)
	tenant := f.Tenants[storeConnectors/2]
	secretEnv := append(append([]string{}, f.env...), envClientSecret+"="+defendertest.SandboxClientSecret)
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"show", f.env, []string{"show", name}},
		{"list_json", f.env, []string{"list", "--json"}},
		{"test_name", f.env, []string{"test", name}},
		{"test_adhoc_same_tenant", secretEnv, []string{"test", "--tenant", tenant}},
	} {
		b.Run(c.name, func(b *testing.B) {
			runMeasured(b, bin, c.env, c.args...) // the page cache warm, as every day
			var wall time.Duration
			for b.Loop() {
				wall += runMeasured(b, bin, c.env, c.args...).wall
			}
			b.ReportMetric(ms(wall/time.Duration(b.N)), "wall_ms")
		})
	}
}
