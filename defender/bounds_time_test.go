package defender_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// slowly answers status and body after d, or earlier if the client gives up.
func slowly(d time.Duration, status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// stalls sends the headers and the start of a body, then nothing until the
// client gives up.
func stalls(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"value":[`)
	w.(http.Flusher).Flush()
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// TestRetriesStayWithinTheBudget: the README promises that a request is
// "retried with backoff within a 20 s budget per request"; slow 503s on the
// token endpoint or an API must not stretch one request past its budget.
func TestRetriesStayWithinTheBudget(t *testing.T) {
	t.Parallel() // waits on timers, not the CPU
	const budget = time.Second
	retry := defender.RetryPolicy{Attempts: 4, BaseDelay: 10 * time.Millisecond, Budget: budget, PerRequest: budget}
	// Entra ID's documented transient error: "AADSTS90033: A transient error has occurred. Please try again."
	entra503 := `{"error":"temporarily_unavailable","error_description":"AADSTS90033: A transient error has occurred. Please try again."}`
	api503 := `{"error":{"code":"ServiceUnavailable","message":"The service is temporarily unavailable."}}`
	tests := []struct {
		name    string
		route   string
		handler http.HandlerFunc
		check   defender.CheckID
	}{
		{"slow 503 token replies", routeToken, slowly(700*time.Millisecond, 503, entra503), defender.CheckToken},
		{"slow 503 API replies", routeMachines, slowly(700*time.Millisecond, 503, api503), defender.CheckSensorHealth},
		{"slow 503 Graph replies", routeHealth, slowly(700*time.Millisecond, 503, api503), defender.CheckServiceHealth},
		{"slower 503 token replies", routeToken, slowly(400*time.Millisecond, 503, entra503), defender.CheckToken},
		{"slower 503 API replies", routeMachines, slowly(400*time.Millisecond, 503, api503), defender.CheckSensorHealth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHostile(t)
			h.on(tt.route, tt.handler)
			c := h.run(t, retry)[tt.check]
			took := time.Duration(c.DurationMS) * time.Millisecond
			t.Logf("%s took %v: %s", tt.check, took, describe(c))
			if c.Status != defender.Fail {
				t.Errorf("%s = %s, want a failure", tt.check, describe(c))
			}
			if took > budget+200*time.Millisecond {
				t.Errorf("%s took %v, past its %v budget", tt.check, took, budget)
			}
		})
	}
}

// TestAStalledReplyDidNotAnswerInTime: a reply that starts and then stops
// until the per-try limit is a server that did not answer in time, not a
// connection that was cut.
func TestAStalledReplyDidNotAnswerInTime(t *testing.T) {
	t.Parallel() // waits on timers, not the CPU
	const perTry = 500 * time.Millisecond
	retry := defender.RetryPolicy{Attempts: 2, BaseDelay: 10 * time.Millisecond, Budget: 2 * time.Second, PerRequest: perTry}
	tests := []struct {
		name  string
		route string
		check defender.CheckID
	}{
		{"API", routeMachines, defender.CheckSensorHealth},
		{"Graph", routeHealth, defender.CheckServiceHealth},
		{"token", routeToken, defender.CheckToken},
		{"discovery", routeDiscovery, defender.CheckTenant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHostile(t)
			h.on(tt.route, stalls)
			start := time.Now()
			c := h.run(t, retry)[tt.check]
			if c.Status != defender.Fail || c.Problem != problem.NetworkError ||
				!strings.Contains(c.Message, "did not answer in time") || strings.Contains(c.Message, "cut") {
				t.Errorf("%s = %s, want a network_error saying it did not answer in time", tt.check, describe(c))
			}
			if d := time.Since(start); d > 3*perTry+time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}
