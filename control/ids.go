package control

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"strings"
)

// IDSource makes record identifiers and secret link tokens. It is injected
// so tests get predictable ones; production uses RandomIDs.
type IDSource interface {
	// NewID returns a new unique identifier for a record: short,
	// URL-safe, and not guessable (it appears in URLs and calendar UIDs,
	// though it grants nothing by itself).
	NewID() string
	// NewToken returns a new secret token of at least 128 random bits,
	// URL-safe, for a personal or admin link.
	NewToken() string
}

// RandomIDs is the production IDSource: crypto/rand, 80-bit identifiers in
// lower-case base32 and 256-bit tokens in unpadded base64url.
type RandomIDs struct{}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID implements IDSource.
func (RandomIDs) NewID() string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return idEncoding.EncodeToString(b[:])
}

// NewToken implements IDSource.
func (RandomIDs) NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// TokenHash is the SHA-256 of a link token. Links are looked up by it, so
// the lookup itself never compares secret bytes in variable time.
type TokenHash [sha256.Size]byte

// HashToken returns the hash under which a token's link is indexed.
func HashToken(token string) TokenHash { return sha256.Sum256([]byte(token)) }

// maxTokenLen bounds what Authenticate will hash, so a huge "token" costs
// nothing. Real tokens are 43 characters.
const maxTokenLen = 256

// plausibleToken reports whether s could be a token at all: of sane length
// and only URL-safe characters. It is a cheap filter, not a check.
func plausibleToken(s string) bool {
	if len(s) < 16 || len(s) > maxTokenLen {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0
}
