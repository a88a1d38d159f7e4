package cli

import (
	"errors"
	"io/fs"

	"github.com/paratira/mdeconnect/store"
)

// advice is what to do about a failure of a lower package, in the command
// line's words. The store and the engine state facts in typed errors; only
// here, where the user's situation is known, are flags and commands named.
func advice(err error) string {
	var ce *store.CorruptError
	switch {
	case errors.As(err, &ce) && errors.Is(ce.Err, store.ErrNewerVersion):
		return ""
	case errors.As(err, &ce) && ce.Backup != "":
		return "Run `mdeconnect store restore` to go back to the backup, or move the damaged file aside."
	case errors.Is(err, store.ErrSecretTooBig):
		return "Keep it in a file only you can read instead: pass --secret-store file (or set " + EnvSecretStore + "=file)."
	case errors.Is(err, store.ErrLockTimeout):
		return "Another mdeconnect is changing the store: wait for it to finish, then run this again."
	case errors.Is(err, fs.ErrPermission):
		return "Set MDECONNECT_CONFIG_DIR to a folder you can write to, or fix the folder's permissions."
	}
	return ""
}
