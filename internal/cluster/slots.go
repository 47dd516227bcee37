package cluster

import (
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Slot is one of Strata's replication slots on a cluster, as the server
// reports it.
type Slot struct {
	Name              string
	Database          string
	Active            bool   // a session is reading from it now
	WALStatus         string // reserved, extended, unreserved or lost
	RestartLSN        string // the oldest WAL the slot needs; "" once invalidated
	ConfirmedFlushLSN string // how far its reader confirmed it has read
	RetainedBytes     int64  // WAL the server keeps for the slot: current LSN − restart_lsn
	LagBytes          int64  // WAL not confirmed yet: current LSN − confirmed_flush_lsn
	SafeWALSize       *int64 // WAL that may still be written before the slot is at risk; nil when max_slot_wal_keep_size is unlimited
	Lost              bool   // the server removed WAL the slot needs: its changes cannot be read any more
}

// SlotDropTimeout bounds dropping Strata's replication slots on a cluster
// when a chain or the cluster is removed: an unreachable cluster must not
// hold the removal for long.
const SlotDropTimeout = 15 * time.Second

// ListSlotsSQL lists Strata's slots, for users who drop them by hand.
const ListSlotsSQL = `SELECT slot_name, database FROM pg_replication_slots WHERE slot_name LIKE 'strata\_%'`

// SlotCleanup is what dropping a cluster's slots did.
type SlotCleanup struct {
	Dropped []string   // slots dropped together with their publication
	Left    []LeftSlot // what it could not drop
}

// LeftSlot is a Strata slot, or only its publication, that a cleanup left
// on the cluster.
type LeftSlot struct {
	Name     string
	Database string
	SlotLeft bool   // false when only the publication is left
	Reason   string // why, for the user
}

// DropSQL is the SQL that drops what is left, to run connected to
// l.Database.
func (l LeftSlot) DropSQL() string {
	sql := "DROP PUBLICATION IF EXISTS " + pgx.Identifier{l.Name}.Sanitize() + ";"
	if l.SlotLeft {
		sql = "SELECT pg_drop_replication_slot('" + strings.ReplaceAll(l.Name, "'", "''") + "'); " + sql
	}
	return sql
}
