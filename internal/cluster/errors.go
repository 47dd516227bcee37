package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/usererror"
)

// connError is the error for a failure to connect: a [*usererror.Error]
// whose message says what went wrong and what to check (see [connMessage])
// and whose cause is pgx's error, which is what the log needs. Like it, the
// errors of this package that say what to fix (ParseDSN's, ParseKind's, a
// failed query in a connection test) are user errors; the others are
// internal, start with "cluster: " and belong in the log.
func connError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := usererror.Message(err); ok {
		return err
	}
	return usererror.Wrap(err, "%s", connMessage(err))
}

// connMessage turns an error from connecting to PostgreSQL (pgx) into a
// sentence that says what went wrong and what to check. It never includes a
// password: pgx's connect errors name only the user, database and address.
func connMessage(err error) string {
	if err == nil {
		return ""
	}
	if msg, ok := usererror.Message(err); ok {
		return msg
	}
	addr := "the server"
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) && connectErr.Config != nil {
		addr = address(connectErr.Config.Host, connectErr.Config.Port)
	}

	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErrorMessage(pgErr)
	}
	if pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("timed out connecting to %s: check the host and port, and that no firewall drops the connection", addr)
	}
	if errors.Is(err, context.Canceled) {
		return "the connection attempt was canceled"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Sprintf("cannot find host %s: check the host name", dnsErr.Name)
	}
	if msg, ok := tlsMessage(err); ok {
		return msg
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		if opErr.Addr != nil {
			addr = opErr.Addr.String()
		}
		return fmt.Sprintf("cannot reach %s: is PostgreSQL running and listening there?", addr)
	}
	if strings.Contains(err.Error(), "server refused TLS connection") {
		return "the server does not accept TLS connections: turn ssl on in postgresql.conf, or use sslmode=prefer or sslmode=disable"
	}
	return "cannot connect to PostgreSQL: " + err.Error()
}

// pgErrorMessage explains an error the server sent while we connected.
func pgErrorMessage(e *pgconn.PgError) string {
	switch e.Code {
	case "28P01": // invalid_password
		return e.Message + ": check the password"
	case "28000": // invalid_authorization_specification
		switch {
		case strings.HasPrefix(e.Message, "role ") && strings.HasSuffix(e.Message, "does not exist"):
			return e.Message + ": check the user name"
		case strings.HasPrefix(e.Message, "no pg_hba.conf entry"):
			msg := "the server does not allow this connection (" + e.Message + "): add a matching line to its pg_hba.conf"
			if strings.HasSuffix(e.Message, "no encryption") {
				msg += ", or connect with sslmode=require if the server only accepts TLS"
			}
			return msg
		}
		return e.Message + ": check the user name and the server's pg_hba.conf"
	case "3D000": // invalid_catalog_name
		return e.Message + ": check the database name in the connection string"
	case "42501": // insufficient_privilege, e.g. no CONNECT on the database
		return e.Message + ": grant the role CONNECT on the database, or use another role"
	case "53300": // too_many_connections
		return "the server has no free connections (" + e.Message + "): close some, or raise max_connections"
	case "57P03": // cannot_connect_now
		return "the server is not accepting connections yet (" + e.Message + "): try again in a moment"
	}
	return "PostgreSQL refused the connection: " + e.Message
}

func tlsMessage(err error) (string, bool) {
	const fix = "set sslrootcert to the certificate of the CA that signed it, or use sslmode=require to encrypt without verifying"
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknownCA):
		return "the server's TLS certificate is signed by an unknown authority: " + fix, true
	case errors.As(err, &hostname):
		return "the server's TLS certificate is not valid for this host (" + hostname.Error() + "): connect using a name the certificate lists, or use sslmode=verify-ca", true
	case errors.As(err, &invalid):
		return "the server's TLS certificate is not valid (" + invalid.Error() + ")", true
	case errors.As(err, &verify):
		return "the server's TLS certificate could not be verified (" + verify.Err.Error() + "): " + fix, true
	}
	return "", false
}

func address(host string, port uint16) string {
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("%s/.s.PGSQL.%d", host, port)
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}
