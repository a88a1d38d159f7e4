package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/paratira/mdeconnect/internal/sanitize"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/defender/defendertest"
)

// startReplay reads a report and serves its recorded replies.
func (a *app) startReplay(o *sandboxOptions) (*defendertest.Replay, *supportReport, error) {
	rep, err := readReport(o.replay)
	if err != nil {
		return nil, nil, err
	}
	rp, err := defendertest.StartReplay(recordingOf(rep), defendertest.ReplayOptions{Addr: o.addr, Latency: o.latency})
	if err != nil {
		return nil, nil, fmt.Errorf("starting the replay on %s: %w; choose another --addr (port 0 picks a free one)", o.addr, err)
	}
	return rp, rep, nil
}

// readReport loads a report written by `mdeconnect report` and checks it can be replayed.
func readReport(path string) (*supportReport, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--replay: %v", err)
	}
	var rep supportReport
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, usagef("--replay %s is not a report of `mdeconnect report` (%v)", path, err)
	}
	switch {
	case rep.Schema != reportSchema:
		return nil, usagef("--replay %s has report format %d; this mdeconnect reads format %d: use the mdeconnect version that wrote it (%s)",
			path, rep.Schema, reportSchema, rep.Tool.Version)
	case rep.Source == "recorded":
		return nil, usagef("--replay %s was made with --last and holds no HTTP trace: ask for a report made without --last", path)
	case len(rep.Trace) == 0:
		return nil, usagef("--replay %s holds no HTTP exchange to replay", path)
	}
	return &rep, nil
}

// recordingOf turns a report into what the replay serves.
func recordingOf(rep *supportReport) defendertest.Recording {
	rec := defendertest.Recording{Bases: []string{rep.Cloud.LoginURL, rep.Cloud.APIURL, rep.Cloud.GraphURL},
		Claims: map[string]map[string]defendertest.TokenClaims{}}
	for _, ex := range rep.Trace {
		rec.Exchanges = append(rec.Exchanges, defendertest.RecordedExchange{Tenant: ex.Tenant, Method: ex.Method, URL: ex.URL, RequestBody: ex.RequestBody,
			Status: ex.Status, Header: ex.ResponseHeaders, Body: ex.ResponseBody, Error: ex.Error})
	}
	for _, t := range rep.Tenants {
		byRes := map[string]defendertest.TokenClaims{}
		for res, c := range t.Claims {
			byRes[res] = defendertest.TokenClaims{Aud: c.Audience, Iss: c.Issuer, TID: c.TenantID, AppID: c.AppID, AppIDAcr: c.AppIDACR,
				Roles: c.Roles, Exp: c.ExpiresAt, Nbf: c.NotBefore, Iat: c.IssuedAt, Ver: c.Version, IDTyp: c.IDType, OID: c.ObjectID}
			rec.Claims[strings.ToLower(c.TenantID)] = byRes
		}
		rec.Claims[strings.ToLower(t.TenantID)] = byRes
		restoreAPICodes(rec.Exchanges, t.Checks)
	}
	return rec
}

var redactedCode = regexp.MustCompile(`("code"\s*:\s*")\[REDACTED\]"`)

// restoreAPICodes puts back API error codes that reports from builds before
// 7112dd1 redacted (their tracer took JSON "code" for an OAuth code), from the
// checks' diagnostics. Current reports keep the codes; this reads old ones.
func restoreAPICodes(exs []defendertest.RecordedExchange, checks []reportCheck) {
	for _, c := range checks {
		d := c.Diag
		if d == nil || d.APICode == "" || d.URL == "" {
			continue
		}
		for i := len(exs) - 1; i >= 0; i-- {
			if exs[i].URL == d.URL && exs[i].Status == d.HTTPStatus {
				exs[i].Body = redactedCode.ReplaceAllString(exs[i].Body, "${1}"+strings.ReplaceAll(d.APICode, "$", "")+`"`)
				break
			}
		}
	}
}

// replayNote tells support what is being replayed and how to test against it.
func replayNote(rep *supportReport, path string) string {
	var b strings.Builder
	// Every value below comes from the report, a file from outside: shown
	// sanitised and quoted, and offered as a flag only when it is one.
	fmt.Fprintf(&b, "Replaying %d exchanges of %s (mdeconnect %s, %s, cloud %s).\nTenants:", len(rep.Trace), sanitize.Quote(path),
		sanitize.Quote(rep.Tool.Version), rep.CreatedAt.Format("2006-01-02 15:04 MST"), sanitize.Quote(rep.Connector.Cloud))
	if n := truncated(rep); n > 0 {
		fmt.Fprintf(&b, "\nWarning: %d recorded replies were cut at 2 MB in the report; the checks that read them will differ.", n)
	}
	for _, t := range rep.Tenants {
		if tid, err := defender.ParseTenant(t.TenantID); err == nil {
			fmt.Fprintf(&b, " %s", tid)
		} else {
			fmt.Fprintf(&b, " %s (not a tenant ID or domain)", sanitize.Quote(t.TenantID))
		}
	}
	var flags []string
	if c := rep.Connector.Cloud; c != "" && !strings.EqualFold(c, "global") {
		if cl, err := defender.LookupCloud(c); err == nil {
			flags = append(flags, "--cloud "+cl.Name)
		} else {
			fmt.Fprintf(&b, "\nWarning: the report names an unknown cloud %s.", sanitize.Quote(c))
		}
	}
	if id := rep.Connector.ClientID; id != "" && id != defender.ParatiraClientID {
		if defender.IsGUID(id) {
			flags = append(flags, "--client-id "+strings.ToLower(id))
		} else {
			fmt.Fprintf(&b, "\nWarning: the report's client ID %s is not a GUID.", sanitize.Quote(id))
		}
	}
	if len(flags) > 0 {
		fmt.Fprintf(&b, "\nTest with: %s", strings.Join(flags, " "))
	}
	b.WriteString(doctorReplayHint(path)) // the tenant's side, when recorded (doctor_replay.go)
	return b.String()
}

func truncated(rep *supportReport) int {
	n := 0
	for _, ex := range rep.Trace {
		if ex.Truncated {
			n++
		}
	}
	return n
}
