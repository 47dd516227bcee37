package cluster

import (
	"fmt"
	"strings"

	"github.com/stratabackup/strata/internal/usererror"
)

// parseURL splits a postgres:// URL the way libpq (and pgx) read it:
// scheme://[user[:password]@]hosts[/database][?key=value&...]. The host
// list is kept as written; pgx checks it.
func parseURL(s string) (DSN, error) {
	d := DSN{url: true}
	if strings.HasPrefix(s, "postgresql://") {
		d.scheme = "postgresql://"
	} else {
		d.scheme = "postgres://"
	}
	rest := strings.TrimPrefix(s, d.scheme)

	// As in libpq, the first @ before any / ends the user part.
	if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
		user, password, _ := strings.Cut(rest[:i], ":")
		rest = rest[i+1:]
		var err error
		if d.user, err = decodeURLPart(user, "the user name"); err != nil {
			return DSN{}, err
		}
		if d.password, err = decodeURLPart(password, "the password"); err != nil {
			return DSN{}, err
		}
	}

	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		i = len(rest)
	}
	d.hosts, rest = rest[:i], rest[i:]

	if strings.HasPrefix(rest, "/") {
		database, query, _ := strings.Cut(rest[1:], "?")
		var err error
		if d.database, err = decodeURLPart(database, "the database name"); err != nil {
			return DSN{}, err
		}
		rest = "?" + query
	}

	query := strings.TrimPrefix(rest, "?")
	for pair := range strings.SplitSeq(query, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, ok := strings.Cut(pair, "=")
		key, err := decodeURLPart(rawKey, "a parameter name")
		if err != nil {
			return DSN{}, err
		}
		if !ok || strings.Contains(rawValue, "=") {
			return DSN{}, usererror.Errorf("the connection string's parameter %q must be written as %q", key, key+"=value")
		}
		value, err := decodeURLPart(rawValue, fmt.Sprintf("the value of %q", key))
		if err != nil {
			return DSN{}, err
		}
		if err := checkSecretKey(key); err != nil {
			return DSN{}, err
		}
		if key == "password" {
			d.password = value
			continue
		}
		d.params = append(d.params, param{key, value})
	}
	return d, nil
}

// decodeURLPart undoes percent-encoding like libpq: no + for space, and
// spaces only at the ends (which are dropped). what names the part in errors;
// errors never quote the part, which may be the password.
func decodeURLPart(s, what string) (string, error) {
	s = strings.Trim(s, " ")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			return "", usererror.Errorf("%s in the connection string contains a space: write it as %%20", what)
		case c != '%':
			b.WriteByte(c)
			continue
		}
		hi, ok1 := unhex(s, i+1)
		lo, ok2 := unhex(s, i+2)
		if !ok1 || !ok2 {
			return "", usererror.Errorf("%s in the connection string has a %% not followed by two hex digits: write %% as %%25", what)
		}
		if hi<<4|lo == 0 {
			return "", usererror.Errorf("%s in the connection string contains %%00, which PostgreSQL cannot take", what)
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), nil
}

func unhex(s string, i int) (byte, bool) {
	if i >= len(s) {
		return 0, false
	}
	switch c := s[i]; {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (d DSN) urlString() string {
	var b strings.Builder
	b.WriteString(d.scheme)
	if d.user != "" || d.password != "" {
		b.WriteString(escapeURLPart(d.user, ""))
		if d.password != "" {
			b.WriteString(":" + escapeURLPart(d.password, ""))
		}
		b.WriteString("@")
	}
	b.WriteString(d.hosts)
	if d.database != "" || len(d.params) > 0 {
		// With a path, an @ in the query cannot be taken for the end of a user part.
		b.WriteString("/" + escapeURLPart(d.database, ""))
	}
	for i, p := range d.params {
		if i == 0 {
			b.WriteString("?")
		} else {
			b.WriteString("&")
		}
		b.WriteString(escapeURLPart(p.key, "") + "=" + escapeURLPart(p.value, "/:,"))
	}
	return b.String()
}

// escapeURLPart percent-encodes every byte but unreserved characters and keep.
func escapeURLPart(s, keep string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("-._~", c) >= 0 || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
