package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/paratira/mdeconnect/defender/doctor"
	"github.com/paratira/mdeconnect/internal/sanitize"
	"github.com/paratira/mdeconnect/wizard"
	"github.com/spf13/cobra"
)

// signInTimeout bounds the wait for the admin, as Entra ID bounds a device
// code ("the user has 15 minutes to sign in").
const signInTimeout = 15 * time.Minute

// doctorSignIn signs the tenant's admin in: through the browser, or with a
// device code when asked, over SSH, or without a display. The URL is always
// printed too, since a browser may not open.
func (a *app) doctorSignIn(cmd *cobra.Command, o *doctorOptions, tg doctorTarget) (*doctor.Session, error) {
	// An admin who never finishes the browser's page does not hold the
	// command forever: as long as a device code lives (15 minutes).
	ctx, cancel := context.WithTimeout(cmd.Context(), signInTimeout)
	defer cancel()
	br := wizard.SystemBrowser{Getenv: a.getenv}
	device := o.deviceCode
	if ok, why := br.CanOpen(); !ok && !device {
		fmt.Fprintf(a.errOut, "%s Signing in with a device code instead.\n", why)
		device = true
	}
	fmt.Fprintf(a.errOut, "Sign in as an administrator of %s to read it (read-only: %s). Nothing is written to the tenant, and the token stays in memory.\n",
		safe(tg.tenant.TenantID), strings.Join(doctor.DelegatedScopes(), ", "))
	so := doctor.SignInOptions{Cloud: tg.cloud, Tenant: tg.tenant.TenantID, ClientID: o.adminID, HTTPClient: a.httpClient, DeviceCode: device,
		Redact: func(s string) { a.traceClient(a.httpClient, s) }}
	var stopKeys func()
	if device {
		so.ShowCode = func(dc doctor.DeviceCode) { stopKeys = a.showDeviceCode(ctx, cancel, br, dc) }
	} else {
		so.OpenURL = func(u string) error {
			fmt.Fprintf(a.errOut, "Opening the sign-in page in your browser. If it does not open, visit:\n  %s\n", safeMessage(u))
			if err := br.Open(ctx, u); err != nil {
				fmt.Fprintf(a.errOut, "The browser did not open (%s): open the address above yourself.\n", safe(err.Error()))
			}
			return nil
		}
	}
	sess, err := doctor.SignIn(ctx, so)
	if stopKeys != nil {
		stopKeys()
	}
	if err != nil {
		switch {
		case cmd.Context().Err() == nil && errors.Is(err, context.Canceled):
			return nil, context.Canceled // Ctrl+C at the key prompt
		case cmd.Context().Err() == nil && errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Errorf("the admin did not finish signing in to %s within %s: run doctor again", safe(tg.tenant.TenantID), signInTimeout)
		}
		return nil, signInError(err, tg.tenant.TenantID)
	}
	who := sess.Account.UPN
	if who == "" {
		who = "an administrator"
	}
	fmt.Fprintf(a.errOut, "Signed in as %s. Reading the tenant...\n", safe(who))
	return sess, nil
}

// showDeviceCode shows the code as gh auth login does. On a terminal the
// admin can copy it (OSC 52, which terminals pass to the clipboard, over SSH
// too) and open the page with Enter while the sign-in is polled; Ctrl+C
// cancels. It returns a func that stops reading keys.
func (a *app) showDeviceCode(ctx context.Context, cancel context.CancelFunc, br wizard.SystemBrowser, dc doctor.DeviceCode) func() {
	w := a.colorWriter(a.errOut)
	fmt.Fprintf(w, "%s First copy your one-time code: %s\n", warnStyle.Render("!"), boldStyle.Render(safe(dc.UserCode)))
	fmt.Fprintf(w, "  Then open %s and sign in as an administrator of the tenant.\n", safe(dc.VerificationURL))
	if !dc.ExpiresOn.IsZero() {
		fmt.Fprintf(w, "  The code expires at %s.\n", dc.ExpiresOn.Local().Format("15:04"))
	}
	if !a.inTTY || !a.errTTY {
		fmt.Fprintln(w, "Waiting for the sign-in...")
		return func() {}
	}
	fmt.Fprintln(w, "  Press Enter to open the page in your browser, or type c and Enter to copy the code.")
	fmt.Fprintln(w, "Waiting for the sign-in...")
	kctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			line, err := a.prompter().line(kctx, false)
			switch {
			case errors.Is(err, context.Canceled) && kctx.Err() == nil:
				cancel() // Ctrl+C: the sign-in ends too
				return
			case err != nil:
				return
			case strings.EqualFold(strings.TrimSpace(line), "c"):
				fmt.Fprint(a.errOut, osc52(dc.UserCode)) // raw: a colour filter would drop it
				fmt.Fprintln(w, "Copied the code (if your terminal lets programs set the clipboard).")
			case strings.TrimSpace(line) == "":
				if err := br.Open(kctx, dc.VerificationURL); err != nil {
					fmt.Fprintf(w, "The browser did not open (%s): open %s yourself.\n", safe(err.Error()), safe(dc.VerificationURL))
				}
			}
		}
	}()
	return func() {
		stop()
		<-done
	}
}

// osc52 sets the terminal's clipboard to s (xterm's "Manipulate Selection
// Data" control: ESC ] 52 ; c ; base64 BEL). The code is sanitised first.
func osc52(s string) string {
	return "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(sanitize.Line(s, 64))) + "\a"
}
