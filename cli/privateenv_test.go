package cli

import (
	"os"
	"testing"
)

// The browser inherited MDECONNECT_CLIENT_SECRET (issue 14 §4): the process
// takes the private variables out of its environment at start, so nothing it
// starts inherits them, while mdeconnect itself still reads them.
func TestPrivateVariablesLeaveTheEnvironment(t *testing.T) {
	t.Setenv(EnvClientSecret, "s3cret-value")
	t.Setenv("AZURE_CLIENT_SECRET", "other")
	t.Setenv("HTTPS_PROXY", "http://proxy.example:3128")
	getenv := privateEnv()
	for _, k := range []string{EnvClientSecret, "AZURE_CLIENT_SECRET"} {
		if _, ok := os.LookupEnv(k); ok {
			t.Errorf("%s is still in the environment a child inherits", k)
		}
	}
	if getenv(EnvClientSecret) != "s3cret-value" || getenv("AZURE_CLIENT_SECRET") != "other" {
		t.Error("mdeconnect no longer sees its own variables")
	}
	if os.Getenv("HTTPS_PROXY") == "" || getenv("HTTPS_PROXY") == "" {
		t.Error("an ordinary variable was taken out")
	}
}
