package defendertest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// TestSignerMatchesCryptoRSA: the fake's own RS256 signing gives the very
// signature crypto/rsa gives with the same key, a 2048-bit modulus with
// exponent 65537, which any RS256 verifier accepts against the JWKS.
func TestSignerMatchesCryptoRSA(t *testing.T) {
	t.Parallel()
	s, err := newSigner()
	if err != nil {
		t.Fatal(err)
	}
	if s.key.N.BitLen() != 2048 || s.key.E != 65537 {
		t.Fatalf("key: %d bits, e %d; want 2048 bits, e 65537", s.key.N.BitLen(), s.key.E)
	}
	if err := s.key.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, input := range []string{"", "a.b", strings.Repeat("x", 5000)} {
		sum := sha256.Sum256([]byte(input))
		want, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		got := s.signPKCS1v15([]byte(input))
		if string(got) != string(want) {
			t.Errorf("signature of %.20q differs from crypto/rsa's", input)
		}
		if err := rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], got); err != nil {
			t.Errorf("signature of %.20q does not verify: %v", input, err)
		}
	}
}

// TestVerifyMintedAndForeign: a token the signer minted reads back its
// claims, checked for lifetime and audience; one it did not mint (another
// key's, or altered) is verified in full and refused.
func TestVerifyMintedAndForeign(t *testing.T) {
	t.Parallel()
	s, err := newSigner()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cl := claims{Aud: DefenderResource, Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(time.Hour).Unix(),
		TID: "t", Roles: []string{roleMachineRead}, Ver: "1.0"}
	tok, err := s.sign(cl)
	if err != nil {
		t.Fatal(err)
	}
	fresh := &signer{key: s.key, crt: s.crt, kid: s.kid, header: s.header, minted: map[string]claims{}}
	other, err := newSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	foreign := &signer{key: other, crt: newCRT(other), kid: s.kid, header: s.header, minted: map[string]claims{}}
	forged, err := signAny(foreign, cl)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	altered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(body), roleMachineRead, roleMachineReadWrite, 1))) + "." + parts[2]
	for _, c := range []struct {
		name  string
		s     *signer
		tok   string
		at    time.Time
		aud   string
		valid bool
	}{
		{"minted", s, tok, now, DefenderResource, true},
		{"minted, verified in full", fresh, tok, now, DefenderResource, true},
		{"minted, other audience", s, tok, now, GraphResource, false},
		{"minted, expired", s, tok, now.Add(time.Hour), DefenderResource, false},
		{"minted, not yet valid", s, tok, now.Add(-301 * time.Second), DefenderResource, false},
		{"another key's", s, forged, now, DefenderResource, false},
		{"altered", s, altered, now, DefenderResource, false},
	} {
		got, err := c.s.verify(c.tok, c.at, c.aud)
		if (err == nil) != c.valid {
			t.Errorf("%s: err %v, want valid %v", c.name, err, c.valid)
			continue
		}
		if c.valid && (got.TID != "t" || len(got.Roles) != 1 || got.Roles[0] != roleMachineRead || got.Exp != cl.Exp) {
			t.Errorf("%s: claims %+v", c.name, got)
		}
	}
}
