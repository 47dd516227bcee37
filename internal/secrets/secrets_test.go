package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenAndContextBinding(t *testing.T) {
	dir := t.TempDir()
	b, err := LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Seal("hunter2-password", "cluster:1:password")
	if err != nil || strings.Contains(s, "hunter2") {
		t.Fatalf("sealed = %q, %v", s, err)
	}
	if got, err := b.Open(s, "cluster:1:password"); err != nil || got != "hunter2-password" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := b.Open(s, "cluster:2:password"); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("open in another context: %v", err)
	}
	if s2, _ := b.Seal("hunter2-password", "cluster:1:password"); s2 == s {
		t.Fatal("two seals of one value are equal: nonce reused")
	}

	info, _ := os.Stat(filepath.Join(dir, KeyFileName))
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", info.Mode().Perm())
	}
	b2, _ := LoadOrCreate(dir)
	if got, err := b2.Open(s, "cluster:1:password"); err != nil || got != "hunter2-password" {
		t.Fatalf("reloaded key cannot open: %v", err)
	}
	other, _ := LoadOrCreate(t.TempDir())
	if _, err := other.Open(s, "cluster:1:password"); !errors.Is(err, ErrUndecryptable) {
		t.Fatalf("another key opened it: %v", err)
	}
	if e, _ := b.Seal("", "x"); e != "" {
		t.Fatal("empty secret should seal to empty")
	}
}
