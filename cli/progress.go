package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/paratira/mdeconnect/internal/num"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"github.com/paratira/mdeconnect/connector"
	"github.com/paratira/mdeconnect/defender"
)

// progress draws one updating line on a terminal's stderr while checks run.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	on       bool
	total    int
	finished int
	failed   int
	tenants  int
	// retry is the check last heard waiting on a retry, until it ends.
	retry *defender.Event
}

func newProgress(w io.Writer, on bool, tenants int) *progress {
	return &progress{w: w, on: on, total: tenants * len(defender.CheckIDs()), tenants: tenants}
}

func (p *progress) event(ev defender.Event) {
	if !p.on || (ev.Kind != defender.CheckFinished && ev.Kind != defender.Retrying) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Kind {
	case defender.Retrying:
		p.retry = &ev
	case defender.CheckFinished:
		p.finished++
		if ev.Result.Status == defender.Fail {
			p.failed++
		}
		if p.retry != nil && p.retry.TenantID == ev.TenantID && p.retry.Check == ev.Check {
			p.retry = nil
		}
	}
	line := fmt.Sprintf("Testing %d tenant(s): %d/%d checks done, %d failed", p.tenants, p.finished, p.total, p.failed)
	if p.retry != nil {
		// The wait says why the line stands still; the count shrinks to fit.
		line = fmt.Sprintf("%d/%d · %s: %s", p.finished, p.total, p.retry.Check.Title(), retryWords(*p.retry))
	}
	// One line, or the next \r would not clear it: 80 columns at least.
	fmt.Fprint(p.w, "\r\033[K"+ansi.Truncate(line, 79, "…"))
}

// retryWords says why a check's request waits before its next try.
func retryWords(ev defender.Event) string {
	wait := fmt.Sprintf("%d ms", ev.Wait.Milliseconds())
	if ev.Wait >= time.Second {
		wait = fmt.Sprintf("%d s", (ev.Wait+time.Second/2)/time.Second)
	}
	switch {
	case ev.Status == 429 && ev.Asked:
		return fmt.Sprintf("Microsoft asked to wait %s (throttled, try %d)", wait, ev.Attempt+1)
	case ev.Status != 0:
		return fmt.Sprintf("HTTP %d, trying again in %s (try %d)", ev.Status, wait, ev.Attempt+1)
	}
	return fmt.Sprintf("no answer, trying again in %s (try %d)", wait, ev.Attempt+1)
}

func (p *progress) done() { p.clear() }

// clear removes the progress line so other text can be printed.
func (p *progress) clear() {
	if p.on {
		p.mu.Lock()
		fmt.Fprint(p.w, "\r\033[K")
		p.mu.Unlock()
	}
}

// fleetProgress is `test --all` on a terminal: a bar of the tenants done out
// of all, the time so far, the tenants still running, and each failure as
// it happens, on a line of its own above the bar. A run of 5,000 tenants
// shows where it is; a failing tenant is seen at once, not at the end. When
// stderr is not a terminal it draws nothing: cron mail and pipes get the
// summary alone.
type fleetProgress struct {
	mu sync.Mutex
	w  io.Writer // the bar: plain text and cursor moves
	// lines takes the lines printed above the bar, their colours brought
	// down to what the terminal shows (none with NO_COLOR).
	lines   io.Writer
	on      bool
	width   int // the terminal's columns
	total   int
	done    int
	failed  int
	running []runningTenant // in the order they started
	start   time.Time
	drawn   time.Time // when the bar was last drawn
	stop    chan struct{}
	stopped sync.WaitGroup
}

// runningTenant is a tenant whose checks are under way.
type runningTenant struct{ connector, tenant string }

// barRedraw is the least time between two draws of the bar for tenants
// starting and ending (hundreds a second in a large run); failures and
// the clock redraw it too.
const barRedraw = 100 * time.Millisecond

// newFleetProgress starts the bar for total tenants; finish ends it.
func (a *app) newFleetProgress(total int) *fleetProgress {
	p := &fleetProgress{w: a.errOut, lines: a.colorWriter(a.errOut), on: a.stderrIsTerminal(), width: a.errWidth(), total: total, start: time.Now(), stop: make(chan struct{})}
	if p.on {
		p.stopped.Go(p.tick)
		p.redraw(true)
	}
	return p
}

