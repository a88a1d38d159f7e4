package store

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// TestKeyringErrorIsTyped: a front end tells keyring failures apart with
// errors.As and errors.Is, never by reading the message.
func TestKeyringErrorIsTyped(t *testing.T) {
	dbus := errors.New("The name org.freedesktop.secrets was not provided by any .service files")
	tests := []struct {
		name      string
		kr        Keyring
		op        func(*Store) error
		wantOp    string
		connector string
		kind      error
		cause     error
	}{
		{"no Secret Service", &memKeyring{secrets: map[string]string{}, err: dbus},
			func(s *Store) error { return s.Add(sample("acme", "t1"), "s1") }, "read", "acme", ErrKeyringUnavailable, dbus},
		{"too big", tooBigKeyring{newMemKeyring()},
			func(s *Store) error { return s.Add(sample("acme", "t1"), strings.Repeat("s", 3000)) }, "save", "acme", ErrSecretTooBig, keyring.ErrSetDataTooBig},
		{"hangs", hangKeyring{release: make(chan struct{})},
			func(s *Store) error { return s.Add(sample("acme", "t1"), "s1") }, "read", "acme", ErrKeyringUnavailable, ErrKeyringTimeout},
		{"check", &memKeyring{secrets: map[string]string{}, err: dbus},
			func(s *Store) error { return s.KeyringAvailable() }, "check", "", ErrKeyringUnavailable, dbus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, ok := tt.kr.(hangKeyring); ok {
				defer close(h.release)
			}
			s := openTest(t, Options{Keyring: tt.kr, KeyringTimeout: 50 * time.Millisecond})
			err := tt.op(s)
			var ke *KeyringError
			if !errors.As(err, &ke) || ke.Op != tt.wantOp || ke.Connector != tt.connector {
				t.Fatalf("error %v (%#v), want a *KeyringError of %s for %q", err, ke, tt.wantOp, tt.connector)
			}
			if !errors.Is(err, tt.kind) || !errors.Is(err, tt.cause) {
				t.Errorf("%v: errors.Is(%v) %v, errors.Is(%v) %v", err, tt.kind, errors.Is(err, tt.kind), tt.cause, errors.Is(err, tt.cause))
			}
			if other := ErrSecretTooBig; tt.kind != other && errors.Is(err, other) {
				t.Errorf("%v is also %v", err, other)
			}
			if strings.Contains(err.Error(), "--") || strings.Contains(err.Error(), "probe") {
				t.Errorf("message names a flag or the probe: %v", err)
			}
		})
	}
}

// tooBigKeyring refuses secrets over 2,560 bytes, as go-keyring does on Windows.
type tooBigKeyring struct{ *memKeyring }

func (k tooBigKeyring) Set(service, user, password string) error {
	if len(password) > 2560 {
		return keyring.ErrSetDataTooBig
	}
	return k.memKeyring.Set(service, user, password)
}

// commandWords are mdeconnect's commands; the store's messages name none of
// them, nor any flag or environment variable: advice is the front end's.
var commandWords = regexp.MustCompile("`mdeconnect|mdeconnect (add|edit|list|show|remove|test|report|sandbox|tenant|store|wizard|consent-url)\\b|(^|\\s)--[a-z]|(set|use) MDECONNECT_")

func TestMessagesNameNoFlagOrCommand(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			checked++
			if m := commandWords.FindString(s); m != "" {
				t.Errorf("%s: %q names %q", fset.Position(lit.Pos()), s, m)
			}
			return true
		})
	}
	if checked < 50 {
		t.Errorf("only %d string literals checked", checked)
	}
}
