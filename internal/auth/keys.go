package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is the file in the data dir that holds the session cookie keys.
const KeyFileName = "session.key"

// Session cookie key sizes: an HMAC-SHA256 key and an AES-256 key.
const (
	hashKeyLength  = 64
	blockKeyLength = 32
)

// LoadOrCreateKeys returns the keys that authenticate (hashKey) and encrypt
// (blockKey) session cookies.
//
// The keys are 96 bytes, the 64-byte hash key followed by the 32-byte block
// key, written in standard base64 (128 characters), for example made by
//
//	head -c 96 /dev/urandom | base64 -w0
//
// If fromEnv (say, the value of an environment variable) is not empty, it
// is decoded as such. Otherwise the keys are read from <dataDir>/session.key,
// which holds the same text and is created with mode 0600 and random keys on
// first run. Changing the keys logs every user out.
func LoadOrCreateKeys(dataDir string, fromEnv string) (hashKey, blockKey []byte, err error) {
	if fromEnv != "" {
		hashKey, blockKey, err = decodeKeys(fromEnv)
		if err != nil {
			return nil, nil, fmt.Errorf("auth: session keys from the environment: %w", err)
		}
		return hashKey, blockKey, nil
	}
	path := filepath.Join(dataDir, KeyFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createKeyFile(path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("auth: session keys: %w", err)
	}
	hashKey, blockKey, err = decodeKeys(string(data))
	if err != nil {
		return nil, nil, fmt.Errorf("auth: session keys in %s: %w", path, err)
	}
	return hashKey, blockKey, nil
}

func decodeKeys(s string) (hashKey, blockKey []byte, err error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, nil, errors.New("not valid base64")
	}
	if len(b) != hashKeyLength+blockKeyLength {
		return nil, nil, fmt.Errorf("got %d bytes, want %d", len(b), hashKeyLength+blockKeyLength)
	}
	return b[:hashKeyLength], b[hashKeyLength:], nil
}

// createKeyFile writes new random keys to path and returns its content. The
// file appears complete or not at all, and if another process created it
// first, its keys win.
func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, hashKeyLength+blockKeyLength)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	data := []byte(base64.StdEncoding.EncodeToString(key) + "\n")

	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, KeyFileName+".*.tmp") // mode 0600
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	// Link, unlike Rename, fails if path exists.
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	} else if err != nil {
		return nil, err
	}
	return data, nil
}
