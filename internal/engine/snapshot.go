package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Snapshot methods, as recorded in the manifest.
const (
	methodSlot     = "replication-slot"
	methodExported = "exported-snapshot"
)

// snapshot is the one consistent view of the database a backup reads
// everything under: the schema dump, every table chunk and the catalog.
//
// Lifetime: the snapshot exists only while the connection that exported it
// keeps it. With a replication slot that is the replication connection, and
// it must stay idle: any further command on it (or closing it) ends the
// snapshot. With pg_export_snapshot it is the meta connection's open
// REPEATABLE READ transaction. Either way the holder stays open, untouched,
// until the last worker has imported the snapshot for the last time: the end
// of the backup, or — across a pause — the resume.
type snapshot struct {
	method  string
	name    string         // snapshot name for SET TRANSACTION SNAPSHOT / pg_dump --snapshot
	slot    string         // replication slot created for this backup (method slot; empty for an incremental's temporary one)
	pub     string         // publication created with the slot, named like it; empty when none could be made
	noPub   string         // why no publication could be made, for the backup's warnings
	repl    *pgconn.PgConn // replication connection holding the snapshot (method slot)
	endLSN  string         // consistent point (slot) or pg_current_wal_lsn() (exported)
	endTime time.Time      // see takeSnapshot
	meta    *pgx.Conn      // REPEATABLE READ transaction under the snapshot, holding the tables' locks
	dsn     string         // to drop the slot when both connections are gone

	released bool
}

// sourceInfo is what the backup learns of the server before the snapshot.
type sourceInfo struct {
	versionNum   int    // server_version_num, e.g. 150018
	version      string // server_version, e.g. "15.18 (Debian ...)"
	walLevel     string
	canReplicate bool // superuser or REPLICATION
	systemID     string
	encoding     string
	collate      string
	ctype        string
	user         string
	database     string
}

func readSourceInfo(ctx context.Context, c *pgx.Conn) (sourceInfo, error) {
	var s sourceInfo
	err := c.QueryRow(ctx, `
SELECT current_setting('server_version_num')::int, current_setting('server_version'), current_setting('wal_level'),
       (SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user),
       (SELECT system_identifier::text FROM pg_control_system()),
       pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, current_user, current_database()
FROM pg_database d WHERE d.datname = current_database()`).Scan(
		&s.versionNum, &s.version, &s.walLevel, &s.canReplicate, &s.systemID, &s.encoding, &s.collate, &s.ctype, &s.user, &s.database)
	if err != nil {
		return s, fmt.Errorf("read server information: %w", err)
	}
	if s.versionNum < 130000 {
		return s, userErrorf(nil, "the cluster runs PostgreSQL %s; Strata backs up PostgreSQL 13 and later", shortVersion(s.version))
	}
	return s, nil
}

// shortVersion drops the packager's suffix: "15.18 (Debian 15.18-0+deb12u1)" → "15.18".
func shortVersion(v string) string {
	if i := strings.IndexByte(v, ' '); i > 0 {
		return v[:i]
	}
	return v
}

