package cluster

import (
	"strings"

	"github.com/stratabackup/strata/internal/usererror"
)

const spaces = " \t\n\r\v\f"

var errNotKeyValue = usererror.New("the connection string has a word that is not a key=value setting: quote values that contain spaces, like password='two words'")

// parseKeywordValue reads key=value pairs the way libpq (and pgx) do:
// values are single-quoted when they hold spaces, and a backslash escapes
// the next character.
func parseKeywordValue(s string) (DSN, error) {
	var d DSN
	s = strings.TrimLeft(s, spaces)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		key := ""
		if eq >= 0 {
			key = strings.Trim(s[:eq], spaces)
		}
		if key == "" || strings.ContainsAny(key, spaces) {
			// Not quoting the word: it may be half of a password with a space.
			return DSN{}, errNotKeyValue
		}
		s = strings.TrimLeft(s[eq+1:], spaces)
		var value string
		var err error
		value, s, err = readValue(s, key)
		if err != nil {
			return DSN{}, err
		}
		s = strings.TrimLeft(s, spaces)
		if err := checkSecretKey(key); err != nil {
			return DSN{}, err
		}
		switch {
		case key == "password":
			d.password = value
		case key == "user" && value == "": // pgx ignores it too
		default:
			d.params = append(d.params, param{key, value})
		}
	}
	return d, nil
}

// readValue reads one value from the start of s and returns it with the rest of s.
func readValue(s, key string) (value, rest string, err error) {
	quoted := strings.HasPrefix(s, "'")
	if quoted {
		s = s[1:]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\'':
			return b.String(), s[i+1:], nil
		case !quoted && strings.IndexByte(spaces, c) >= 0:
			return b.String(), s[i:], nil
		case c == '\\':
			i++
			if i == len(s) {
				if quoted {
					break
				}
				return b.String(), "", nil
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	if quoted {
		return "", "", usererror.Errorf("the value of %q in the connection string has no closing quote (')", key)
	}
	return b.String(), "", nil
}

func (d DSN) keywordValueString() string {
	var parts []string
	for _, p := range d.params {
		parts = append(parts, p.key+"="+quoteValue(p.value))
	}
	if d.password != "" {
		parts = append(parts, "password="+quoteValue(d.password))
	}
	return strings.Join(parts, " ")
}

// quoteValue quotes a value when it is empty or holds a space, a quote or a backslash.
func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, spaces+`'\`) {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}
