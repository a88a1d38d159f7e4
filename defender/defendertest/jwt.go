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
	key    *rsa.PrivateKey
	crt    []crtPrime
	kid    string
	header string // the JOSE header, base64url: the same for every token

	mu sync.Mutex
	// minted are the claims of the tokens this signer made, by token, so
	// that the APIs read their own tokens without an RSA verification each
	// (six calls a tenant); anything else is verified in full.
	minted map[string]claims
}

// mintedMax bounds signer.minted: past it the memory starts again, and the
// tokens it forgot are verified in full, as any other.
const mintedMax = 20000

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
	s := &signer{key: key, crt: newCRT(key), kid: b64(sum[:20]), minted: map[string]claims{}}
	header, err := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "x5t": s.kid, "kid": s.kid})
	if err != nil {
		return nil, err
	}
	s.header = b64(header)
	return s, nil
}

// signingPrimes is how many primes the signing key's 2048-bit modulus has,
// each of 256 bits. An RS256 signature is m^d mod n whatever n's factors: a
// verifier, the JWKS and every token look exactly as with a two-prime key,
// but a signature costs an eighth as much: eight 256-bit exponentiations by
// the Chinese remainder theorem (montgomery.go) instead of two of 1,024
// bits, 0.11 ms instead of 0.85 ms here. Signing two tokens a tenant was the
// largest part of the fake's CPU in a fleet benchmark, on the cores the
// measured client shares. The key is the fake's own, made anew by each process and trusted
// by nothing: how hard it is to factor does not matter here.
const signingPrimes = 2048 / (64 * limbs)

// processKey is one signing key for every fake cloud of a process: making a
// 2048-bit key took a third of the CPU of the command-line tests, which
// start a fake cloud each. Each process (each sandbox) still has its own.
var processKey = sync.OnceValues(newSigningKey)

// newSigningKey makes a 2048-bit RSA key, e = 65537, of signingPrimes primes
// of 256 bits each.
func newSigningKey() (*rsa.PrivateKey, error) {
	one, e := big.NewInt(1), big.NewInt(65537)
	for {
		primes := make([]*big.Int, signingPrimes)
		n, totient := big.NewInt(1), big.NewInt(1)
		for i := range primes {
			p, err := signingPrime()
			if err != nil {
				return nil, err
			}
			primes[i] = p
			n.Mul(n, p)
			totient.Mul(totient, new(big.Int).Sub(p, one))
		}
		d := new(big.Int).ModInverse(e, totient) // nil unless e is prime to every p-1
		if n.BitLen() != 2048 || d == nil || !distinct(primes) {
			continue
		}
		key := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: int(e.Int64())}, D: d, Primes: primes}
		if err := key.Validate(); err != nil {
			return nil, err
		}
		key.Precompute()
		return key, nil
	}
}

// signingPrime is a random 256-bit prime of at least 1.8341 * 2^255, just
// above 2^(255 + 7/8), so that the product of eight is 2,048 bits long: the
// first prime after a random point of that range. (crypto/rand.Prime's
// primes made a 2,048-bit product one time in four, and a key took 200 ms.)
func signingPrime() (*big.Int, error) {
	low := new(big.Int).Lsh(big.NewInt(18341), 255)
	low.Quo(low, big.NewInt(10000))
	span := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), low)
	two := big.NewInt(2)
	for {
		p, err := rand.Int(rand.Reader, span)
		if err != nil {
			return nil, err
		}
		for p.Add(p, low).SetBit(p, 0, 1); p.BitLen() == 256; p.Add(p, two) {
			if p.ProbablyPrime(20) {
				return p, nil
			}
		}
	}
}

func distinct(primes []*big.Int) bool {
	for i, p := range primes {
		for _, q := range primes[:i] {
			if p.Cmp(q) == 0 {
				return false
			}
		}
	}
	return true
}

