package defendertest

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// opaque mints an access token that is no JWT: five base64url parts shaped
// like an encrypted token (JWE). Microsoft warns that tokens for its own
// APIs "can use a special format that will not validate as a JWT, and may
// also be encrypted" ("Access tokens in the Microsoft identity platform").
// The fake's APIs read it from what the fake remembers, as Microsoft's do.
func (c *Cloud) opaque(cl claims) (string, error) {
	parts := []string{b64([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM","zip":"DEF","kid":"mde-enc"}`))}
	for _, n := range []int{256, 12, 640, 16} {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("minting an opaque token: %w", err)
		}
		parts = append(parts, b64(b))
	}
	tok := strings.Join(parts, ".")
	c.mu.Lock()
	c.opaqueTokens[tok] = cl
	c.mu.Unlock()
	return tok, nil
}

// readOpaque returns the claims of an opaque token this cloud minted, if it
// is one, checked for lifetime and audience like a JWT.
func (c *Cloud) readOpaque(tok string, now time.Time, audiences ...string) (claims, bool, error) {
	c.mu.Lock()
	cl, ok := c.opaqueTokens[tok]
	c.mu.Unlock()
	if !ok {
		return claims{}, false, nil
	}
	if now.Unix() >= cl.Exp {
		return claims{}, true, fmt.Errorf("%w: expired", errBadToken)
	}
	for _, a := range audiences {
		if cl.Aud == a {
			return cl, true, nil
		}
	}
	return claims{}, true, fmt.Errorf("%w: audience %q", errBadToken, cl.Aud)
}
