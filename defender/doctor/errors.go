package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/internal/sanitize"
)

// SignInKind is why the admin's sign-in did not succeed; stable, in JSON.
type SignInKind string

// The sign-in failures doctor tells apart.
const (
	KindDeclined       SignInKind = "declined"         // the admin cancelled or declined
	KindExpired        SignInKind = "expired"          // the device code was not used in time
	KindTenantNotFound SignInKind = "tenant_not_found" // no such tenant
	KindWrongCloud     SignInKind = "wrong_cloud"      // the tenant is in another Microsoft cloud
	KindClientUnknown  SignInKind = "client_unknown"   // the admin client is not an app in the tenant
	KindOtherDirectory SignInKind = "other_directory"  // the account is not of this tenant
	KindRefused        SignInKind = "refused"          // another answer of Entra ID
	KindNetwork        SignInKind = "network"          // the sign-in server could not be reached
)

// SignInError is a sign-in that did not succeed, with Entra ID's facts.
type SignInError struct {
	Kind SignInKind
	Msg  string
	Diag defender.Diagnostics
	Err  error
}

func (e *SignInError) Error() string { return e.Msg }
func (e *SignInError) Unwrap() error { return e.Err }

var aadstsRE = regexp.MustCompile(`AADSTS(\d{4,8})`)

// classify turns an MSAL failure into a SignInError. MSAL hands a failed
// reply back as a CallErr, but it reads a device code poll's reply itself
// first, so the reply is taken from the guard, which kept it.
func classify(ctx context.Context, err error, g *guard, deviceCode bool) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if se := new(SignInError); errors.As(err, &se) {
		return se
	}
	status, body := g.lastFailure()
	if e, ok := defender.ParseEntraError(body); ok {
		return fromEntra(e, status, err)
	}
	// The loopback listener got error and error_description by form post:
	// MSAL returns the description as the error's text.
	if m := aadstsRE.FindStringSubmatch(err.Error()); m != nil {
		code, _ := strconv.Atoi(m[1])
		return fromEntra(defender.EntraError{Error: "access_denied", Description: err.Error(), Codes: []int{code}}, 0, err)
	}
	if ue := new(url.Error); errors.As(err, &ue) {
		return &SignInError{Kind: KindNetwork, Msg: "Entra ID's sign-in server could not be reached: " + sanitize.Line(err.Error(), sanitize.Screen), Err: err}
	}
	return &SignInError{Kind: KindRefused, Msg: "the admin sign-in failed: " + sanitize.Line(err.Error(), sanitize.Screen), Err: err}
}

// fromEntra names an Entra ID error reply. Codes from "Microsoft Entra
// authentication and authorization error codes"; the device code errors
// from "OAuth 2.0 device authorization grant" (Expected errors).
func fromEntra(e defender.EntraError, status int, err error) *SignInError {
	has := func(codes ...int) bool {
		return slices.ContainsFunc(e.Codes, func(c int) bool { return slices.Contains(codes, c) })
	}
	se := &SignInError{Kind: KindRefused, Diag: e.Diagnostics(status), Err: err}
	se.Diag.ErrorDescription = sanitize.Line(se.Diag.ErrorDescription, sanitize.JSON)
	switch {
	case e.Error == "authorization_declined" || has(65004):
		se.Kind, se.Msg = KindDeclined, "the admin declined the sign-in"
	case e.Error == "expired_token" || has(70019):
		se.Kind, se.Msg = KindExpired, "the device code expired before it was used: run doctor again and enter the new code"
	case has(90002, 900023):
		se.Kind, se.Msg = KindTenantNotFound, "Entra ID does not know this tenant (AADSTS"+strconv.Itoa(e.Codes[0])+"): check the tenant ID or domain"
	case has(90038, 900432, 900382):
		se.Kind, se.Msg = KindWrongCloud, "the tenant is in another Microsoft cloud: sign in there (--cloud)"
	case has(700016):
		se.Kind, se.Msg = KindClientUnknown, "the admin client (--admin-client-id) is not an application in this tenant (AADSTS700016)"
	case has(50020, 90072):
		se.Kind, se.Msg = KindOtherDirectory, "the account that signed in belongs to another directory: sign in with an account of this tenant"
	default:
		se.Msg = fmt.Sprintf("Entra ID refused the admin sign-in: %s", sanitize.Line(firstSentence(e), sanitize.Screen))
	}
	return se
}

func firstSentence(e defender.EntraError) string {
	d := e.Diagnostics(0).ErrorDescription
	if d == "" {
		return e.Error
	}
	return d
}
