package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/paratira/mdeconnect/connector"

	"github.com/paratira/mdeconnect/defender"
)

// allSink receives `test --all`'s outcome connector by connector, in list
// order, as each is done: nothing holds a whole fleet's results.
type allSink interface {
	connector(r savedTestOutput)
	// failed is a connector that could not be tested at all.
	failed(e connectorError)
	// end follows the last connector.
	end() error
}

// textSink keeps what the summary shows (the tenants that did not pass, the
// changes, the connectors that could not be tested) and prints it at the
// end; with failedOnly, the failing tenants and untested connectors alone.
type textSink struct {
	a          *app
	failedOnly bool
	out        allOutput
	bad        bool
}

func (s *textSink) connector(r savedTestOutput) {
	count(&s.out.Summary, r)
	s.bad = s.bad || !r.OK
	keep := r
	keep.Tenants = nil
	for _, t := range r.Tenants {
		switch connector.TenantStatus(t) {
		case defender.Fail:
			keep.Tenants = append(keep.Tenants, t)
		case defender.Warn:
			if !s.failedOnly {
				keep.Tenants = append(keep.Tenants, t)
			}
		}
	}
	if s.failedOnly {
		keep.Changes = nil
	}
	if len(keep.Tenants) > 0 || len(keep.Changes) > 0 {
		s.out.Connectors = append(s.out.Connectors, keep)
	}
	s.out.OK = !s.bad
}

func (s *textSink) failed(e connectorError) {
	s.bad = true
	s.out.OK = false
	s.out.Errors = append(s.out.Errors, e)
}

func (s *textSink) end() error {
	s.out.OK = !s.bad
	printAll(s.a, s.out)
	return nil
}

// jsonDocSink writes `test --all --json`: one document, its connectors
// written as they are done, then the errors, the summary and ok (the same
// fields as before, in this order, so the document can be written as the
// run goes).
type jsonDocSink struct {
	w       io.Writer
	n       int
	summary allSummary
	errors  []connectorError
	bad     bool
	err     error
}

func (s *jsonDocSink) write(b []byte) {
	if s.err == nil {
		_, s.err = s.w.Write(b)
	}
}

func (s *jsonDocSink) connector(r savedTestOutput) {
	count(&s.summary, r)
	s.bad = s.bad || !r.OK
	head := ",\n    "
	if s.n == 0 {
		head = "{\n  \"connectors\": [\n    "
	}
	s.n++
	b, err := json.MarshalIndent(r, "    ", "  ")
	if err != nil && s.err == nil {
		s.err = err
	}
	s.write(append([]byte(head), b...))
}

func (s *jsonDocSink) failed(e connectorError) {
	s.bad = true
	s.errors = append(s.errors, e)
}

func (s *jsonDocSink) end() error {
	if s.n == 0 {
		s.write([]byte("{\n  \"connectors\": ["))
	} else {
		s.write([]byte("\n  "))
	}
	s.write([]byte("],\n"))
	tail := struct {
		Errors  []connectorError `json:"errors,omitempty"`
		Summary allSummary       `json:"summary"`
		OK      bool             `json:"ok"`
	}{s.errors, s.summary, !s.bad}
	b, err := json.MarshalIndent(tail, "", "  ")
	if err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	s.write(append(b[2:], '\n')) // without its "{\n": the fields go on the document
	if s.err != nil {
		return fmt.Errorf("writing JSON: %w", s.err)
	}
	return nil
}

// jsonLinesSink writes `test --all --json-lines`: a line per connector as it
// is done (test NAME --json's object), a line {"connector","error"} per
// connector that could not be tested, and a last line {"summary","ok"}.
type jsonLinesSink struct {
	w       io.Writer
	summary allSummary
	bad     bool
	err     error
}

func (s *jsonLinesSink) line(v any) {
	if s.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err == nil {
		_, err = s.w.Write(append(b, '\n'))
	}
	s.err = err
}

func (s *jsonLinesSink) connector(r savedTestOutput) {
	count(&s.summary, r)
	s.bad = s.bad || !r.OK
	s.line(r)
}

func (s *jsonLinesSink) failed(e connectorError) {
	s.bad = true
	s.line(e)
}

func (s *jsonLinesSink) end() error {
	s.line(struct {
		Summary allSummary `json:"summary"`
		OK      bool       `json:"ok"`
	}{s.summary, !s.bad})
	if s.err != nil {
		return fmt.Errorf("writing JSON: %w", s.err)
	}
	return nil
}
