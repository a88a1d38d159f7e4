// Command mdeconnect onboards a Microsoft Defender for Endpoint connector for
// Paratira: an interactive wizard, and a scriptable command for every step.
// The commands live in cli/; this file only hands them the process.
package main

import (
	"context"
	"os"

	"github.com/paratira/mdeconnect/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.System()))
}
