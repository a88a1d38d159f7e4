package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
	"github.com/paratira/mdeconnect/wizard"
)

// wizardReport writes a failed wizard test's support report, in the format
// of `mdeconnect report`, redacted, readable only by the user, in the user's
// cache folder (reports/ under it), as soon as the test ends.
func (a *app) wizardReport(cloud defender.Cloud) wizard.WriteReport {
	return func(c store.Connector, secret string, res defender.Result) (string, error) {
		dir, err := reportCacheDir(a.getenv)
		if err != nil {
			return "", err
		}
		rep := a.newReport(cloud, reportConnector{Name: c.Name, ClientID: c.ClientID, Cloud: c.Cloud, Mode: c.Mode,
			Mappings: mappingsOf(c.Mappings)})
		rep.addResult(res)
		red := &defender.Redactor{}
		red.Add(secret)
		rep.finish(red)
		path := filepath.Join(dir, fmt.Sprintf("mdeconnect-report-%s-%s.json", fileSafe(c.Name), a.now().UTC().Format("20060102T150405Z")))
		if err := writeReportFile(path, rep); err != nil {
			return "", fmt.Errorf("writing the report to %s: %w", path, err)
		}
		return path, nil
	}
}

// reportCacheDir is mdeconnect's reports folder in the user cache folder
// ($XDG_CACHE_HOME, else ~/.cache on Linux), made private to the user.
func reportCacheDir(getenv func(string) string) (string, error) {
	base, err := userCacheDir(getenv)
	if err != nil {
		return "", fmt.Errorf("no user cache folder for the support report: %w", err)
	}
	dir := filepath.Join(base, "mdeconnect", "reports")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("making the reports folder %s: %w", dir, err)
	}
	return dir, nil
}

// printFailures leaves a failed test's checks and its report's path in the
// terminal's history, however the wizard ended.
func (a *app) printFailures(res wizard.Result) {
	if len(res.Failures) == 0 {
		return
	}
	w := a.colorWriter(a.errOut)
	fmt.Fprintln(w, failStyle.Render("✗")+" The last connection test failed:")
	for _, f := range res.Failures {
		fmt.Fprintln(w, "  "+f)
	}
	if res.ReportPath != "" {
		fmt.Fprintln(w, "Support report (send it to Paratira support; secrets are redacted): "+res.ReportPath)
	}
}
