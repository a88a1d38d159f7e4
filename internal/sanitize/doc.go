// Package sanitize makes text that came from outside mdeconnect (a server's
// reply, a token's claims, a support report, a CSV, a flag, a saved file) safe
// to show on a terminal or keep in JSON, and checks names before they are saved.
//
// It has one job and imports nothing of mdeconnect's: every package, from the
// store up to the command line, can call it. Line and Text are for display,
// Quote for a value shown inside a sentence, ValidName for names a user gives.
package sanitize
