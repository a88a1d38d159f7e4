// Package wizard is mdeconnect's interactive set-up: screens only. A Bubble
// Tea state machine follows the setup guide's steps (connectors, choose
// connector, consent, tenant ID, details, test connection, summary); the root
// Model owns every transition and each step lives in its own file; the
// accessible mode asks the same questions as plain prompts.
//
// Every rule of a connector (a valid name, client ID, secret, mapping, a
// duplicate tenant, the record of a test) comes from connector/; every
// exchange with Microsoft from defender/, the admin's look from the tenant's
// side after a failed test from defender/doctor (its sign-in wired in by
// cli/ through Options.AdminSignIn). The wizard must never import cli/, nor
// defendertest (the sandbox is wired in by cli/).
package wizard
