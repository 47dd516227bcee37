package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/usererror"
)

// SlotPrefix begins the name of every replication slot Strata creates. Each
// slot has a publication of the same name in its database.
const SlotPrefix = "strata_"

const slotsAppName = "strata (replication slots)"

// On a standby (PostgreSQL 16 keeps logical slots there) the current
// position is the replayed one: pg_current_wal_lsn() fails in recovery.
const slotsQuery = `
SELECT s.slot_name, coalesce(s.database, ''), s.active, coalesce(s.wal_status, ''),
       coalesce(s.restart_lsn::text, ''), coalesce(s.confirmed_flush_lsn::text, ''),
       greatest(coalesce(pg_wal_lsn_diff(w.lsn, s.restart_lsn), 0), 0)::bigint,
       greatest(coalesce(pg_wal_lsn_diff(w.lsn, s.confirmed_flush_lsn), 0), 0)::bigint,
       s.safe_wal_size,
       coalesce(s.wal_status = 'lost', false) OR s.restart_lsn IS NULL
FROM pg_replication_slots s,
     (SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS lsn) w
WHERE s.slot_name LIKE 'strata\_%' AND NOT s.temporary
ORDER BY s.database, s.slot_name`

// StrataSlots lists Strata's replication slots on the cluster, in every
// database, connecting once with dsn (the cluster's registered connection).
// Temporary slots (an incremental backup's snapshot) are left out: they go
// with the session that made them.
func StrataSlots(ctx context.Context, dsn string) ([]cluster.Slot, error) {
	c, err := connect(ctx, dsn, slotsAppName)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	return listSlots(ctx, c)
}

func listSlots(ctx context.Context, c *pgx.Conn) ([]cluster.Slot, error) {
	rows, err := c.Query(ctx, slotsQuery)
	if err != nil {
		return nil, fmt.Errorf("engine: list replication slots: %w", err)
	}
	slots, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (cluster.Slot, error) {
		var s cluster.Slot
		err := row.Scan(&s.Name, &s.Database, &s.Active, &s.WALStatus, &s.RestartLSN, &s.ConfirmedFlushLSN,
			&s.RetainedBytes, &s.LagBytes, &s.SafeWALSize, &s.Lost)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("engine: list replication slots: %w", err)
	}
	return slots, nil
}

// DropStrataSlots drops every inactive Strata replication slot on the
// cluster and the publication of the same name in the slot's database. A
// slot a session is reading from (an incremental backup running) is left.
// It connects with dsn, then to each database that had a slot; what it
// could not drop is in Left with the reason. The error is for a cluster it
// could not list the slots of at all.
func DropStrataSlots(ctx context.Context, dsn string) (cluster.SlotCleanup, error) {
	c, err := connect(ctx, dsn, slotsAppName)
	if err != nil {
		return cluster.SlotCleanup{}, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	slots, err := listSlots(ctx, c)
	if err != nil {
		return cluster.SlotCleanup{}, err
	}
	var res cluster.SlotCleanup
	gone := map[string][]string{} // by database: slots dropped, publications to drop
	for _, s := range slots {
		if reason := dropInactiveSlot(ctx, c, s); reason != "" {
			res.Left = append(res.Left, cluster.LeftSlot{Name: s.Name, Database: s.Database, SlotLeft: true, Reason: reason})
			continue
		}
		gone[s.Database] = append(gone[s.Database], s.Name)
	}
	for _, db := range sortedKeys(gone) {
		dropped, left := dropPublications(ctx, dsn, db, gone[db])
		res.Dropped = append(res.Dropped, dropped...)
		res.Left = append(res.Left, left...)
	}
	return res, nil
}

// dropInactiveSlot drops s unless a session reads from it. It returns why
// it did not, or "". Never ending the session: that would be a running
// backup's.
func dropInactiveSlot(ctx context.Context, c *pgx.Conn, s cluster.Slot) string {
	if s.Active {
		return "in use: a session is reading from it"
	}
	_, err := c.Exec(ctx, `SELECT pg_drop_replication_slot($1)`, s.Name)
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pgErr) && pgErr.Code == "42704": // undefined_object: dropped meanwhile
		return ""
	case errors.As(err, &pgErr) && pgErr.Code == "55006": // object_in_use
		return "in use: a session started reading from it"
	}
	return serverMessage(err)
}

// dropPublications drops the publications named in database db. It
// returns the names whose publication is gone, and those left with why.
func dropPublications(ctx context.Context, dsn, db string, names []string) (dropped []string, left []cluster.LeftSlot) {
	leave := func(name string, err error) {
		left = append(left, cluster.LeftSlot{Name: name, Database: db, Reason: "its publication was not dropped: " + serverMessage(err)})
	}
	c, err := connectDatabase(ctx, dsn, db)
	if err != nil {
		for _, name := range names {
			leave(name, err)
		}
		return nil, left
	}
	defer c.Close(context.WithoutCancel(ctx))
	for _, name := range names {
		if err := dropPublication(ctx, c, name); err != nil {
			leave(name, err)
			continue
		}
		dropped = append(dropped, name)
	}
	return dropped, left
}

// connectDatabase connects to database db of the cluster dsn points at, as
// the same user.
func connectDatabase(ctx context.Context, dsn, db string) (*pgx.Conn, error) {
	d, err := cluster.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return connect(ctx, d.ForDatabase(db), slotsAppName)
}

// serverMessage is an error as a user reads it: the engine's message for
// users, else the server's own.
func serverMessage(err error) string {
	if msg, ok := usererror.Message(err); ok {
		return msg
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Message
	}
	return err.Error()
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
