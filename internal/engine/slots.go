package engine

import (
	"context"
	"fmt"
)

// DropSupersededSlots drops the inactive replication slots earlier Strata
// backups of the same database kept, except keep (the newest backup's).
// Until incremental backups use them, an older backup's slot only makes the
// server keep WAL; the incremental backups will manage one slot per chain.
// It returns the slots it dropped.
func DropSupersededSlots(ctx context.Context, dsn, keep string) ([]string, error) {
	c, err := connect(ctx, dsn, "strata backup (slot cleanup)")
	if err != nil {
		return nil, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	rows, err := c.Query(ctx, `SELECT slot_name FROM pg_replication_slots
		WHERE slot_name LIKE 'strata\_%' AND database = current_database() AND NOT active AND slot_name <> $1`, keep)
	if err != nil {
		return nil, fmt.Errorf("engine: list replication slots: %w", err)
	}
	var slots []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		slots = append(slots, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var dropped []string
	for _, s := range slots {
		if err := dropSlotOn(ctx, c, s); err != nil {
			return dropped, err
		}
		dropped = append(dropped, s)
	}
	return dropped, nil
}
