package defendertest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
)

// signer mints and verifies the RS256 access tokens of the fake Entra ID.
type signer struct {
	key *rsa.PrivateKey
	kid string
}

func newSigner() (*signer, error) {
	key, err := processKey()
	if err != nil {
		return nil, fmt.Errorf("generating the token signing key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("encoding the token signing key: %w", err)
	}
	sum := sha256.Sum256(der)
	return &signer{key: key, kid: b64(sum[:20])}, nil
}

// processKey is one signing key for every fake cloud of a process: making a
// 2048-bit key took a third of the CPU of the command-line tests, which
// start a fake cloud each. Each process (each sandbox) still has its own.
var processKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// claims of an app-only v1 access token (PROTOCOL §3).
type claims struct {
	Aud      string   `json:"aud"`
	Iss      string   `json:"iss"`
	Iat      int64    `json:"iat"`
	Nbf      int64    `json:"nbf"`
	Exp      int64    `json:"exp"`
	Aio      string   `json:"aio,omitempty"`
	AppID    string   `json:"appid"`
	AppIDAcr string   `json:"appidacr"`
	Idp      string   `json:"idp,omitempty"`
	IDTyp    string   `json:"idtyp,omitempty"`
	OID      string   `json:"oid"`
	Roles    []string `json:"roles,omitempty"`
	Sub      string   `json:"sub"`
	TID      string   `json:"tid"`
	UTI      string   `json:"uti,omitempty"`
	Ver      string   `json:"ver"`
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (s *signer) sign(c claims) (string, error) { return signAny(s, c) }

// signAny signs any claims set (an app-only, delegated or ID token) with the
// fake's key, RS256.
func signAny(s *signer, v any) (string, error) {
	header, err := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "x5t": s.kid, "kid": s.kid})
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	input := b64(header) + "." + b64(body)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("signing a token: %w", err)
	}
	return input + "." + b64(sig), nil
}

var errBadToken = errors.New("invalid token")

// verify checks signature, algorithm, lifetime and audience, and returns the claims.
func (s *signer) verify(token string, now time.Time, audiences ...string) (claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims{}, fmt.Errorf("%w: not a JWT", errBadToken)
	}
	var header struct{ Alg string }
	if err := decodePart(parts[0], &header); err != nil || header.Alg != "RS256" {
		return claims{}, fmt.Errorf("%w: header", errBadToken)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return claims{}, fmt.Errorf("%w: signature encoding", errBadToken)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return claims{}, fmt.Errorf("%w: signature", errBadToken)
	}
	var c claims
	if err := decodePart(parts[1], &c); err != nil {
		return claims{}, fmt.Errorf("%w: claims", errBadToken)
	}
	if now.Unix() >= c.Exp || now.Unix()+300 < c.Nbf {
		return claims{}, fmt.Errorf("%w: expired or not yet valid", errBadToken)
	}
	for _, a := range audiences {
		if c.Aud == a {
			return c, nil
		}
	}
	return claims{}, fmt.Errorf("%w: audience %q", errBadToken, c.Aud)
}

func decodePart(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// jwks is the discovery document's jwks_uri answer.
func (s *signer) jwks(issuer string) map[string]any {
	pub := s.key.PublicKey
	return map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "kid": s.kid, "x5t": s.kid,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()), "issuer": issuer,
	}}}
}
