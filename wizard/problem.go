package wizard

import (
	"errors"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/problem"
)

// problemText is what the user reads of a problem: its title, then what
// happened. Messages do not repeat the title (defender leaves it to the
// renderers), so it is said here, once; an empty message is the title alone.
func problemText(p problem.Code, msg string) string {
	switch {
	case p == "":
		return msg
	case msg == "" || msg == p.Title():
		return p.Title()
	}
	return p.Title() + ": " + msg
}

// errorProblem is the problem an engine error carries, if any.
func errorProblem(err error) (problem.Code, bool) {
	var de *defender.Error
	if errors.As(err, &de) && de.Problem != "" {
		return de.Problem, true
	}
	return "", false
}
