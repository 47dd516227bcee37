package audit

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

const redacted = "[redacted]"

// secretKeySuffixes name params whose values are never stored. A key is
// secret if, lowercased and with '_', '-', '.' and ' ' removed, it equals or
// ends with one of these. So "password", "new_password", "apiKey", "S3-Secret",
// "auth_token" and "db.dsn" are redacted, but "key_name", "token_count" and
// "secret_name" are not: matching anywhere in the key would hide harmless
// names, and callers are expected not to pass secrets in the first place.
var secretKeySuffixes = []string{
	"password", "passwd", "passphrase",
	"secret", "secrets",
	"token",
	"apikey", "accesskey", "secretkey", "privatekey", "encryptionkey",
	"dsn",
	"credential", "credentials",
	"authorization", "cookie",
}

func isSecretKey(key string) bool {
	k := strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', ' ':
			return -1
		}
		return r
	}, strings.ToLower(key))
	for _, s := range secretKeySuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

// encodeParams returns params with secrets redacted, both as the stored JSON
// text (sorted keys, compact) and decoded again. Going through JSON first
// lets redaction see into any value, structs and typed maps included.
func encodeParams(params map[string]any) (string, map[string]any, error) {
	if len(params) == 0 {
		return "{}", map[string]any{}, nil
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return "", nil, fmt.Errorf("audit: encode params: %w", err)
	}
	clean, err := decodeParams(string(raw))
	if err != nil {
		return "", nil, err
	}
	redact(clean)
	raw, err = json.Marshal(clean)
	if err != nil {
		return "", nil, fmt.Errorf("audit: encode params: %w", err)
	}
	return string(raw), clean, nil
}

func decodeParams(s string) (map[string]any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("audit: decode params: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// redact replaces secret values in v, a value decoded from JSON, in place.
func redact(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			switch s, ok := val.(string); {
			case isSecretKey(k):
				v[k] = redacted
			case ok:
				v[k] = bounded(s, maxParamBytes)
			default:
				redact(val)
			}
		}
	case []any:
		for i, val := range v {
			if s, ok := val.(string); ok {
				v[i] = bounded(s, maxParamBytes)
			} else {
				redact(val)
			}
		}
	}
}

// Bounds on what one entry stores: a request nobody logged in for (a
// failed login's user name, a refused path) can be megabytes, and must not
// grow the log by as much. What is cut is marked, with its size.
const (
	maxFieldBytes = 512  // actor, target, client address...
	maxTextBytes  = 4096 // the message
	maxParamBytes = 1024 // each string in params
)

// bounded is s cut to at most max bytes (at a character boundary), with a
// marker saying how much was left out.
func bounded(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("…[%d more bytes]", len(s)-cut)
}
