// Package connector holds the rules of a Defender for Endpoint connector that
// both front ends (cli/ and wizard/) share: what makes a draft valid (name,
// client ID, secret, mapping mode, duplicate tenants), how a mapping is read
// (a --tenant flag, a CSV row) and resolved (domain to tenant GUID), the
// record a test leaves in the store, what changed since the last test, and
// the shell quoting of the commands mdeconnect prints.
//
// It knows no screen: it must never import Bubble Tea, huh, lipgloss or
// cobra, nor cli/ or wizard/. It imports defender/ and store/ only.
package connector
