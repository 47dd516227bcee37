package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"

	"github.com/stratabackup/strata/internal/secrets"
)

// KeyFileName is the audit key's file in the data dir (mode 0600). The key
// is kept apart from secrets.key so that it can be handed to whoever checks
// the log (with `strata audit verify` on a copy) without handing over what
// decrypts the clusters' passwords, and so that replacing one does not
// touch the other.
const KeyFileName = "audit.key"

const keySize = 32

// Key is the secret keyed entries and checkpoints are made with: whoever
// lacks it cannot recompute the chain.
type Key struct{ b []byte }

// LoadOrCreateKey reads the key from dataDir, creating a random one on first run.
func LoadOrCreateKey(dataDir string) (Key, error) {
	b, err := secrets.LoadOrCreateKeyFile(dataDir, KeyFileName, keySize)
	if err != nil {
		return Key{}, fmt.Errorf("audit: key: %w", err)
	}
	return Key{b: b}, nil
}

// NewKey returns the key made of b, which must be 32 bytes.
func NewKey(b []byte) (Key, error) {
	if len(b) != keySize {
		return Key{}, fmt.Errorf("audit: key: %d bytes, want %d", len(b), keySize)
	}
	return Key{b: append([]byte(nil), b...)}, nil
}

func (k Key) newMAC() hash.Hash {
	if len(k.b) != keySize {
		panic("audit: use of a zero Key")
	}
	return hmac.New(sha256.New, k.b)
}
