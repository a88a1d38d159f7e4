package wizard

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
)

// A cancelled accessible wizard leaves nothing reading its input: what is
// typed afterwards is still there for the shell.
func TestAccessibleCancelLeavesNoReader(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	cloud, _ := defender.LookupCloud("global")
	opts := Options{Cloud: cloud, Store: &memStore{}, Browser: &fakeBrowser{}, HTTPClient: &http.Client{Transport: offline{}}}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := RunAccessible(ctx, opts, pr, io.Discard)
		errc <- err
	}()
	time.Sleep(200 * time.Millisecond) // at the mapping prompt, blocked on the pipe
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunAccessible did not return")
	}
	if _, err := pw.Write([]byte("typed later\n")); err != nil {
		t.Fatal(err)
	}
	if err := pr.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := pr.Read(buf)
	if got := string(buf[:n]); err != nil || got != "typed later\n" {
		t.Fatalf("read %q, %v: a prompt goroutine still reads the input", got, err)
	}
}
