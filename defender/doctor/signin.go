package doctor

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/internal/sanitize"
)

// GraphCLIClientID is the Microsoft Graph Command Line Tools public client
// (Connect-MgGraph's default; community evidence, see the wire facts), a
// Microsoft first-party app admins commonly sign in to Graph with.
const GraphCLIClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

// DelegatedScopes are the Graph permissions doctor asks of the admin, all
// read-only: Application.Read.All for the service principals and their app
// role assignments; AuditLog.Read.All for the sign-in logs and, with
// Directory.Read.All, the directory audit log ("List directoryAudits":
// "AuditLog.Read.All and Directory.Read.All"); Policy.Read.All for
// Conditional Access policies.
func DelegatedScopes() []string {
	return []string{"Application.Read.All", "AuditLog.Read.All", "Directory.Read.All", "Policy.Read.All"}
}

// SignInOptions say how the admin signs in.
type SignInOptions struct {
	Cloud defender.Cloud
	// Tenant is a tenant ID or verified domain; the admin signs in to it.
	Tenant string
	// ClientID is the public client; "" is GraphCLIClientID.
	ClientID   string
	HTTPClient *http.Client
	// DeviceCode uses the device code flow instead of a browser.
	DeviceCode bool
	// ShowCode is called once with the device code to show.
	ShowCode func(DeviceCode)
	// OpenURL opens the sign-in page in a browser; it must also show the
	// URL, since a browser may not open. A failure to open is not fatal.
	OpenURL func(url string) error
	// RedirectURI is the loopback address MSAL listens on; "" lets it pick
	// a free port of http://localhost.
	RedirectURI string
	// Redact, when set, is given the device code before it is polled with,
	// so logs of the exchanges can remove it (it is not a JWT).
	Redact func(secret string)
}

// DeviceCode is what the admin enters on another device.
type DeviceCode struct {
	UserCode        string
	VerificationURL string
	ExpiresOn       time.Time
	Message         string
}

// Account is who signed in.
type Account struct {
	UPN      string `json:"upn,omitempty"`
	Name     string `json:"name,omitempty"`
	ObjectID string `json:"object_id,omitempty"`
}

// Session is a signed-in admin: a Graph token held in memory only.
type Session struct {
	TenantID string
	Account  Account
	// Scopes are those the token was granted.
	Scopes   []string
	token    string
	expires  time.Time
	client   *http.Client
	graphURL string
}

// Close forgets the token.
func (s *Session) Close() { s.token = "" }

// graphResource is the Graph resource URI the cloud's scope names.
func graphResource(c defender.Cloud) string { return strings.TrimSuffix(c.GraphScope, "/.default") }

// SignIn signs the admin in. MSAL Go's public client does the protocol:
// PKCE, state, its one-shot loopback listener (form_post, POST only), the
// device code polls. The authority is the tenant's, never /organizations.
func SignIn(ctx context.Context, o SignInOptions) (*Session, error) {
	tenant, err := defender.ParseTenant(o.Tenant)
	if err != nil {
		return nil, &SignInError{Kind: KindTenantNotFound, Msg: err.Error(), Err: err}
	}
	if o.ClientID == "" {
		o.ClientID = GraphCLIClientID
	}
	if !defender.IsGUID(o.ClientID) {
		return nil, &SignInError{Kind: KindClientUnknown, Msg: "the admin client ID " + sanitize.Quote(o.ClientID) + " is not a GUID"}
	}
	hc, g := guarded(o.HTTPClient, o.Cloud.LoginURL)
	pc, err := public.New(o.ClientID, public.WithAuthority(o.Cloud.LoginURL+"/"+tenant), public.WithHTTPClient(hc),
		// Custom hosts (the sandbox) are not in Microsoft's list of instances.
		public.WithInstanceDiscovery(o.Cloud.IsMicrosoftLogin()))
	if err != nil {
		return nil, &SignInError{Kind: KindRefused, Msg: "setting up the admin sign-in: " + err.Error(), Err: err}
	}
	var scopes []string
	for _, s := range DelegatedScopes() {
		scopes = append(scopes, graphResource(o.Cloud)+"/"+s)
	}
	var res public.AuthResult
	if o.DeviceCode {
		res, err = deviceCodeSignIn(ctx, pc, scopes, o)
	} else {
		opts := []public.AcquireInteractiveOption{public.WithOpenURL(o.OpenURL)}
		if o.RedirectURI != "" {
			opts = append(opts, public.WithRedirectURI(o.RedirectURI))
		}
		res, err = pc.AcquireTokenInteractive(ctx, scopes, opts...)
	}
	if err != nil {
		return nil, classify(ctx, err, g, o.DeviceCode)
	}
	clean := func(s string) string { return sanitize.Line(s, sanitize.JSON) }
	s := &Session{TenantID: clean(res.IDToken.TenantID), token: res.AccessToken, expires: res.ExpiresOn, client: hc,
		graphURL: strings.TrimRight(o.Cloud.GraphURL, "/"),
		Account:  Account{UPN: clean(res.IDToken.PreferredUsername), Name: clean(res.IDToken.Name), ObjectID: clean(res.IDToken.Oid)}}
	if s.TenantID == "" {
		s.TenantID = tenant
	}
	for _, sc := range res.GrantedScopes {
		s.Scopes = append(s.Scopes, clean(sc))
	}
	return s, nil
}

func deviceCodeSignIn(ctx context.Context, pc public.Client, scopes []string, o SignInOptions) (public.AuthResult, error) {
	dc, err := pc.AcquireTokenByDeviceCode(ctx, scopes)
	if err != nil {
		return public.AuthResult{}, err
	}
	if o.Redact != nil {
		o.Redact(dc.Result.DeviceCode)
	}
	if o.ShowCode != nil {
		o.ShowCode(DeviceCode{UserCode: sanitize.Line(dc.Result.UserCode, 64), VerificationURL: sanitize.Line(dc.Result.VerificationURL, sanitize.Screen),
			ExpiresOn: dc.Result.ExpiresOn, Message: sanitize.Line(dc.Result.Message, sanitize.Screen)})
	}
	res, err := dc.AuthenticationResult(ctx)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		// MSAL stops polling at the code's expiry with its own deadline.
		return res, &SignInError{Kind: KindExpired, Msg: "the device code expired before it was used (15 minutes): run doctor again and enter the new code", Err: err}
	}
	return res, err
}
