package storage

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

const (
	maxKeyLen     = 1024 // S3's limit
	maxSegmentLen = 255  // most file systems' limit on a name
)

// tempName matches the names the file backend gives to objects being
// written; they are hidden from listings and cannot be used as keys.
var tempName = regexp.MustCompile(`\.[0-9a-f]{16}\.tmp$`)

// CheckKey reports whether key is a valid object key: slash-separated,
// relative, with no empty, "." or ".." segments, no backslash or control
// characters, valid UTF-8. Every Store method checks its keys with it, so no
// key can reach outside the location.
func CheckKey(key string) error {
	if key == "" {
		return keyError(key, "is empty")
	}
	if strings.HasSuffix(key, "/") {
		return keyError(key, "ends with /")
	}
	return checkPath(key)
}

// checkPrefix checks a listing prefix: like a key, but it may be empty or end
// with a slash.
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return checkPath(strings.TrimSuffix(prefix, "/"))
}

func checkPath(key string) error {
	switch {
	case key == "":
		return keyError(key, "is empty")
	case len(key) > maxKeyLen:
		return keyError(key, fmt.Sprintf("is longer than %d bytes", maxKeyLen))
	case !utf8.ValidString(key):
		return keyError(key, "is not valid UTF-8")
	case strings.HasPrefix(key, "/"):
		return keyError(key, "is absolute")
	case strings.Contains(key, `\`):
		return keyError(key, "contains a backslash")
	case strings.Contains(key, ".."):
		return keyError(key, "contains ..")
	case strings.Contains(key, "//"):
		return keyError(key, "contains //")
	case strings.HasSuffix(key, ".attrs") || tempName.MatchString(key):
		return keyError(key, "ends with a name reserved for temporary files")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return keyError(key, "contains a control character")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "." {
			return keyError(key, "contains a . segment")
		}
		if len(seg) > maxSegmentLen {
			return keyError(key, fmt.Sprintf("has a name longer than %d bytes", maxSegmentLen))
		}
	}
	return nil
}

func keyError(key, why string) error {
	return &Error{Op: "check key", Key: key, Err: fmt.Errorf("invalid object key %q: it %s", key, why)}
}
