package cluster

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/usererror"
)

// DSN is a checked PostgreSQL connection string, split into its password
// (a secret, stored encrypted) and everything else ([DSN.Redacted], what the
// console stores in the clear and shows). It keeps the form it was written
// in: a postgres:// URL stays a URL, key=value pairs stay key=value pairs.
//
// String and GoString return the redacted form, so printing or logging a
// DSN never shows the password.
type DSN struct {
	url      bool
	scheme   string  // URL: "postgres://" or "postgresql://"
	user     string  // URL: the user name from before the @, decoded
	hosts    string  // URL: the host list as written (still percent-encoded)
	database string  // URL: the database from the path, decoded
	params   []param // URL: the query; key=value form: every setting. Decoded, without the password.
	password string
}

type param struct{ key, value string }

var sslModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// MaxDSN is the longest connection string taken, in bytes.
const MaxDSN = 4096

// ParseDSN checks a connection string, either a URL
// (postgres://user:password@host:5432/db?sslmode=require) or key=value
// pairs (host=db.example.com user=strata password='s e c r e t'), and
// splits the password out. Its errors are [*usererror.Error]s that say what
// to fix and never contain the password.
func ParseDSN(s string) (DSN, error) {
	s = strings.TrimSpace(s)
	var d DSN
	var err error
	switch {
	case s == "":
		return DSN{}, usererror.New("enter a connection string, for example postgres://strata@db.example.com:5432/postgres")
	case len(s) > MaxDSN:
		return DSN{}, usererror.Errorf("the connection string is %d bytes long: at most %d are taken", len(s), MaxDSN)
	case strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://"):
		d, err = parseURL(s)
	case strings.Contains(s, "://"):
		return DSN{}, usererror.New("the connection string must start with postgres:// or postgresql://")
	case !strings.Contains(s, "="):
		return DSN{}, usererror.New("the connection string must be a postgres:// URL or key=value pairs, for example host=db.example.com user=strata dbname=postgres")
	default:
		d, err = parseKeywordValue(s)
	}
	if err != nil {
		return DSN{}, err
	}
	if err := d.check(); err != nil {
		return DSN{}, err
	}
	return d, nil
}

// check finds what a connection needs and catches what pgx would reject,
// with messages for users.
func (d DSN) check() error {
	host, user := d.get("host"), d.get("user")
	if d.url {
		host = strings.Trim(d.hosts, ", ") + host
		user = d.user + user
	}
	if host == "" {
		return usererror.New("the connection string needs a host, for example postgres://strata@db.example.com:5432/postgres")
	}
	if user == "" {
		return usererror.New("the connection string needs a user name, for example postgres://strata@db.example.com:5432/postgres")
	}
	for _, p := range d.params {
		switch p.key {
		case "sslmode":
			if !slices.Contains(sslModes, p.value) {
				return usererror.Errorf("unknown sslmode %q: use one of %s", p.value, strings.Join(sslModes, ", "))
			}
		case "sslpassword":
			return usererror.New("sslpassword is not supported: use a client key that is not encrypted")
		}
	}
	// The redacted form holds no secret, so pgx's error text may be shown.
	if _, err := pgconn.ParseConfig(d.Redacted()); err != nil {
		return usererror.New("the connection string is not valid: " + parseConfigDetail(err))
	}
	if _, err := pgconn.ParseConfig(d.ConnString()); err != nil {
		// Not pgx's text: it might quote the password.
		return usererror.New("the password contains a character that a connection string cannot carry")
	}
	return nil
}

// parseConfigDetail drops the "cannot parse `...`: " prefix of a
// pgconn.ParseConfigError, the Go of a number it could not read
// ("(strconv.ParseInt: parsing ...)"), and bytes that are not UTF-8 in
// what it quotes.
func parseConfigDetail(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "`: "); i >= 0 {
		msg = msg[i+len("`: "):]
	}
	var num *strconv.NumError
	if i := strings.Index(msg, " (strconv."); i >= 0 && errors.As(err, &num) {
		msg = fmt.Sprintf("%s: %q is not a number, or too large", msg[:i], num.Num)
	}
	return strings.ToValidUTF8(msg, "\uFFFD")
}

// get returns the last value of a setting ("" if unset), as pgx applies the last one.
func (d DSN) get(key string) string {
	v := ""
	for _, p := range d.params {
		if p.key == key {
			v = p.value
		}
	}
	return v
}

// Password returns the password, "" if there is none.
func (d DSN) Password() string { return d.password }

// WithPassword returns d with password p; "" removes the password.
func (d DSN) WithPassword(p string) DSN {
	d.password = p
	return d
}

// Redacted returns the connection string without the password.
func (d DSN) Redacted() string {
	d.password = ""
	return d.ConnString()
}

// String returns [DSN.Redacted].
func (d DSN) String() string { return d.Redacted() }

// GoString returns the redacted form too, so that %#v does not show the password.
func (d DSN) GoString() string { return fmt.Sprintf("cluster.DSN(%q)", d.Redacted()) }

// ConnString returns the full connection string, password included, for
// connecting. Never show or log it.
func (d DSN) ConnString() string {
	if d.url {
		return d.urlString()
	}
	return d.keywordValueString()
}

// ForDatabase returns the full connection string (password included) for
// database name on the same server, as the same user.
func (d DSN) ForDatabase(name string) string {
	var params []param
	if d.url {
		d.database = name
		for _, p := range d.params {
			if !isDatabaseKey(p.key) { // a query dbname would win over the path
				params = append(params, p)
			}
		}
	} else {
		replaced := false
		for _, p := range d.params {
			if isDatabaseKey(p.key) {
				if replaced {
					continue
				}
				p, replaced = param{"dbname", name}, true
			}
			params = append(params, p)
		}
		if !replaced {
			params = append(params, param{"dbname", name})
		}
	}
	d.params = params
	return d.ConnString()
}

func isDatabaseKey(key string) bool { return key == "dbname" || key == "database" }

// checkSecretKey refuses a setting spelled like the password in another
// case or with other characters around its letters ("PASSWORD=",
// "?password%20="): connection keys are exact, so it is not the password
// to PostgreSQL, but it holds one, and would be stored and shown in clear.
func checkSecretKey(key string) error {
	letters := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, key)
	if key != "password" && strings.EqualFold(letters, "password") {
		return usererror.Errorf("the connection string's %q setting must be written password, in lower case, without other characters (connection settings are case-sensitive)", key)
	}
	return nil
}