// takeSnapshot opens the backup's snapshot on meta (an ordinary connection
// to the database, with no transaction open). With wal_level=logical and a
// role that may replicate it creates a permanent logical slot exporting a
// snapshot, so a later incremental can stream from exactly where this backup
// ends; otherwise (or when the replication connection or slot cannot be
// made) it exports a plain snapshot, which supports full backups only.
//
// EndTime is now() of the meta transaction that imports (or exports) the
// snapshot: the server clock just after the consistent point, so every
// commit in the backup has a commit time before it. It is not exact for
// commits racing the slot creation by a few milliseconds; the LSN is the
// exact boundary, and incrementals follow the slot by LSN. (Exact commit
// times would need track_commit_timestamp, which most servers leave off.)
func (e *Engine) takeSnapshot(ctx context.Context, dsn, jobID string, src sourceInfo, meta *pgx.Conn, scope []string) (*snapshot, error) {
	if src.walLevel == "logical" && src.canReplicate {
		name := slotName(jobID)
		pub, noPub := e.publicationFor(ctx, meta, name, scope)
		s, err := createSlotSnapshot(ctx, dsn, name, false)
		if err != nil && pub != "" {
			dropPublication(context.WithoutCancel(ctx), meta, pub)
		}
		if err == nil {
			s.pub, s.noPub = pub, noPub
			s.meta = meta
			if err := s.importInto(ctx, meta); err != nil {
				s.release(context.WithoutCancel(ctx), e, true)
				return nil, err
			}
			if err := meta.QueryRow(ctx, "SELECT now()").Scan(&s.endTime); err != nil {
				s.release(context.WithoutCancel(ctx), e, true)
				return nil, err
			}
			return s, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e.log.Warn("cannot create a replication slot; taking an exported snapshot instead (no incrementals can follow this backup)", "err", err)
	}
	s := &snapshot{method: methodExported, meta: meta, dsn: dsn}
	if _, err := meta.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		return nil, err
	}
	err := meta.QueryRow(ctx, `SELECT pg_export_snapshot(),
  (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text, now()`).Scan(&s.name, &s.endLSN, &s.endTime)
	if err != nil {
		return nil, fmt.Errorf("export snapshot: %w", err)
	}
	return s, nil
}

// publicationFor creates the chain's publication for the tables in scope,
// before the slot. Without one (the role may not own the tables) the backup
// is still taken, but no incremental can follow it; it then returns "" and
// PostgreSQL's reason.
func (e *Engine) publicationFor(ctx context.Context, meta *pgx.Conn, name string, scope []string) (string, string) {
	all, err := readTables(ctx, meta)
	var in map[uint32]bool
	if err == nil {
		in, err = tablesInScope(all, "", scope)
	}
	if err != nil {
		return "", "" // the catalog read under the snapshot reports it
	}
	var tables []*tableInfo
	for _, t := range all {
		if in[t.OID] {
			tables = append(tables, t)
		}
	}
	if err := createPublication(ctx, meta, name, tables); err != nil {
		e.log.Warn("cannot create the publication incremental backups read; this backup can have no incrementals", "publication", name, "err", err)
		return "", "no incremental backup can follow this backup: PostgreSQL refused to create the publication incrementals read (" + sourceMessage(err) + ")"
	}
	return name, ""
}

// createSlotSnapshot opens a replication connection and creates the slot
// (a temporary one lives only as long as the connection).
// The connection is left idle: it holds the exported snapshot.
func createSlotSnapshot(ctx context.Context, dsn, name string, temporary bool) (*snapshot, error) {
	// The exported snapshot keeps a transaction open in the walsender, so
	// a server-wide idle_in_transaction_session_timeout would end it (and
	// the snapshot) during a long COPY or a pause (replicationConn turns it
	// off). wal_sender_timeout does not apply to an idle walsender in
	// command mode.
	repl, err := replicationConn(ctx, dsn, "strata backup (snapshot)", nil)
	if err != nil {
		return nil, err
	}
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, name, "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{Temporary: temporary, Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		repl.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("create replication slot %s: %w", name, err)
	}
	return &snapshot{method: methodSlot, name: res.SnapshotName, slot: name, repl: repl, endLSN: res.ConsistentPoint, dsn: dsn}, nil
}

// slotName is "strata_" + up to 12 letters and digits of the job id + a
// random suffix, so a retried job never collides with a slot left behind.
func slotName(jobID string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(jobID) {
		if b.Len() == 12 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	var rnd [3]byte
	rand.Read(rnd[:])
	if b.Len() == 0 {
		return "strata_" + hex.EncodeToString(rnd[:])
	}
	return "strata_" + b.String() + "_" + hex.EncodeToString(rnd[:])
}

// importInto starts a REPEATABLE READ transaction on c that sees the
// snapshot. SET TRANSACTION SNAPSHOT must be the transaction's first statement.
func (s *snapshot) importInto(ctx context.Context, c *pgx.Conn) error {
	if _, err := c.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, "SET TRANSACTION SNAPSHOT "+quoteLiteral(s.name)); err != nil {
		c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "22023" || pgErr.Code == "55000") {
			return errSnapshotLost
		}
		return fmt.Errorf("import snapshot: %w", err)
	}
	return nil
}

