package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length limits, in characters (Unicode code points).
const (
	MinPasswordLength = 12
	MaxPasswordLength = 1024
)

// argonParams are the argon2id cost parameters. They are written into every
// hash, so raising them later keeps old hashes verifiable; a successful
// login rehashes a password stored with other parameters.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	saltLen int
	keyLen  int
}

// hashParams are the parameters for new hashes: 64 MiB, 2 passes, 2 lanes.
// Tests lower them to stay fast.
var hashParams = argonParams{memory: 64 * 1024, time: 2, threads: 2, saltLen: 16, keyLen: 32}

// hashSlots bounds how many argon2 computations run at once. Each takes
// hashParams.memory, and logins are unauthenticated requests, so without a
// bound a burst of them could exhaust memory.
var hashSlots = make(chan struct{}, 4)

var errMalformedHash = errors.New("malformed password hash")

func validatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return ErrPasswordTooShort
	}
	if n > MaxPasswordLength {
		return ErrPasswordTooLong
	}
	if !utf8.ValidString(password) || strings.ContainsRune(password, 0) {
		return ErrPasswordNotText
	}
	return nil
}

// hashPassword returns the argon2id hash of password in the PHC string
// format: $argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>, with salt and hash
// in unpadded standard base64.
func hashPassword(password string) (string, error) {
	p := hashParams
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: read random salt: %w", err)
	}
	key := argon2Key(password, salt, p)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key)), nil
}

// verifyPassword reports whether password matches encoded, a hash made by
// hashPassword. The comparison takes constant time.
func verifyPassword(encoded, password string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2Key(password, salt, p)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// needsRehash reports whether encoded was made with other parameters than
// the current hashParams.
func needsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	if err != nil {
		return true
	}
	cur := hashParams
	return p.memory != cur.memory || p.time != cur.time || p.threads != cur.threads ||
		p.saltLen != cur.saltLen || p.keyLen != cur.keyLen
}

func argon2Key(password string, salt []byte, p argonParams) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
}

func decodeHash(encoded string) (p argonParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, errMalformedHash
	}
	// Bounds keep a corrupted row from making us allocate gigabytes.
	if p.threads < 1 || p.time < 1 || p.time > 64 || p.memory < 8*uint32(p.threads) || p.memory > 4*1024*1024 {
		return p, nil, nil, errMalformedHash
	}
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errMalformedHash
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errMalformedHash
	}
	p.saltLen, p.keyLen = len(salt), len(key)
	return p, salt, key, nil
}

var (
	dummyOnce sync.Once
	dummyHash string
)

// verifyDummy spends as long as verifying a real password, so that a login
// with an unknown user name takes as long as one with a wrong password.
func verifyDummy(password string) {
	dummyOnce.Do(func() {
		dummyHash, _ = hashPassword("strata-dummy-password")
	})
	verifyPassword(dummyHash, password)
}
