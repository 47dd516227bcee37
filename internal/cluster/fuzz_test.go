package cluster

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/testutil"
	"github.com/stratabackup/strata/internal/usererror"
)

// The fuzz targets below run over their seeds (testdata/fuzz and the
// f.Add calls) as ordinary tests. To look for more:
//
//	go test -fuzz=FuzzParseDSN -fuzztime=60s -parallel=1 ./internal/cluster

// pgxPassword is the password pgx reads from a connection string, "" when
// it reads none or cannot read the string.
func pgxPassword(s string) string {
	cfg, err := pgconn.ParseConfig(s)
	if err != nil {
		return ""
	}
	return cfg.Password
}

// FuzzParseDSN checks, with pgx as the judge of what a connection string
// means: an accepted DSN holds the very password pgx reads from the input,
// in any form or spelling, and no password is left in its redacted form;
// the full form connects with that password to the same database as asked;
// what is refused says why, without the password.
func FuzzParseDSN(f *testing.F) {
	// pgx would fill a password from the environment or a password file.
	f.Setenv("PGPASSWORD", "")
	f.Setenv("PGPASSFILE", "/nonexistent")
	f.Setenv("PGSERVICEFILE", "/nonexistent")
	f.Add("postgres://strata:s3cret@db.example.com:5432/app?sslmode=require", "app")
	f.Add("host=h user=u password='two words' dbname=x", "other db")
	f.Add("postgres://u@h/app?Password=Hunter2", "")
	f.Add("postgres://u@h/app?password%20=Hunter2", "")
	f.Fuzz(func(t *testing.T, s, database string) {
		d, err := ParseDSN(s)
		if err != nil {
			testutil.UserError(t, err, s)
			msg, _ := usererror.Message(err)
			if p := typedPassword(s); p != "" && strings.Count(s, p) == 1 && strings.Contains(msg, p) {
				// Unless the message's own words hold it: the same
				// string with another password gets them too.
				_, again := ParseDSN(strings.Replace(s, p, "Xx", 1))
				if m, _ := usererror.Message(again); !strings.Contains(m, p) {
					t.Fatalf("the error for %q shows the password %q: %s", s, p, msg)
				}
			}
			return
		}
		if p := pgxPassword(s); p != "" && p != d.Password() {
			t.Fatalf("pgx reads password %q from %q, ParseDSN %q: it went elsewhere", p, s, d.Password())
		}
		for _, p := range d.params {
			if letters := strings.Map(keepLetters, p.key); strings.EqualFold(letters, "password") {
				t.Fatalf("%q keeps setting %q, spelled like the password, in the clear", s, p.key)
			}
		}
		for _, shown := range []string{d.String(), d.GoString(), fmt.Sprintf("%v %+v %#v %s", d, d, d, d)} {
			if p := d.Password(); p != "" && strings.Contains(shown, p) && !strings.Contains(d.Redacted(), p) {
				t.Fatalf("%q printed as %q", s, shown)
			}
		}
		cfg, err := pgconn.ParseConfig(d.Redacted())
		if err != nil || cfg.Password != "" {
			t.Fatalf("pgx reads the redacted form %q of %q: password %q, %v", d.Redacted(), s, cfgPassword(cfg), err)
		}
		if cfg, err = pgconn.ParseConfig(d.ConnString()); err != nil || cfg.Password != d.Password() {
			t.Fatalf("pgx reads the full form of %q: password %q, want %q, %v", s, cfgPassword(cfg), d.Password(), err)
		}
		again, err := ParseDSN(d.ConnString())
		if err != nil || again.Password() != d.Password() || again.Redacted() != d.Redacted() {
			t.Fatalf("%q does not read back: %q %q, %v", d.ConnString(), again.Password(), again.Redacted(), err)
		}
		if database == "" || strings.ContainsRune(database, 0) {
			return
		}
		conn := d.ForDatabase(database)
		if cfg, err = pgconn.ParseConfig(conn); err != nil || cfg.Database != database || cfg.Password != d.Password() {
			t.Fatalf("pgx reads ForDatabase(%q) of %q as database %q, password %q, %v", database, s, cfgDatabase(cfg), cfgPassword(cfg), err)
		}
	})
}

// keepLetters is for strings.Map: it drops what is not a letter.
func keepLetters(r rune) rune {
	if unicode.IsLetter(r) {
		return r
	}
	return -1
}

func cfgPassword(cfg *pgconn.Config) string {
	if cfg == nil {
		return ""
	}
	return cfg.Password
}

func cfgDatabase(cfg *pgconn.Config) string {
	if cfg == nil {
		return ""
	}
	return cfg.Database
}

// typedPassword is the password as written in s (still escaped), as far
// as the forms' syntax says where it is, "" when there is none.
func typedPassword(s string) string {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "postgres://"); ok || strings.HasPrefix(s, "postgresql://") {
		if !ok {
			rest = strings.TrimPrefix(s, "postgresql://")
		}
		if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
			if _, p, ok := strings.Cut(rest[:i], ":"); ok {
				return p
			}
		}
		if _, q, ok := strings.Cut(rest, "?"); ok {
			for pair := range strings.SplitSeq(q, "&") {
				if k, v, ok := strings.Cut(pair, "="); ok && strings.EqualFold(k, "password") {
					return v
				}
			}
		}
		return ""
	}
	for _, word := range strings.Fields(s) {
		if k, v, ok := strings.Cut(word, "="); ok && strings.EqualFold(k, "password") {
			return strings.Trim(v, "'")
		}
	}
	return ""
}

// FuzzDatabaseName: a name accepted for new_db_name or into_db is one
// PostgreSQL takes whole: at most 63 bytes of UTF-8, without NUL.
func FuzzDatabaseName(f *testing.F) {
	f.Add("shop_restored")
	f.Add(strings.Repeat("é", 32))
	f.Fuzz(func(t *testing.T, name string) {
		if err := CheckDatabaseName("new_db_name", name); err != nil {
			testutil.UserError(t, err, name)
			return
		}
		if len(name) > 63 || strings.ContainsRune(name, 0) || !utf8.ValidString(name) {
			t.Fatalf("database name %q accepted", name)
		}
	})
}
