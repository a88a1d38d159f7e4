// Command mdeconnect onboards a Microsoft Defender for Endpoint connector for
// Paratira: an interactive wizard, and a scriptable command for every step.
package main

import (
	"context"
	"os"
	"runtime"
	"syscall"

	"charm.land/fang/v2"
)

func main() {
	a := newApp(os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	root := newRootCmd(a)
	err := fang.Execute(context.Background(), root,
		fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM),
		fang.WithErrorHandler(a.renderError),
		// The same version string reports carry: module version, VCS revision.
		fang.WithVersion(buildVersion()+" ("+runtime.Version()+", "+goos()+")"),
	)
	a.finish()
	os.Exit(exitCode(err))
}