// errWidth is stderr's width in columns; 80 when it cannot be told.
func (a *app) errWidth() int {
	if a.width != nil {
		return a.width()
	}
	if f, ok := a.errOut.(*os.File); ok {
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// tick redraws the bar every second, so the clock moves while slow tenants run.
func (p *fleetProgress) tick() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.redraw(true)
		}
	}
}

// onEvent is the engine's OnEvent for connector's tenants.
func (p *fleetProgress) onEvent(connector string) func(defender.Event) {
	return func(ev defender.Event) {
		if !p.on {
			return
		}
		switch ev.Kind {
		case defender.TenantStarted:
			p.mu.Lock()
			p.running = append(p.running, runningTenant{connector, ev.TenantID})
			p.mu.Unlock()
			p.redraw(false)
		case defender.TenantFinished:
			p.tenantDone(connector, ev.Tenant)
		}
	}
}

// tenantDone counts a tenant and, if it failed, says so above the bar.
func (p *fleetProgress) tenantDone(name string, t *defender.TenantResult) {
	p.mu.Lock()
	p.done++
	if i := p.find(name, t.TenantID); i >= 0 {
		p.running = append(p.running[:i], p.running[i+1:]...)
	}
	failed := connector.TenantStatus(*t) == defender.Fail
	if failed {
		p.failed++
		p.clearLocked()
		fmt.Fprintln(p.lines, failureLine(name, *t))
	}
	p.mu.Unlock()
	p.redraw(failed)
}

func (p *fleetProgress) find(connector, tenant string) int {
	for i, r := range p.running {
		if r.connector == connector && r.tenant == tenant {
			return i
		}
	}
	return -1
}

// println prints a line above the bar (a consent still propagating).
func (p *fleetProgress) println(line string) {
	if !p.on {
		return
	}
	p.mu.Lock()
	p.clearLocked()
	fmt.Fprintln(p.lines, line)
	p.mu.Unlock()
	p.redraw(true)
}

// finish removes the bar; the summary follows.
func (p *fleetProgress) finish() {
	if !p.on {
		return
	}
	close(p.stop)
	p.stopped.Wait()
	p.mu.Lock()
	p.clearLocked()
	p.on = false
	p.mu.Unlock()
}

func (p *fleetProgress) redraw(now bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on || (!now && time.Since(p.drawn) < barRedraw) {
		return
	}
	p.drawn = time.Now()
	fmt.Fprint(p.w, "\r\033[K"+p.line())
}

func (p *fleetProgress) clearLocked() { fmt.Fprint(p.w, "\r\033[K") }

// line is the bar: "[█████░░░░░] 2,340/5,000 tenants · 0:42 · 3 failed ·
// running 50: Contoso/72f988bf-…, Fabrikam/…", cut to the terminal's width.
func (p *fleetProgress) line() string {
	const cells = 20
	full := 0
	if p.total > 0 {
		full = cells * p.done / p.total
	}
	s := fmt.Sprintf("[%s%s] %s/%s tenants · %s", strings.Repeat("█", full), strings.Repeat("░", cells-full),
		num.Thousands(p.done), num.Thousands(p.total), clock(time.Since(p.start)))
	if p.failed > 0 {
		s += fmt.Sprintf(" · %s failed", num.Thousands(p.failed))
	}
	if n := len(p.running); n > 0 {
		names := make([]string, 0, min(n, 3))
		for _, r := range p.running[:min(n, 3)] {
			names = append(names, safe(r.connector)+"/"+safe(r.tenant))
		}
		s += fmt.Sprintf(" · running %s: %s", num.Thousands(n), strings.Join(names, ", "))
	}
	return ansi.Truncate(s, max(p.width-1, 20), "…")
}

// failureLine is a failed tenant as the bar reports it: its first failing check.
func failureLine(connector string, t defender.TenantResult) string {
	name := safe(connector) + " / " + safe(t.TenantID)
	if t.Customer != "" {
		name += " (" + safe(t.Customer) + ")"
	}
	for _, c := range t.Checks {
		if c.Status == defender.Fail {
			return fmt.Sprintf("%s %s: %s: %s", statusMark(defender.Fail), name, c.ID, checkLine(c))
		}
	}
	return fmt.Sprintf("%s %s: failed", statusMark(defender.Fail), name)
}

// clock is d as m:ss, or h:mm:ss past an hour.
func clock(d time.Duration) string {
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