// crtPrime is one prime factor p of the key's modulus n with what signing
// needs of it: d mod (p-1), and the coefficient that lifts a result mod p
// to mod n (c = (n/p) * ((n/p)^-1 mod p), so that s = sum of s_p*c mod n).
type crtPrime struct {
	p, d, c *big.Int
	mont    montgomery
}

func newCRT(key *rsa.PrivateKey) []crtPrime {
	out := make([]crtPrime, 0, len(key.Primes))
	for _, p := range key.Primes {
		m := new(big.Int).Quo(key.N, p)
		inv := new(big.Int).ModInverse(new(big.Int).Mod(m, p), p)
		out = append(out, crtPrime{
			p:    p,
			d:    new(big.Int).Mod(key.D, new(big.Int).Sub(p, big.NewInt(1))),
			c:    new(big.Int).Mod(new(big.Int).Mul(m, inv), key.N),
			mont: newMontgomery(p),
		})
	}
	return out
}

// sha256DigestInfo is the DER prefix of a SHA-256 hash in an RSASSA-PKCS1-v1_5
// signature (RFC 8017, section 9.2, note 1).
const sha256DigestInfo = "\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20"

// signPKCS1v15 is RSASSA-PKCS1-v1_5 with SHA-256 (RS256): the very bytes
// rsa.SignPKCS1v15 makes with the same key, by the key's primes. It is not
// constant-time, which a fake cloud's throwaway key does not need.
func (s *signer) signPKCS1v15(input []byte) []byte {
	k := (s.key.N.BitLen() + 7) / 8
	sum := sha256.Sum256(input)
	em := make([]byte, k)
	em[1] = 1
	t := len(sha256DigestInfo) + len(sum)
	for i := 2; i < k-t-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-t:], sha256DigestInfo)
	copy(em[k-len(sum):], sum[:])
	m := new(big.Int).SetBytes(em)
	sig, part := new(big.Int), new(big.Int)
	for _, cp := range s.crt {
		part = cp.mont.exp(part.Mod(m, cp.p), cp.d)
		sig.Add(sig, part.Mul(part, cp.c))
	}
	return sig.Mod(sig, s.key.N).FillBytes(em)
}

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

// sign mints an access token and remembers its claims for verify.
func (s *signer) sign(c claims) (string, error) {
	tok, err := signAny(s, c)
	if err != nil {
		return "", err
	}
	if len(c.Roles) == 0 {
		c.Roles = nil // as verify would decode it
	}
	s.mu.Lock()
	if len(s.minted) >= mintedMax {
		clear(s.minted)
	}
	s.minted[tok] = c
	s.mu.Unlock()
	return tok, nil
}

// signAny signs any claims set (an app-only, delegated or ID token) with the
// fake's key, RS256.
func signAny(s *signer, v any) (string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	input := make([]byte, 0, len(s.header)+1+base64.RawURLEncoding.EncodedLen(len(body))+1+base64.RawURLEncoding.EncodedLen(s.key.Size()))
	input = append(append(input, s.header...), '.')
	input = base64.RawURLEncoding.AppendEncode(input, body)
	sig := s.signPKCS1v15(input)
	input = base64.RawURLEncoding.AppendEncode(append(input, '.'), sig)
	return string(input), nil
}

var errBadToken = errors.New("invalid token")

// verify checks signature, algorithm, lifetime and audience, and returns the claims.
func (s *signer) verify(token string, now time.Time, audiences ...string) (claims, error) {
	s.mu.Lock()
	c, ok := s.minted[token]
	s.mu.Unlock()
	if ok {
		return checkClaims(c, now, audiences)
	}
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
	if err := decodePart(parts[1], &c); err != nil {
		return claims{}, fmt.Errorf("%w: claims", errBadToken)
	}
	return checkClaims(c, now, audiences)
}

// checkClaims checks a token's lifetime and audience.
func checkClaims(c claims, now time.Time, audiences []string) (claims, error) {
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
