//go:build !unix

package defender

import (
	"testing"
	"time"
)

// CPUTime is not measured here: the benchmarks report 0.
func CPUTime(testing.TB) time.Duration { return 0 }
