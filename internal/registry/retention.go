package registry

import (
	"context"

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
	return r.store.CollectionRetention(ctx, id)
}

// SetCollectionRetention checks and stores collection id's own retention
// policy; nothing is stored when it is not valid.
func (r *Registry) SetCollectionRetention(ctx context.Context, id int64, ret Retention) error {
	if err := ret.Check(); err != nil {
		return err
	}
	return r.store.SetCollectionRetention(ctx, id, ret)
}
