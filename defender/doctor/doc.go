// Package doctor reads a tenant from its administrator's side, read-only:
// the admin signs in through a public client (MSAL Go: authorization code
// with PKCE through a loopback redirect, or the device code flow), and
// Microsoft Graph says whether Paratira's enterprise application exists and
// may sign in, which app roles it holds, who consented when, how its recent
// sign-ins failed and which Conditional Access policies could apply. Each
// finding is joined with the app-only check it explains.
//
// Nothing is written to the tenant, and the admin's tokens live in memory
// only, for one Session. Every string Graph or Entra ID wrote is sanitised
// here, where it enters the program. The wire facts and their Microsoft
// sources are in docs/WIRE-FACTS-doctor.md.
package doctor
