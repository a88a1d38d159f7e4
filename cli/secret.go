package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
)

// EnvClientSecret carries the client secret for scripts that cannot pipe it.
const EnvClientSecret = "MDECONNECT_CLIENT_SECRET"

// maxSecret bounds what is read from stdin; real secrets are about 40 bytes.
const maxSecret = 4096

// readSecret takes the client secret from stdin (--client-secret-stdin) or
// the environment, never from a flag value, which would end up in shell
// history and process listings. On a terminal it reads without echo.
func (a *app) readSecret(ctx context.Context, fromStdin bool) (string, error) {
	if !fromStdin {
		if s := strings.TrimSpace(a.getenv(EnvClientSecret)); s != "" {
			return s, nil
		}
		return "", usagef("no client secret given: pipe it in with --client-secret-stdin (e.g. `pass show paratira | mdeconnect ... --client-secret-stdin`) or set %s", EnvClientSecret)
	}
	var raw string
	if a.inTTY {
		line, err := a.prompter().secret(ctx, "Client secret (input hidden): ")
		if err != nil {
			return "", fmt.Errorf("reading the client secret from the terminal: %w", err)
		}
		raw = line
	} else {
		line, err := bufio.NewReader(io.LimitReader(a.in, maxSecret)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("reading the client secret from stdin: %w", err)
		}
		raw = line
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", usagef("the client secret on stdin is empty: pipe in the secret value a Paratira admin gave you")
	}
	return s, nil
}
