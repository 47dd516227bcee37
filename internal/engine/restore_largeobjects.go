package engine

// Restoring large objects. A whole-database restore loads them from the
// layer's large-object archive (see dumpLargeObjects) with pg_restore, as
// pg_dump's own round trip does: same OIDs, contents, owners, grants,
// comments and security labels. A restore of chosen tables leaves them out
// and says so (layerSet.warnings).

import (
	"context"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
)

// largeObjects is the layer whose large objects the restore loads, or nil.
func (r *restoreRun) largeObjects() *collection.Manifest {
	if !r.whole {
		return nil
	}
	return r.layers.largeObjectsLayer()
}

// restoreLargeObjects loads the large objects. pg_restore runs with
// --clean: each large object is unlinked first if it exists, so a run
// interrupted halfway (a crash, a pause) is simply run again.
func (r *restoreRun) restoreLargeObjects(ctx context.Context, t cluster.Tracker) error {
	m := r.largeObjects()
	if m == nil {
		return nil
	}
	t.Progress("large objects", r.totalBytes, r.totalBytes, r.totalRows, r.totalRows)
	archive, entries, err := r.fetchDump(ctx, m, m.LargeObjects.Archive, "largeobjects.dump")
	if err != nil {
		return err
	}
	list := filepath.Join(r.tmpDir, "largeobjects.list")
	if err := writeList(list, largeObjectEntries(entries)); err != nil {
		return err
	}
	return pgRestoreRun{
		dsn: r.p.TargetDSN(r.target), archive: archive, list: list, what: "restoring the large objects", clean: true,
	}.run(ctx)
}

// largeObjectEntries are the ids of an archive's large-object entries: the
// objects (BLOB; BLOB METADATA from pg_dump 17), their data (BLOBS), and
// the comments, grants and security labels on them.
func largeObjectEntries(entries []tocEntry) []int {
	var ids []int
	for _, e := range entries {
		if slices.Contains([]string{"BLOB", "BLOBS", "BLOB METADATA"}, e.Desc) ||
			slices.Contains([]string{"COMMENT", "ACL", "SECURITY LABEL"}, e.Desc) && strings.HasPrefix(e.Tag, "LARGE OBJECT ") {
			ids = append(ids, e.ID)
		}
	}
	return ids
}
