package defender

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Claims are the parts of an app-only access token mdeconnect reads. The
// signature is not checked: the API checks it; we only explain what it holds.
type Claims struct {
	Audience  string   `json:"aud"`
	Issuer    string   `json:"iss"`
	TenantID  string   `json:"tid"`
	AppID     string   `json:"appid"`
	AppIDACR  string   `json:"appidacr,omitempty"`
	Roles     []string `json:"roles"`
	ExpiresAt int64    `json:"exp"`
	NotBefore int64    `json:"nbf,omitempty"`
	IssuedAt  int64    `json:"iat,omitempty"`
	Version   string   `json:"ver,omitempty"`
	IDType    string   `json:"idtyp,omitempty"`
	ObjectID  string   `json:"oid,omitempty"`
}

// Expires is the token's expiry time.
func (c Claims) Expires() time.Time { return time.Unix(c.ExpiresAt, 0) }

// DecodeClaims reads the payload of a JWT without verifying it.
func DecodeClaims(jwt string) (Claims, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("not a JWT: %d parts instead of 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, fmt.Errorf("the token's payload is not base64url: %w", err)
	}
	var c struct {
		Claims
		Audience json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return Claims{}, fmt.Errorf("the token's payload is not JSON: %w", err)
	}
	out := c.Claims
	out.Audience = audience(c.Audience)
	return out, nil
}

// audience reads aud, which may be a string or a list of strings.
func audience(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return ""
}

func isNetErr(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}
