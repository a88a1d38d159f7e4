package defender

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestTraceBudgetIsPerRun: the support transport makes a Tracer per request
// (to learn each request's tenant); sharing one TraceBudget, they keep at
// most its Max of bodies over the run, where a Tracer's own budget would be
// fresh every time and never run out.
func TestTraceBudgetIsPerRun(t *testing.T) {
	const reply = 256 << 10
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", reply))
	}))
	defer srv.Close()
	for _, tt := range []struct {
		name   string
		budget *TraceBudget
		// wantKept is the bodies kept over 10 requests.
		wantKept int
	}{
		{"a budget shared by per-request tracers", &TraceBudget{Max: 640 << 10}, 2 * reply},
		{"per-request tracers without one", nil, 10 * reply},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			kept, truncated := 0, 0
			for range 10 {
				tr := &Tracer{Base: srv.Client().Transport, Redactor: &Redactor{}, Budget: tt.budget, OnExchange: func(ex Exchange) {
					mu.Lock()
					kept += len(ex.ResponseBody)
					if ex.Truncated {
						truncated++
					}
					mu.Unlock()
				}}
				resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if n != reply {
					t.Fatalf("the caller got %d bytes of %d", n, reply)
				}
			}
			if kept != tt.wantKept {
				t.Errorf("kept %d bytes of bodies (%d truncated), want %d", kept, truncated, tt.wantKept)
			}
		})
	}
}
