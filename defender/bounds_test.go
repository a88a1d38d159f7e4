package defender_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

const mb = 1 << 20

// body is how a hostile reply is sent.
type body int

const (
	chunked  body = iota // no length: the reader finds out by reading
	declared             // an honest Content-Length
	gzipped              // Content-Encoding: gzip, n bytes once decompressed
)

// hugeReply answers head, n bytes of filler (repeated) and tail, sent as how says.
func hugeReply(how body, status int, head, filler string, n int64, tail string) http.HandlerFunc {
	chunk := []byte(strings.Repeat(filler, (64<<10)/len(filler)))
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, io.LimitReader(r.Body, mb))
		w.Header().Set("Content-Type", "application/json")
		var out io.Writer = w
		switch how {
		case declared:
			w.Header().Set("Content-Length", strconv.FormatInt(int64(len(head))+n+int64(len(tail)), 10))
		case gzipped:
			w.Header().Set("Content-Encoding", "gzip")
			gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
			defer gz.Close()
			out = gz
		}
		w.WriteHeader(status)
		if _, err := io.WriteString(out, head); err != nil {
			return
		}
		for left := n; left > 0; left -= int64(len(chunk)) {
			if _, err := out.Write(chunk[:min(int64(len(chunk)), left)]); err != nil {
				return // the client stopped reading: what a bounded client does
			}
		}
		io.WriteString(out, tail)
	}
}

// TestHugeTokenAndDiscoveryRepliesFailInBoundedMemory: MSAL reads token and
// discovery replies itself; the transport stops each at 1 MB, decompressed
// size included, so a 400 MB reply or a gzip bomb ends in a clear failure
// and peak RSS stays under 100 MB.
func TestHugeTokenAndDiscoveryRepliesFailInBoundedMemory(t *testing.T) {
	const size = 400 * mb
	tests := []struct {
		name  string
		route string
		how   body
		check defender.CheckID
	}{
		{"400 MB token reply", routeToken, chunked, defender.CheckToken},
		{"400 MB token reply with its length", routeToken, declared, defender.CheckToken},
		{"token gzip bomb", routeToken, gzipped, defender.CheckToken},
		{"400 MB token error reply", routeToken, chunked, defender.CheckToken},
		// MSAL reads no discovery reply any more (see tenantMetadata): the
		// engine's own discovery, the tenant check, is the one bounded.
		{"400 MB discovery reply", routeDiscovery, chunked, defender.CheckTenant},
		{"discovery gzip bomb", routeDiscovery, gzipped, defender.CheckTenant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHostile(t)
			status := http.StatusOK
			if strings.Contains(tt.name, "error") {
				status = http.StatusBadRequest
			}
			h.on(tt.route, hugeReply(tt.how, status, `{"token_type":"Bearer","error_description":"`, "A", size, `"}`))
			var checks map[defender.CheckID]defender.CheckResult
			start := time.Now()
			peak := defender.MeasurePeak(t, func() { checks = h.run(t, defender.RetryPolicy{}) })
			took := time.Since(start)
			t.Logf("peak RSS %d MB, %v", peak.RSS/mb, took.Round(time.Millisecond))
			c := checks[tt.check]
			if c.Status != defender.Fail || c.Problem != problem.ServiceError || !strings.Contains(c.Message, "more than 1 MB") {
				t.Errorf("%s = %s, want a failed service_error saying the reply passed 1 MB", tt.check, describe(c))
			}
			if tt.route == routeDiscovery {
				// The engine's own discovery read is bounded too. (Its
				// problem code is networkError's to pass through.)
				if ten := checks[defender.CheckTenant]; ten.Status != defender.Fail || !strings.Contains(ten.Message, "more than 1 MB") {
					t.Errorf("tenant = %s, want a failure saying the reply passed 1 MB", describe(ten))
				}
			}
			if peak.RSS > 100*mb && !defender.RaceEnabled {
				t.Errorf("peak RSS %d MB, want under 100 MB", peak.RSS/mb)
			}
			if len(c.Message) > 4096 {
				t.Errorf("the message is %d bytes long", len(c.Message))
			}
		})
	}
}

