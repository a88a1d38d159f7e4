package cli

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/paratira/mdeconnect/defender"
	"github.com/paratira/mdeconnect/store"
	"github.com/zalando/go-keyring"
)

// stubKeyring answers every call with err, or keeps secrets in memory.
type stubKeyring struct {
	err     error
	secrets map[string]string
}

func (k *stubKeyring) Get(_, user string) (string, error) {
	if k.err != nil {
		return "", k.err
	}
	if v, ok := k.secrets[user]; ok {
		return v, nil
	}
	return "", keyring.ErrNotFound
}

func (k *stubKeyring) Set(_, user, secret string) error {
	if k.err != nil {
		return k.err
	}
	k.secrets[user] = secret
	return nil
}

func (k *stubKeyring) Delete(_, user string) error {
	if k.err != nil {
		return k.err
	}
	delete(k.secrets, user)
	return nil
}

// TestWizardStoreAsksBeforeAFile: with no keyring and the auto backend, the
// wizard asks before it starts, and keeps secrets in a file only on yes.
func TestWizardStoreAsksBeforeAFile(t *testing.T) {
	t.Parallel()
	dbus := errors.New("the name org.freedesktop.secrets was not provided by any .service files")
	cases := []struct {
		name, backend, answer string
		keyringErr            error
		asks                  bool
		want                  store.Backend // where the secret went; "" means the wizard does not start
	}{
		{"keyring answers", "", "", nil, false, store.BackendKeyring},
		{"no keyring, yes", "", "y\n", dbus, true, store.BackendFile},
		{"no keyring, YES to AUTO", "AUTO", " YES \n", dbus, true, store.BackendFile},
		{"no keyring, enter", "", "\n", dbus, true, ""},
		{"no keyring, no", "auto", "n\n", dbus, true, ""},
		{"no keyring, no answer", "", "", dbus, true, ""},
		{"file chosen", "file", "", dbus, false, store.BackendFile},
		{"keyring chosen", "Keyring", "", nil, false, store.BackendKeyring},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			env := map[string]string{"MDECONNECT_CONFIG_DIR": t.TempDir(), EnvSecretStore: tc.backend}
			a := newApp(Streams{In: strings.NewReader(tc.answer), Out: &out, Err: &errOut, Getenv: func(k string) string { return env[k] }})
			a.keyring = &stubKeyring{err: tc.keyringErr, secrets: map[string]string{}}
			st, err := a.wizardStore()
			if asked := strings.Contains(errOut.String(), "[y/N]"); asked != tc.asks {
				t.Fatalf("asked = %v, want %v: %q", asked, tc.asks, errOut.String())
			}
			if tc.asks && !strings.Contains(errOut.String(), "org.freedesktop.secrets") {
				t.Errorf("the question does not say why: %q", errOut.String())
			}
			if tc.want == "" {
				if err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), EnvSecretStore+"=file") {
					t.Fatalf("err = %v (exit %d), want a usage error naming %s=file", err, exitCode(err), EnvSecretStore)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := store.Connector{Name: "c", Type: store.TypeDefender, Mode: store.OneToOne, ClientID: "11111111-2222-3333-4444-555555555555",
				Cloud: "global", Mappings: []store.Mapping{{TenantID: "66666666-7777-8888-9999-000000000000", CustomerName: "Contoso"}}}
			if err := st.Add(c, "a-secret-value"); err != nil {
				t.Fatal(err)
			}
			if saved, _ := st.Get("c"); saved.SecretStore != tc.want {
				t.Errorf("secret kept in %q, want %q", saved.SecretStore, tc.want)
			}
		})
	}
}

// TestWizardEngineRedactsSecret: every engine the wizard builds registers its
// secret with the --debug log's redactor, whatever the log's form fields hide.
func TestWizardEngineRedactsSecret(t *testing.T) {
	t.Parallel()
	a := newApp(Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard, Getenv: func(string) string { return "" }})
	tr := a.tracing()
	build := a.wizardEngine(engineFlags{})
	cloud, err := defender.LookupCloud("global")
	if err != nil {
		t.Fatal(err)
	}
	const typed = "Zx9~typed-in-the-wizard-secret"
	if _, err := build(defender.Config{Cloud: cloud, ClientID: defender.ParatiraClientID, ClientSecret: typed, HTTPClient: a.httpClient}); err != nil {
		t.Fatal(err)
	}
	if got := tr.red.String("echoed: " + typed); strings.Contains(got, typed) {
		t.Errorf("the wizard's secret is not redacted: %q", got)
	}
}
