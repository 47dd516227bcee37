package cluster

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/usererror"
)

// oddPassword has every character that needs escaping in one form or another.
const oddPassword = `p@ss:w/rd?&=#' "\%+ é`

func TestParseDSNSplitsThePassword(t *testing.T) {
	tests := []struct {
		in, redacted string
	}{
		{"postgres://strata:s3cret@db.example.com:5432/app?sslmode=require",
			"postgres://strata@db.example.com:5432/app?sslmode=require"},
		{"postgresql://strata@db.example.com/app?password=s3cret&sslmode=disable",
			"postgresql://strata@db.example.com/app?sslmode=disable"},
		{"postgres://strata:s3cret@h1:5432,h2:5433/app",
			"postgres://strata@h1:5432,h2:5433/app"},
		{"postgres://strata:s3cret@[::1]:5432",
			"postgres://strata@[::1]:5432"},
		{"  host=db.example.com port=5432 user=strata password=s3cret dbname=app  ",
			"host=db.example.com port=5432 user=strata dbname=app"},
		{"host = db.example.com user=strata password = 's3cret' dbname='my app'",
			"host=db.example.com user=strata dbname='my app'"},
		{"host=db.example.com user=strata",
			"host=db.example.com user=strata"},
	}
	for _, tt := range tests {
		d, err := ParseDSN(tt.in)
		if err != nil {
			t.Errorf("ParseDSN(%q): %v", tt.in, err)
			continue
		}
		if got := d.Redacted(); got != tt.redacted {
			t.Errorf("ParseDSN(%q).Redacted() = %q, want %q", tt.in, got, tt.redacted)
		}
		wantPassword := ""
		if strings.Contains(tt.in, "s3cret") {
			wantPassword = "s3cret"
		}
		if d.Password() != wantPassword {
			t.Errorf("ParseDSN(%q).Password() = %q, want %q", tt.in, d.Password(), wantPassword)
		}
		assertParsesTo(t, d.ConnString(), wantPassword, "")
	}
}

func TestDSNRoundTripsOddPasswordsAndDatabases(t *testing.T) {
	for _, base := range []string{
		"postgres://strata@db.example.com:5432/postgres?sslmode=disable",
		"host=db.example.com port=5432 user=strata dbname=postgres sslmode=disable",
	} {
		d, err := ParseDSN(base)
		if err != nil {
			t.Fatal(err)
		}
		full := d.WithPassword(oddPassword)
		assertParsesTo(t, full.ConnString(), oddPassword, "postgres")
		if strings.Contains(full.Redacted(), "rd?") || full.Redacted() != d.Redacted() {
			t.Errorf("Redacted() = %q, want %q", full.Redacted(), d.Redacted())
		}

		// The full string parses back to the same DSN.
		again, err := ParseDSN(full.ConnString())
		if err != nil {
			t.Fatalf("ParseDSN(ConnString()): %v", err)
		}
		if again.Password() != oddPassword || again.Redacted() != d.Redacted() {
			t.Errorf("round trip: password %q, redacted %q", again.Password(), again.Redacted())
		}

		for _, db := range []string{"Odd Name", `a/b?c&d=e@f'g\h`, "données", "x y"} {
			assertParsesTo(t, full.ForDatabase(db), oddPassword, db)
		}
		if !strings.Contains(d.WithPassword("").ConnString(), "strata") || strings.Contains(d.ConnString(), "password") {
			t.Errorf("without password: %q", d.ConnString())
		}
	}
}

func TestForDatabaseReplacesEveryDatabaseSetting(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:pw@h/one?dbname=two&sslmode=disable": "postgres://u:pw@h/three?sslmode=disable",
		"postgres://u:pw@h": "postgres://u:pw@h/three",
		"host=h user=u dbname=one database=two password=pw": "host=h user=u dbname=three password=pw",
		"host=h user=u password=pw":                         "host=h user=u dbname=three password=pw",
	} {
		d, err := ParseDSN(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.ForDatabase("three"); got != want {
			t.Errorf("ParseDSN(%q).ForDatabase(three) = %q, want %q", in, got, want)
		}
	}
}

