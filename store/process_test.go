package store

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const helperEnv = "MDECONNECT_STORE_TEST_HELPER"

// TestHelperProcess is not a test: TestConcurrentProcesses runs the test binary
// with it to add one connector from a separate process.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("helper process for TestConcurrentProcesses")
	}
	s, err := Open(Options{Dir: os.Getenv("STORE_DIR"), SecretBackend: BackendFile})
	if err == nil {
		name := os.Getenv("CONNECTOR_NAME")
		err = s.Add(sample(name, "tenant-"+name), "secret-"+name)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	const n = 20
	dir := filepath.Join(t.TempDir(), "store")
	cmds := make([]*exec.Cmd, n)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), helperEnv+"=1", "STORE_DIR="+dir, fmt.Sprintf("CONNECTOR_NAME=c%02d", i))
		cmds[i] = cmd
	}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
	s := openTest(t, Options{Dir: dir})
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n {
		t.Fatalf("%d connectors after %d concurrent adds", len(list), n)
	}
	for i, c := range list {
		want := fmt.Sprintf("c%02d", i)
		if secret, err := s.Secret(want); c.Name != want || err != nil || secret != "secret-"+want {
			t.Errorf("connector %d = %q, secret %q, %v", i, c.Name, secret, err)
		}
	}
}
