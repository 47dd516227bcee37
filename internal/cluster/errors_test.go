package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/usererror"
)

// The PostgreSQL servers of the tests trust every local connection, so a
// wrong password cannot happen there; the translation of the server's
// errors is tested here with the errors pgx returns.
func TestConnMessage(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp",
		Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5999}, Err: syscall.ECONNREFUSED}
	tests := []struct {
		err  error
		want string
	}{
		{&pgconn.PgError{Severity: "FATAL", Code: "28P01", Message: `password authentication failed for user "strata"`},
			`password authentication failed for user "strata": check the password`},
		{&pgconn.PgError{Code: "28000", Message: `role "nobody" does not exist`},
			`role "nobody" does not exist: check the user name`},
		{&pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for host "10.0.0.5", user "strata", database "app", no encryption`},
			`the server does not allow this connection (no pg_hba.conf entry for host "10.0.0.5", user "strata", database "app", no encryption): add a matching line to its pg_hba.conf, or connect with sslmode=require if the server only accepts TLS`},
		{&pgconn.PgError{Code: "3D000", Message: `database "nope" does not exist`},
			`database "nope" does not exist: check the database name in the connection string`},
		{&pgconn.PgError{Code: "42501", Message: `permission denied for database "app"`},
			`permission denied for database "app": grant the role CONNECT on the database, or use another role`},
		{&pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"},
			"the server has no free connections (sorry, too many clients already): close some, or raise max_connections"},
		{&pgconn.PgError{Code: "XX000", Message: "something odd"},
			"PostgreSQL refused the connection: something odd"},
		{fmt.Errorf("dial error: %w", refused),
			"cannot reach 127.0.0.1:5999: is PostgreSQL running and listening there?"},
		{&net.DNSError{Err: "no such host", Name: "db.invalid", IsNotFound: true},
			"cannot find host db.invalid: check the host name"},
		{fmt.Errorf("connect: %w", context.DeadlineExceeded),
			"timed out connecting to the server: check the host and port, and that no firewall drops the connection"},
		{errors.New("tls error: server refused TLS connection"),
			"the server does not accept TLS connections: turn ssl on in postgresql.conf, or use sslmode=prefer or sslmode=disable"},
		{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}},
			"the server's TLS certificate is signed by an unknown authority: set sslrootcert to the certificate of the CA that signed it, or use sslmode=require to encrypt without verifying"},
		{usererror.New("already for users"), "already for users"},
	}
	for _, tt := range tests {
		if got := connMessage(tt.err); got != tt.want {
			t.Errorf("connMessage(%v)\n got %q\nwant %q", tt.err, got, tt.want)
		}
		ce := connError(tt.err)
		if msg, ok := usererror.Message(ce); !ok || msg != tt.want || ce.Error() != tt.want || !errors.Is(ce, tt.err) {
			t.Errorf("connError(%v) = %#v, want a user error wrapping it", tt.err, ce)
		}
	}
}