// errSnapshotLost: the exporting connection is gone, so nothing can be read
// under the backup's snapshot any more.
var errSnapshotLost = errors.New("snapshot no longer exists")

func snapshotLostError(cause error) error {
	return userErrorf(cause, "the backup's snapshot was lost when the console restarted (or the source connection dropped); start a new backup")
}

// release ends the snapshot: it closes the meta transaction and the
// replication connection. With dropSlot (any failure, cancel, or a lost
// snapshot) it also drops the slot this backup created: a slot left behind
// would make the server keep WAL forever. A succeeded backup keeps its slot
// for the incrementals that follow it; removing that backup's chain must
// drop it (DropSlot). Calling release again does nothing.
func (s *snapshot) release(ctx context.Context, e *Engine, dropSlot bool) error {
	if s.released {
		return nil
	}
	s.released = true
	slot := ""
	if dropSlot {
		slot = s.slot
	}
	var err error
	if s.repl != nil && !s.repl.IsClosed() {
		if slot != "" {
			// On the connection that created it the slot is not active
			// anywhere else, so this cannot wait.
			if err = pglogrepl.DropReplicationSlot(ctx, s.repl, slot, pglogrepl.DropReplicationSlotOptions{}); err == nil {
				slot = ""
			}
		}
		s.repl.Close(ctx)
	}
	if s.meta != nil && !s.meta.IsClosed() {
		s.meta.Exec(ctx, "ROLLBACK")
		if dropSlot && s.pub != "" {
			if perr := dropPublication(ctx, s.meta, s.pub); perr != nil {
				e.log.Warn("could not drop a failed backup's publication", "publication", s.pub, "err", perr)
			}
		}
		if slot != "" {
			if err = dropSlotOn(ctx, s.meta, slot); err == nil {
				slot = ""
			}
		}
		s.meta.Close(ctx)
	}
	if slot != "" {
		// Both connections are gone (the server restarted?): try a new one.
		err = DropSlot(ctx, s.dsn, slot)
	}
	if err != nil && slot != "" {
		e.log.Error("could not drop replication slot", "slot", slot, "err", err)
		return slotLeftError(slot, err)
	}
	return nil
}

// dropSlotOn drops slot, when it still exists, over an ordinary connection.
// A slot still marked active by a session that is going away (its client
// vanished) is freed by ending that session first.
func dropSlotOn(ctx context.Context, c *pgx.Conn, slot string) error {
	var err error
	for try := 0; try < 10; try++ {
		_, err = c.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1`, slot)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" { // object_in_use: slot active
			return err
		}
		c.Exec(ctx, `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`, slot)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return err
}

// DropSlot drops a replication slot a backup created, and the publication
// of the same name, connecting with dsn
// (the source database's). A succeeded full backup keeps its slot for the
// incrementals to follow; whatever removes that backup's chain (or the
// cluster) must call DropSlot with the manifest's Slot, or the server keeps
// WAL for it forever.
func DropSlot(ctx context.Context, dsn, slot string) error {
	c, err := connect(ctx, dsn, "strata backup (cleanup)")
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	if err := dropSlotOn(ctx, c, slot); err != nil {
		return err
	}
	return dropPublication(ctx, c, slot)
}

func slotLeftError(slot string, cause error) error {
	return userErrorf(cause, "the replication slot %s that this backup created could not be dropped, and it keeps the server from recycling WAL: drop it with SELECT pg_drop_replication_slot('%s')", slot, slot)
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
