package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stratabackup/strata/internal/retention"
)

// Retention is a collection's own retention policy: backups older than
// KeepDays may expire, except the newest KeepCount of each database. 0 is
// no limit of that kind; both 0 is no policy.
type Retention struct{ KeepDays, KeepCount int }

// Check says what to fix in a policy.
func (r Retention) Check() error { return retention.CheckLimits(r.KeepDays, r.KeepCount) }

// CollectionRetention returns collection id's own retention policy.
func (r *Registry) CollectionRetention(ctx context.Context, id int64) (Retention, error) {
	var ret Retention
	err := r.db.QueryRowContext(ctx, `SELECT keep_days, keep_count FROM collections WHERE id = ?`, id).Scan(&ret.KeepDays, &ret.KeepCount)
	if errors.Is(err, sql.ErrNoRows) {
		return Retention{}, notFound("collection")
	}
	if err != nil {
		return Retention{}, fmt.Errorf("registry: retention of collection %d: %w", id, err)
	}
	return ret, nil
}

// SetCollectionRetention checks and stores collection id's own retention
// policy; nothing is stored when it is not valid.
func (r *Registry) SetCollectionRetention(ctx context.Context, id int64, ret Retention) error {
	if err := ret.Check(); err != nil {
		return err
	}
	res, err := r.db.ExecContext(ctx, `UPDATE collections SET keep_days = ?, keep_count = ? WHERE id = ?`, ret.KeepDays, ret.KeepCount, id)
	if err != nil {
		return fmt.Errorf("registry: set retention of collection %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("registry: set retention of collection %d: %w", id, err)
	} else if n == 0 {
		return notFound("collection")
	}
	return nil
}
