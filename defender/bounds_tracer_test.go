package defender

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// RaceEnabled is raceEnabled for this package's external tests.
const RaceEnabled = raceEnabled

// TestTracerHoldsOnlyTheStartOfAReply: a traced 400 MB reply reaches its
// reader whole while the trace keeps its first 2 MB; the tracer never holds
// the rest, so tracing (--debug, report) adds no memory to a huge reply.
func TestTracerHoldsOnlyTheStartOfAReply(t *testing.T) {
	const size = 400 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for left := size; left > 0; left -= len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	var got []Exchange
	tr := &Tracer{Base: srv.Client().Transport, Redactor: &Redactor{}, OnExchange: func(ex Exchange) { got = append(got, ex) }}
	var n int64
	peak := MeasurePeak(t, func() {
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n, _ = io.Copy(io.Discard, resp.Body)
	})
	t.Logf("peak RSS %d MB", peak.RSS>>20)
	if n != size {
		t.Errorf("the reader got %d bytes of %d", n, size)
	}
	if len(got) != 1 || len(got[0].ResponseBody) != maxTracedBody || !got[0].Truncated {
		t.Fatalf("trace = %d exchanges, want one keeping the first %d bytes, marked truncated", len(got), maxTracedBody)
	}
	if peak.RSS > 60<<20 && !raceEnabled {
		t.Errorf("peak RSS %d MB while streaming a traced reply, want under 60 MB", peak.RSS>>20)
	}
}
