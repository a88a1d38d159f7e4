package wizard

import (
	"errors"
	"net/url"
	"strings"
	"sync"

	"github.com/paratira/mdeconnect/defender"
)

// consentGate is the one consent request the wizard waits for: its state,
// and whether its one reply has come. The listener and a pasted address both
// go through it, so a second reply (a replay, a forged page, a slower tab)
// never changes the first: a granted consent is not turned into a rejected
// one. A new request (renew) gets a new state and accepts one reply again.
type consentGate struct {
	mu       sync.Mutex
	state    string
	answered bool
}

// replyKind is how the gate judged a consent redirect.
type replyKind int

const (
	// replyGranted and replyRejected are the request's one answer.
	replyGranted replyKind = iota + 1
	replyRejected
	// replyRefused is not an answer to this request: another request's
	// state, not a consent redirect at all, or a reply after the answer.
	replyRefused
)

// reply is a consent redirect as judged by the gate.
type reply struct {
	kind replyKind
	res  defender.ConsentResult
	// err says why a reply was refused, or, for a rejected reply the
	// parser calls an error (admin_consent=False), what it said.
	err error
}

// errAnswered refuses a reply to a request that already has its answer.
var errAnswered = errors.New("this consent request has already been answered; a later reply cannot change it: to approve again, open the consent link mdeconnect shows now")

func newGate(state string) *consentGate { return &consentGate{state: state} }

// currentState is the state of the request in force.
func (g *consentGate) currentState() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.state
}

// isAnswered says the request in force has had its one reply.
func (g *consentGate) isAnswered() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.answered
}

// renew starts a new request with state: it accepts one reply again.
func (g *consentGate) renew(state string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.state, g.answered = state, false
}

// take judges raw (a redirected URL or its query): the first reply with the
// request's state is its answer; every other is refused.
func (g *consentGate) take(raw string) reply {
	g.mu.Lock()
	defer g.mu.Unlock()
	res, err := defender.ParseConsentRedirect(raw, g.state)
	switch {
	case err == nil && g.answered, err != nil && g.answered && g.ownReply(raw):
		return reply{kind: replyRefused, err: errAnswered}
	case err == nil:
		g.answered = true
		if res.Granted {
			return reply{kind: replyGranted, res: res}
		}
		return reply{kind: replyRejected, res: res}
	case g.ownReply(raw):
		// The request's own reply saying consent was not given
		// (admin_consent=False): an answer, though the parser calls it an error.
		g.answered = true
		return reply{kind: replyRejected, res: res, err: err}
	}
	return reply{kind: replyRefused, err: err}
}

// ownReply says raw is a consent redirect carrying this request's state.
func (g *consentGate) ownReply(raw string) bool {
	q := redirectValues(raw)
	return g.state != "" && strings.HasPrefix(q.Get("state"), g.state) && (q.Get("admin_consent") != "" || q.Get("error") != "")
}

// redirectValues is the query of a redirected URL, or of a bare query.
func redirectValues(raw string) url.Values {
	raw = strings.Trim(strings.TrimSpace(raw), "\"'<>")
	if _, rest, ok := strings.Cut(raw, "?"); ok {
		raw = rest
	}
	raw, _, _ = strings.Cut(raw, "#")
	q, _ := url.ParseQuery(raw)
	return q
}
