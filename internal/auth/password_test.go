package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/usererror"
)

func TestHashAndVerify(t *testing.T) {
	h, err := hashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash = %q", h)
	}
	if ok, err := verifyPassword(h, testPassword); !ok || err != nil {
		t.Fatalf("verify right password = %v, %v", ok, err)
	}
	if ok, err := verifyPassword(h, testPassword+"!"); ok || err != nil {
		t.Fatalf("verify wrong password = %v, %v", ok, err)
	}
	h2, _ := hashPassword(testPassword)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", h + "$x"} {
		if _, err := verifyPassword(bad, testPassword); err == nil {
			t.Errorf("verify with hash %q: no error", bad)
		}
	}
}

func TestHashDefaultParams(t *testing.T) {
	saved := hashParams
	defer func() { hashParams = saved }()
	hashParams = argonParams{memory: 64 * 1024, time: 2, threads: 2, saltLen: 16, keyLen: 32}

	h, err := hashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Fatalf("hash = %q", h)
	}
	if ok, _ := verifyPassword(h, testPassword); !ok {
		t.Fatal("right password refused")
	}
	if needsRehash(h) {
		t.Fatal("needsRehash with current params = true")
	}
	hashParams = saved
	if !needsRehash(h) {
		t.Fatal("needsRehash after changing params = false")
	}
}

func TestValidatePassword(t *testing.T) {
	err := validatePassword("short-pass1") // 11
	if err != ErrPasswordTooShort || err.Error() != "password must be at least 12 characters" || !errors.As(err, new(*usererror.Error)) {
		t.Fatalf("11 characters: %v", err)
	}
	for _, ok := range []string{"twelve-chars", "ääääääääääää", strings.Repeat("x", MaxPasswordLength)} {
		if err := validatePassword(ok); err != nil {
			t.Errorf("validatePassword(%d bytes): %v", len(ok), err)
		}
	}
	for _, p := range []string{"correct horse\x00battery", "correct horse \xff\xfe battery"} {
		if err := validatePassword(p); err != ErrPasswordNotText {
			t.Errorf("validatePassword(%q) = %v", p, err)
		}
	}
	if err := validatePassword(strings.Repeat("x", MaxPasswordLength+1)); err != ErrPasswordTooLong {
		t.Fatalf("1025 characters: %v", err)
	}
}
