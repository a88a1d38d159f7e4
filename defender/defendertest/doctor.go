package defendertest

import (
	"net/http"
	"sync"
	"time"
)

// The tenant's own side, for `mdeconnect doctor`: an admin of the tenant
// signs in through a public client (authorization code with PKCE through a
// loopback redirect, or the device code flow) and reads the tenant through
// Microsoft Graph with delegated, read-only scopes. The wire facts and their
// Microsoft sources are in docs/WIRE-FACTS-doctor.md.

// AdminClientID is the Microsoft Graph Command Line Tools public client,
// which admins commonly sign in to Graph with (the Graph PowerShell SDK's
// default client; community evidence, see the wire facts). The fake's
// tenants know no other public client: another ID meets AADSTS700016.
const AdminClientID = "14d82eec-204b-4c2f-b7e8-296a70dab67e"

// First-party application IDs of the resource service principals whose
// appRoles name Paratira's app role assignments.
const (
	DefenderAppID = "fc780465-2017-40d4-a0c5-307022471b92" // WindowsDefenderATP
	GraphAppID    = "00000003-0000-0000-c000-000000000000" // Microsoft Graph
)

// Delegated scopes the fake's Graph endpoints ask of a signed-in admin.
const (
	scopeApplicationRead = "Application.Read.All"
	scopeAuditLogRead    = "AuditLog.Read.All"
	scopeDirectoryRead   = "Directory.Read.All"
	scopePolicyRead      = "Policy.Read.All"
)

// DeviceFlow scripts how the token endpoint answers the polls of one device
// code: first Pending polls get authorization_pending, then SlowDown polls
// get slow_down, then Outcome. The zero value approves on the first poll,
// which is what `mdeconnect sandbox` serves, so `doctor --device-code` runs
// unattended against it.
type DeviceFlow struct {
	Pending  int
	SlowDown int
	Outcome  DeviceOutcome
}

// DeviceOutcome is how a device code flow ends once its polls are answered.
type DeviceOutcome int

// Device code outcomes, in the errors the Microsoft identity platform
// documents for the flow ("OAuth 2.0 device authorization grant", Expected
// errors).
const (
	DeviceApprove DeviceOutcome = iota // a token
	DeviceDecline                      // authorization_declined
	DeviceExpire                       // expired_token
)

// deviceCodeLifetime is expires_in of a device code: "the user has 15
// minutes to sign in. This is the default value for expires_in".
const deviceCodeLifetime = 15 * time.Minute

// authCodeLifetime bounds an authorization code; Entra's are short-lived
// (minutes), and a code is redeemed once.
const authCodeLifetime = 10 * time.Minute

// doctorState is the sign-ins in flight; its own lock, apart from Cloud.mu.
type doctorState struct {
	mu      sync.Mutex
	flow    DeviceFlow
	devices map[string]*deviceGrant // by device_code
	codes   map[string]*codeGrant   // by authorization code
	// deviceRequests and codeRequests count what each flow was asked, for tests.
	deviceRequests, codeRequests int
}

// deviceGrant is one device code and what its polls have been told.
type deviceGrant struct {
	tenant   Scenario
	clientID string
	scope    string
	userCode string
	expires  time.Time
	flow     DeviceFlow
	polls    int
	redeemed bool
}

// codeGrant is one authorization code waiting to be redeemed.
type codeGrant struct {
	tenant      Scenario
	clientID    string
	redirectURI string
	challenge   string
	scope       string
	expires     time.Time
	redeemed    bool
}

// SetDeviceFlow scripts the polls of the device codes issued from now on.
func (c *Cloud) SetDeviceFlow(f DeviceFlow) {
	c.doctor.mu.Lock()
	defer c.doctor.mu.Unlock()
	c.doctor.flow = f
}

// SignInRequests counts the device codes and authorization codes issued.
func (c *Cloud) SignInRequests() (deviceCodes, authCodes int) {
	c.doctor.mu.Lock()
	defer c.doctor.mu.Unlock()
	return c.doctor.deviceRequests, c.doctor.codeRequests
}

// doctorLogin serves the admin's sign-in (authorize, device code, and the
// authorization_code and device_code grants) and hands everything else to
// the login server's own routes.
func (c *Cloud) doctorLogin(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", c.handleAuthorize)
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize/decide", c.handleAuthorizeDecision)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/devicecode", c.handleDeviceCode)
	mux.HandleFunc("GET /devicelogin", c.handleDeviceLogin)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		_ = r.ParseForm() // a bad form is the client-credentials handler's to answer
		switch r.PostForm.Get("grant_type") {
		case grantDeviceCode, grantDeviceCodeShort:
			c.redeemDeviceCode(w, r)
		case grantAuthCode:
			c.redeemAuthCode(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
	mux.Handle("/", next)
	return mux
}

// doctorGraph serves the Graph reads of the tenant's side and hands the rest
// to the Graph server's own routes.
func (c *Cloud) doctorGraph(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && c.serveDoctorGraph(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}
