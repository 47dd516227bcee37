package auth

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreateKeysFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	hashKey, blockKey, err := LoadOrCreateKeys(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(hashKey) != 64 || len(blockKey) != 32 {
		t.Fatalf("key lengths %d, %d", len(hashKey), len(blockKey))
	}
	path := filepath.Join(dir, "session.key")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s mode = %v, want 0600", path, fi.Mode().Perm())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}

	hashKey2, blockKey2, err := LoadOrCreateKeys(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hashKey, hashKey2) || !bytes.Equal(blockKey, blockKey2) {
		t.Fatal("second call returned other keys")
	}

	// The file and the environment variable share one format.
	data, _ := os.ReadFile(path)
	hashKey3, blockKey3, err := LoadOrCreateKeys(t.TempDir(), string(data))
	if err != nil || !bytes.Equal(hashKey, hashKey3) || !bytes.Equal(blockKey, blockKey3) {
		t.Fatalf("keys from file content as env: %v", err)
	}
}

func TestLoadOrCreateKeysFromEnv(t *testing.T) {
	raw := bytes.Repeat([]byte{1}, 64)
	raw = append(raw, bytes.Repeat([]byte{2}, 32)...)
	dir := t.TempDir()
	hashKey, blockKey, err := LoadOrCreateKeys(dir, base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hashKey, raw[:64]) || !bytes.Equal(blockKey, raw[64:]) {
		t.Fatal("keys not taken from env")
	}
	if _, err := os.Stat(filepath.Join(dir, "session.key")); !os.IsNotExist(err) {
		t.Fatalf("key file written although keys came from env: %v", err)
	}
	for _, bad := range []string{"not base64!", base64.StdEncoding.EncodeToString(raw[:95])} {
		_, _, err := LoadOrCreateKeys(dir, bad)
		if err == nil || !strings.HasPrefix(err.Error(), "auth: ") {
			t.Errorf("LoadOrCreateKeys(env %q) error = %v", bad, err)
		}
	}
}
