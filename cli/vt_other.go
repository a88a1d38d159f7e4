//go:build !windows

package cli

import "io"

// enableVirtualTerminal is needed on Windows only.
func enableVirtualTerminal(io.Writer) {}
