package jobrun

import (
	"context"

	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/usererror"
)

// RefuseUnfinished refuses, saying to wait and then do what then says,
// while a job of cluster may still run.
func RefuseUnfinished(ctx context.Context, js *jobs.Store, cluster, then string) error {
	for _, st := range jobs.Unfinished {
		list, _, err := js.List(ctx, jobs.Filter{Cluster: cluster, Status: st}, 0, 1)
		if err != nil {
			return err
		}
		if len(list) > 0 {
			return usererror.Errorf("job %d of cluster %s is %s: wait for it to finish or cancel it, then %s", list[0].ID, cluster, st, then)
		}
	}
	return nil
}
