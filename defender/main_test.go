package defender

import (
	"flag"
	"os"
	"testing"
)

// TestMain lets the tests that wait on timers (retries, budgets, expiring
// tokens) run side by side, more of them than there are cores: they wait,
// they do not compute. -parallel on the command line still wins.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == f.DefValue {
		_ = f.Value.Set("8")
	}
	os.Exit(m.Run())
}
