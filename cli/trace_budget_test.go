package cli

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/paratira/mdeconnect/defender"
)

// Every request made its own Tracer, so the 256 MB cap of a report or debug
// log never applied (40 tenants of 3 MB replies made a 504 MB report): the
// budget is the process's, shared by every exchange.
func TestTraceBudgetIsPerRun(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("x", 1<<20)
	st := &supportTransport{red: &defender.Redactor{}, budget: defender.TraceBudget{Max: 3 << 20},
		base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}, Request: r}, nil
		})}
	var mu sync.Mutex
	kept := 0
	st.subscribe(func(ex tracedExchange) { mu.Lock(); kept += len(ex.ResponseBody); mu.Unlock() })
	c := &http.Client{Transport: st}
	for range 10 {
		resp, err := c.Get("https://api.example.test/api/machines")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n != int64(len(body)) {
			t.Fatalf("the caller read %d bytes of %d", n, len(body))
		}
	}
	if kept > 3<<20 {
		t.Errorf("10 replies of 1 MB kept %d bytes in the trace, budget 3 MB", kept)
	}
	if kept < 2<<20 {
		t.Errorf("kept only %d bytes: the budget should allow 3 MB", kept)
	}
}