// TestHugeAPIRepliesFail: one API reply stops at the page cap (64 MB),
// decompressed size included; a check's pages together stop at 100,000 items
// or 128 MB, and the failure says what was counted.
func TestHugeAPIRepliesFail(t *testing.T) {
	tests := []struct {
		name string
		// page serves page n (1-based) of the machines list.
		page   func(h *hostile, n int) http.HandlerFunc
		msgHas []string
	}{
		{"page gzip bomb", func(h *hostile, n int) http.HandlerFunc {
			return hugeReply(gzipped, 200, `{"value":[`, " ", 200*mb, `]}`)
		}, []string{"more than 64 MB"}},
		{"400 MB page", func(h *hostile, n int) http.HandlerFunc {
			return hugeReply(chunked, 200, `{"value":[`, " ", 400*mb, `]}`)
		}, []string{"more than 64 MB"}},
		{"three 63 MB pages of {}", func(h *hostile, n int) http.HandlerFunc {
			return hugeReply(declared, 200, fmt.Sprintf(`{%s"value":[{}`, nextLink(h, n)), ",{}", 63*mb, "]}")
		}, []string{"100,000 items", "page 1"}},
		{"three 60 MB pages of blanks", func(h *hostile, n int) http.HandlerFunc {
			return hugeReply(chunked, 200, fmt.Sprintf(`{%s"value":[{}`, nextLink(h, n)), " ", 60*mb, `]}`)
		}, []string{"128 MB", "page 3", "2 items"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHostile(t)
			h.on(routeMachines, func(w http.ResponseWriter, r *http.Request) {
				n, _ := strconv.Atoi(r.URL.Query().Get("page"))
				tt.page(h, max(n, 1))(w, r)
			})
			start := time.Now()
			var checks map[defender.CheckID]defender.CheckResult
			// Generous times: under -race, inflating 64 MB takes seconds.
			retry := defender.RetryPolicy{Attempts: 1, Budget: time.Minute, PerRequest: time.Minute}
			peak := defender.MeasurePeak(t, func() { checks = h.run(t, retry) })
			t.Logf("peak RSS %d MB, %v", peak.RSS/mb, time.Since(start).Round(time.Millisecond))
			c := checks[defender.CheckSensorHealth]
			if c.Status != defender.Fail || c.Problem != problem.ServiceError {
				t.Errorf("sensor health = %s, want a failed service_error", describe(c))
			}
			for _, s := range tt.msgHas {
				if !strings.Contains(c.Message, s) {
					t.Errorf("sensor health = %s, want it to say %q", describe(c), s)
				}
			}
		})
	}
}

// nextLink is the "@odata.nextLink" member of page n of 3, with its comma.
func nextLink(h *hostile, n int) string {
	if n >= 3 {
		return ""
	}
	return fmt.Sprintf(`"@odata.nextLink":"%s/api/machines?page=%d",`, h.URL, n+1)
}

// TestServerTextIsBoundedAtReadTime: a 10 MB service name or error message
// never becomes a 10 MB check message.
func TestServerTextIsBoundedAtReadTime(t *testing.T) {
	huge := strings.Repeat("A", 10*mb)
	tests := []struct {
		name    string
		route   string
		handler http.HandlerFunc
		check   defender.CheckID
	}{
		{"10 MB service name", routeHealth, func(w http.ResponseWriter, r *http.Request) {
			// Matched by its id (Microsoft365Defender) or its name, whichever the check reads.
			io.WriteString(w, `{"value":[{"id":"Microsoft365Defender","service":"Microsoft Defender XDR`+huge+`","status":"serviceDegradation`+huge+`"}]}`)
		}, defender.CheckServiceHealth},
		{"10 MB API error message", routeMachines, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"code":"Forbidden","message":"`+huge+`"}}`)
		}, defender.CheckSensorHealth},
		{"10 MB API error code", routeMachines, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"code":"`+huge+`","message":"x"}}`)
		}, defender.CheckSensorHealth},
		{"10 MB Entra error description", routeToken, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_client","error_description":"`+huge+`"}`)
		}, defender.CheckToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHostile(t)
			h.on(tt.route, tt.handler)
			c := h.run(t, defender.RetryPolicy{Attempts: 1})[tt.check]
			if len(c.Message) > 8<<10 {
				t.Errorf("%s = %s (%d bytes), want a message of at most 8 KB", tt.check, describe(c), len(c.Message))
			}
		})
	}
}
