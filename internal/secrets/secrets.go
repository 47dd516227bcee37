package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is the key's file in the data dir (mode 0600).
const KeyFileName = "secrets.key"

const prefix = "v1:"

// ErrUndecryptable means a value cannot be decrypted with this key: the data
// dir's key file was replaced, or the value was altered.
var ErrUndecryptable = errors.New("secrets: value cannot be decrypted with this console's key (was secrets.key replaced?)")

// Box seals and opens secrets with AES-256-GCM.
type Box struct{ aead cipher.AEAD }

// LoadOrCreate reads the key from dataDir, creating a random one on first run.
func LoadOrCreate(dataDir string) (*Box, error) {
	key, err := LoadOrCreateKeyFile(dataDir, KeyFileName, 32)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return New(key)
}

// LoadOrCreateKeyFile reads the key of size bytes in dataDir/name, first
// writing size random bytes there (mode 0600) when the file does not exist.
func LoadOrCreateKeyFile(dataDir, name string, size int) ([]byte, error) {
	path := filepath.Join(dataDir, name)
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, size)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, err
		}
		// O_EXCL: two processes starting at once must not both write a key.
		f, ferr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(ferr, os.ErrExist) {
			return LoadOrCreateKeyFile(dataDir, name, size)
		}
		if ferr != nil {
			return nil, fmt.Errorf("create key file: %w", ferr)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	if len(key) != size {
		return nil, fmt.Errorf("%s holds %d bytes, want %d", path, len(key), size)
	}
	return key, nil
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext. context binds the value to where it is stored
// (for example "cluster:7:password"), so a sealed value copied to another
// row does not open there. An empty plaintext seals to "".
func (b *Box) Seal(plaintext, context string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))
	return prefix + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value sealed with the same context.
func (b *Box) Open(sealed, context string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	if !strings.HasPrefix(sealed, prefix) || err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrUndecryptable
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", ErrUndecryptable
	}
	return string(plain), nil
}
