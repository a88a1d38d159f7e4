// Package cli is mdeconnect's command line: the root command (through fang
// and cobra), one file per command (add, edit, list, show, remove, test,
// test --all, report, sandbox, tenant, consent-url, store, the wizard), exit
// codes, output rendering, the prompter, and the wiring of the sandbox's fake
// cloud. Main is its one entry point, shared by main.go and the tests.
//
// Advice that depends on the user's situation ("pass --secret-store file",
// "run mdeconnect store restore") is added here, from the typed errors of the
// packages below. Nothing imports cli but main.
package cli
