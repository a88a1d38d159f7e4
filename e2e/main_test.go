// Package e2e tests the built mdeconnect binary from the outside: as a
// process with its exit code, streams, files and signals, and in a
// pseudo-terminal drawn by a terminal emulator. The binary is built once per
// run, in TestMain; every test here runs it in folders of its own.
package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// envBenchBinary names a built mdeconnect to test instead of building one
// (scripts/bench.sh builds its own for the start-up benchmarks).
const envBenchBinary = "MDECONNECT_BENCH_BIN"

// Names the binary reads from its environment, and its exit codes.
const (
	envSecretStore  = "MDECONNECT_SECRET_STORE"
	envClientSecret = "MDECONNECT_CLIENT_SECRET"
	exitCancelled   = 130
)

// bin is the mdeconnect under test; "" under -short (unless
// MDECONNECT_BENCH_BIN names one), where the tests skip.
var bin string

func TestMain(m *testing.M) {
	flag.Parse()
	// These tests wait on child processes and the fake cloud's timers, not
	// on the CPU: run more at once than the default of one per CPU, unless
	// -parallel says otherwise.
	if !flagGiven("test.parallel") {
		_ = flag.Set("test.parallel", strconv.Itoa(max(16, runtime.GOMAXPROCS(0))))
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if b := os.Getenv(envBenchBinary); b != "" {
		bin = b
		return m.Run()
	}
	if testing.Short() {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "mdeconnect-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "mdeconnect")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/paratira/mdeconnect").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// flagGiven reports whether the named flag was set on the command line.
func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// binary returns the built mdeconnect, or skips the test under -short.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	return bin
}
