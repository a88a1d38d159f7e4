//go:build unix

package defender

import (
	"syscall"
	"testing"
	"time"
)

// CPUTime is the CPU this process has used, user and system.
func CPUTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
