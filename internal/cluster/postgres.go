package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/usererror"
)

const (
	// connectTimeout bounds each connection attempt: a wrong host or a
	// firewall that drops packets should fail a test quickly.
	connectTimeout = 10 * time.Second
	// inspectTimeout bounds a whole Test or Databases call.
	inspectTimeout = 30 * time.Second
)

// InspectPostgres returns what inspects the PostgreSQL cluster at dsn, a
// full connection string; the PostgreSQL engine's driver is built on it.
func InspectPostgres(dsn DSN) Inspector { return newPostgres(dsn) }

// postgres inspects PostgreSQL clusters.
type postgres struct {
	dsn            DSN
	connectTimeout time.Duration
}

func newPostgres(dsn DSN) *postgres {
	return &postgres{dsn: dsn, connectTimeout: connectTimeout}
}

func (p *postgres) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(p.dsn.ConnString())
	if err != nil {
		// ParseDSN accepted it, so this is a bug; pgx's text might quote the password.
		return nil, fmt.Errorf("cluster: connection string of %s rejected by pgx", p.dsn.Redacted())
	}
	cfg.ConnectTimeout = p.connectTimeout
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "strata"
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, connError(err)
	}
	return conn, nil
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Close(ctx)
}

// Test connects and inspects the server and the role.
func (p *postgres) Test(ctx context.Context) (TestReport, error) {
	ctx, cancel := context.WithTimeout(ctx, inspectTimeout)
	defer cancel()
	conn, err := p.connect(ctx)
	if err != nil {
		return TestReport{}, err
	}
	defer closeConn(conn)

	var r TestReport
	err = conn.QueryRow(ctx, `
		SELECT current_user,
		       current_setting('server_version'),
		       current_setting('server_version_num')::int,
		       current_setting('wal_level'),
		       current_setting('max_replication_slots')::int,
		       current_setting('max_wal_senders')::int,
		       (SELECT count(*) FROM pg_replication_slots),
		       rolsuper,
		       rolreplication
		FROM pg_roles
		WHERE rolname = current_user`).Scan(
		&r.User, &r.ServerVersion, &r.ServerVersionNum, &r.WALLevel,
		&r.MaxReplicationSlots, &r.MaxWALSenders, &r.UsedReplicationSlots,
		&r.Superuser, &r.CanReplicate)
	if err != nil {
		return TestReport{}, inspectError("the server settings and the role", err)
	}
	r.CanReplicate = r.CanReplicate || r.Superuser
	r.CanReadAll = r.Superuser
	if !r.Superuser && r.ServerVersionNum >= 140000 { // pg_read_all_data is new in 14
		err := conn.QueryRow(ctx, `SELECT pg_has_role(current_user, 'pg_read_all_data', 'USAGE')`).Scan(&r.CanReadAll)
		if err != nil {
			return TestReport{}, inspectError("the role's memberships", err)
		}
	}
	if r.Databases, err = databases(ctx, conn); err != nil {
		return TestReport{}, err
	}
	r.Findings = findings(r)
	return r, nil
}

// Databases lists the databases the role may connect to, with their sizes.
func (p *postgres) Databases(ctx context.Context) ([]Database, error) {
	ctx, cancel := context.WithTimeout(ctx, inspectTimeout)
	defer cancel()
	conn, err := p.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer closeConn(conn)
	return databases(ctx, conn)
}

// databases lists the databases conn's role may connect to, templates
// excluded. One whose size cannot be read (it was dropped meanwhile, or
// the role lacks the privilege after all) is left out.
func databases(ctx context.Context, conn *pgx.Conn) ([]Database, error) {
	rows, err := conn.Query(ctx, `
		SELECT oid, datname
		FROM pg_database
		WHERE NOT datistemplate AND datallowconn AND has_database_privilege(oid, 'CONNECT')
		ORDER BY datname`)
	if err != nil {
		return nil, inspectError("the list of databases", err)
	}
	type candidate struct {
		oid  uint32
		name string
	}
	candidates, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (candidate, error) {
		var c candidate
		return c, row.Scan(&c.oid, &c.name)
	})
	if err != nil {
		return nil, inspectError("the list of databases", err)
	}
	dbs := []Database{}
	for _, c := range candidates {
		var size int64
		if err := conn.QueryRow(ctx, `SELECT pg_database_size($1::oid)`, c.oid).Scan(&size); err != nil {
			if ctx.Err() != nil {
				return nil, inspectError("the size of the databases", err)
			}
			continue
		}
		dbs = append(dbs, Database{Name: c.name, SizeBytes: size})
	}
	return dbs, nil
}

func inspectError(what string, err error) error {
	msg := err.Error()
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
		msg = "the server did not answer in time"
	case errors.As(err, &pgErr):
		msg = pgErr.Message
	}
	return usererror.Wrap(err, "connected, but cannot read %s: %s", what, msg)
}
