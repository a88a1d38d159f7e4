package cli

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// Most of these tests wait on the fake cloud's latencies, Retry-After
	// and timeouts, not on the CPU: run more at once than the default of one
	// per CPU, unless -parallel says otherwise.
	if !flagGiven("test.parallel") {
		_ = flag.Set("test.parallel", strconv.Itoa(max(16, runtime.GOMAXPROCS(0))))
	}
	os.Exit(m.Run())
}

// flagGiven reports whether the named flag was set on the command line.
func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