func TestDSNNeverPrintsThePassword(t *testing.T) {
	d, err := ParseDSN("postgres://strata:Hunter2Hunter2@db.example.com/app")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{d.String(), d.Redacted(), fmt.Sprint(d), fmt.Sprintf("%v %+v %#v %s", d, d, d, d)} {
		if strings.Contains(s, "Hunter2") {
			t.Errorf("printed DSN shows the password: %s", s)
		}
	}
}

func TestParseDSNErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "enter a connection string"},
		{"mysql://root@localhost/db", "must start with postgres://"},
		{"just some words", "must be a postgres:// URL or key=value pairs"},
		{"postgres://strata:pw@/app", "needs a host"},
		{"user=strata dbname=app password=pw", "needs a host"},
		{"postgres://db.example.com/app", "needs a user name"},
		{"host=db.example.com password=pw", "needs a user name"},
		{"postgres://u:pw@h/app?sslmode=x", `unknown sslmode "x": use one of disable, allow, prefer, require, verify-ca, verify-full`},
		{"host=h user=u sslmode=maybe", `unknown sslmode "maybe"`},
		{"postgres://u:pw@h:99999/app", "the connection string is not valid: invalid port"},
		{"postgres://u:pw@h:abc/app", "the connection string is not valid"},
		{"host=h user=u password='Hunter2", "no closing quote"},
		{"host=h user=u password=Hunter2 Hunter2", "not a key=value setting"},
		{"postgres://u:Hunter2%zz@h/app", "the password in the connection string has a %"},
		{"postgres://u:Hunter2@h/app?sslmode", `parameter "sslmode" must be written as "sslmode=value"`},
		{"host=h user=u sslpassword=Hunter2", "sslpassword is not supported"},
		{"postgres://u:Hunter2%00@h/app", "%00"},
		{"host=h user=u PASSWORD=Hunter2", `"PASSWORD" setting must be written password, in lower case`},
		{"postgres://u@h/app?Password=Hunter2", `"Password" setting must be written password, in lower case`},
		// Found by FuzzParseDSN: a space around the key's letters kept the
		// password in clear, as another spelling of the key.
		{"postgres://u@h/app?password%20=Hunter2", `"password " setting must be written password`},
		{"postgres://u@h/app?%09password=Hunter2", `"\tpassword" setting must be written password`},
		{"host=h user=u pass_word=Hunter2", `"pass_word" setting must be written password`},
		// Found by FuzzParseDSN: a parameter name or host that is not
		// UTF-8 made a message that is not either.
		{"postgres://u@h/app?%ff", `parameter "\xff" must be written as "\xff=value"`},
		// Found by FuzzParseDSN: pgx's own words for a number too large.
		{"host=h user=u connect_timeout=99999999999999999999", `the connection string is not valid: invalid connect_timeout: "99999999999999999999" is not a number, or too large`},
		{"postgres://u@h\xdc%/app", "the connection string is not valid: failed to parse as URL (invalid percent-encoded token: \"h\ufffd%\")"},
	}
	for _, tt := range tests {
		_, err := ParseDSN(tt.in)
		if err == nil {
			t.Errorf("ParseDSN(%q) succeeded, want error %q", tt.in, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseDSN(%q) = %q, want it to contain %q", tt.in, err, tt.want)
		}
		if !errors.As(err, new(*usererror.Error)) {
			t.Errorf("ParseDSN(%q) = %#v, want a user error", tt.in, err)
		}
		if strings.Contains(err.Error(), "Hunter2") {
			t.Errorf("ParseDSN(%q) error shows the password: %q", tt.in, err)
		}
	}
}

// assertParsesTo checks that pgx reads conn as the intended password and
// (unless "") database.
func assertParsesTo(t *testing.T, conn, password, database string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(conn)
	if err != nil {
		t.Errorf("pgx cannot parse %q: %v", conn, err)
		return
	}
	if cfg.Password != password {
		t.Errorf("pgx reads password %q from %q, want %q", cfg.Password, conn, password)
	}
	if database != "" && cfg.Database != database {
		t.Errorf("pgx reads database %q from %q, want %q", cfg.Database, conn, database)
	}
}
