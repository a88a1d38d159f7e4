// Package store keeps mdeconnect's saved connectors on disk and their secrets
// in the system keyring (or, only when the user chose it, a 0600 file). That is
// its one job: it knows no engine, no screen and no command line, and it must
// never import defender/ or anything above it (connector/, wizard/, cli/). It
// imports only internal/sanitize of mdeconnect's own packages.
//
// connectors.json is versioned, written atomically, backed up to
// connectors.json.bak before each change, and changed only under an flock on
// connectors.lock, so several mdeconnect processes can share it. Reading takes
// no lock and writes nothing, so `list` and `show` work in a read-only folder.
// A file that cannot be parsed is never written over: every operation returns
// *CorruptError until it is restored (RestoreBackup) or moved aside.
//
// A test is recorded in last-tests.jsonl, a journal beside connectors.json
// (see journal.go): one appended line, where rewriting connectors.json meant
// writing every connector again. Reads apply it; changes fold it in.
//
// A secret written for a change that did not finish (the process was killed
// between saving the secret and saving connectors.json) is never left behind
// for good: the slot is noted in secrets.pending.json before the secret is
// written, and the next change collects every noted secret no connector uses.
//
// Errors carry facts, not advice: *CorruptError, *ValidationError and
// *KeyringError say what happened; the front end that knows the user's
// situation says what to do (which command, which flag).
package store
