//go:build windows

package cli

import (
	"io"
	"os"

	"golang.org/x/sys/windows"
)

// enableVirtualTerminal lets an older Windows console draw ANSI colours.
// A console that refuses keeps its mode: the text is still readable.
func enableVirtualTerminal(w io.Writer) {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) {
		return
	}
	var mode uint32
	h := windows.Handle(f.Fd())
	if windows.GetConsoleMode(h, &mode) == nil {
		_ = windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING)
	}
}
