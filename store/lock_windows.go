//go:build windows

package store

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// lock takes an exclusive LockFileEx lock on path, waiting at most timeout.
// Windows drops the lock when the process dies.
func lock(path string, timeout time.Duration) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w; check the folder is writable", path, err)
	}
	h := windows.Handle(f.Fd())
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK | windows.LOCKFILE_FAIL_IMMEDIATELY)
	deadline := time.Now().Add(timeout)
	wait := time.Millisecond
	for {
		err = windows.LockFileEx(h, flags, 0, 1, 0, &windows.Overlapped{})
		if err == nil {
			return func() { _ = windows.UnlockFileEx(h, 0, 1, 0, &windows.Overlapped{}); _ = f.Close() }, nil
		}
		if !errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, lockTimeoutError(path, timeout)
		}
		time.Sleep(wait)
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// syncDir is a no-op: Windows cannot open a folder for flushing, and its rename
// (MoveFileEx) is already durable enough for a config file.
func syncDir(string) error { return nil }
