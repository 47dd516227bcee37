package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/collection"
)

// restoreRun is one restore in progress.
type restoreRun struct {
	e       *Engine
	p       RestoreParams
	src     restoreSource
	m       *collection.Manifest
	whole   bool   // whole database (new_db_name) rather than tables (into_db)
	target  string // the database restored into
	resumed bool
	cp      restoreCheckpoint

	tmpDir  string
	archive string // the schema archive, a local file for pg_restore
	list    string // its -L list
	entries []tocEntry
	plan    *restorePlan
	tables  []*collection.Table // tables whose rows are loaded
	layers  *layerSet
	sources map[uint32]*tableSource

	totalBytes, totalRows int64
	warnings              []string // for the result: what is not restored as of the point, or at all
}

// prepareRestore checks everything it can without changing the target,
// and plans the restore.
func (e *Engine) prepareRestore(ctx context.Context, p RestoreParams, src restoreSource) (*restoreRun, error) {
	r := &restoreRun{e: e, p: p, src: src}
	if len(p.Resume) > 0 && string(p.Resume) != "null" {
		if err := json.Unmarshal(p.Resume, &r.cp); err != nil {
			return nil, fmt.Errorf("restore checkpoint: %w", err)
		}
		r.resumed = r.cp.Phase != ""
	}
	if p.TargetDSN == nil {
		return nil, errors.New("restore: no target connection")
	}
	spec := p.Backup
	if r.resumed && r.cp.Layer != "" {
		spec = r.cp.Layer // LATEST may name a newer backup by now
	}
	asOf := p.AsOf
	if r.resumed && r.cp.Layer != "" {
		asOf = r.cp.AsOf
	}
	layers, err := resolveLayers(ctx, src, spec, p.Database, asOf)
	if err != nil {
		return nil, err
	}
	m := layers.last()
	r.m, r.layers = m, layers
	if r.sources, err = layers.sources(); err != nil {
		return nil, err
	}
	for _, t := range m.Tables {
		if t.Format != formatText && t.Format != formatBinary {
			return nil, userErrorf(nil, "backup %s stores table %s in a data format this version of Strata does not read (%q): restore it with a newer Strata", m.Path, t.QualifiedName(), t.Format)
		}
	}
	switch {
	case len(p.Tables) == 0 && p.IntoDB != "":
		return nil, userErrorf(nil, "into_db restores chosen tables: name them, or use new_db_name to restore the whole database")
	case len(p.Tables) > 0 && p.NewDBName != "":
		return nil, userErrorf(nil, "new_db_name restores a whole database; for chosen tables use into_db")
	case len(p.Tables) > 0 && p.IntoDB == "":
		return nil, userErrorf(nil, "a table restore needs into_db: the existing database to restore the tables into")
	case len(p.Tables) == 0:
		r.whole, r.target = true, p.NewDBName
		if r.target == "" {
			r.target = m.Database
		}
	default:
		r.target = p.IntoDB
	}
	if r.resumed && r.cp.Database != r.target {
		return nil, fmt.Errorf("restore checkpoint is for database %q, not %q", r.cp.Database, r.target)
	}
	if !r.resumed {
		r.cp = restoreCheckpoint{Phase: phaseCreate, Layer: m.Path, AsOf: layers.asOf, Database: r.target}
	}
	if r.whole && r.cp.Phase == phaseSchema {
		// An interrupted pre-data left a partial schema: start over in a
		// new, empty database.
		r.cp.Phase = phaseCreate
	}
	if _, err := findPgRestore(); err != nil {
		return nil, err
	}

	admin, err := r.connectAdmin(ctx)
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	exists, err := databaseExists(ctx, admin, r.target)
	if err != nil {
		return nil, err
	}
	switch {
	case r.whole && exists && !r.ours(ctx):
		return nil, userErrorf(nil, "database %s already exists: choose another new_db_name", r.target)
	case !r.whole && !exists:
		return nil, userErrorf(nil, "database %s does not exist: into_db must name an existing database (create it first, or restore the whole database with new_db_name)", r.target)
	case r.whole && !exists && r.cp.Phase != phaseCreate:
		// Someone dropped the database of a paused restore: start over.
		r.cp.Phase, r.cp.CreatedDatabase = phaseCreate, false
	}

	if err := r.fetchArchive(ctx); err != nil {
		r.close()
		return nil, err
	}
	if err := r.planRestore(ctx); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// connectAdmin connects to the target cluster's maintenance database.
func (r *restoreRun) connectAdmin(ctx context.Context) (*pgx.Conn, error) {
	c, err := r.connect(ctx, "postgres")
	if ue := userError(err); ue != nil && isUndefinedDatabase(ue.Cause) {
		c, err = r.connect(ctx, "template1")
	}
	return c, err
}

// connect opens a connection to a database of the target cluster.
func (r *restoreRun) connect(ctx context.Context, database string) (*pgx.Conn, error) {
	dsn := r.p.TargetDSN(database)
	if dsn == "" {
		return nil, userErrorf(nil, "no connection string for database %s of the target cluster", database)
	}
	c, err := connect(ctx, dsn, "strata restore")
	if err != nil {
		return nil, targetError(err)
	}
	return c, nil
}

// ours reports whether the existing target database is this job's, from an
// earlier run: the checkpoint says it created it, or its marker says so
// (a crash before the first checkpoint after CREATE DATABASE).
func (r *restoreRun) ours(ctx context.Context) bool {
	if r.resumed && r.cp.CreatedDatabase {
		return true
	}
	c, err := r.connect(ctx, r.target)
	if err != nil {
		return false
	}
	defer c.Close(ctx)
	var job string
	err = c.QueryRow(ctx, "SELECT job FROM "+progressSchema+".job").Scan(&job)
	if err == nil && job == r.p.JobID && r.p.JobID != "" {
		r.cp.CreatedDatabase = true
		return true
	}
	return false
}

func databaseExists(ctx context.Context, c *pgx.Conn, name string) (bool, error) {
	var exists bool
	err := c.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return false, targetError(err)
	}
	return exists, nil
}

// fetchArchive copies the schema archive from the collection to a private
// temporary file (pg_restore needs a seekable file for -L and -j) and reads
// its table of contents.
func (r *restoreRun) fetchArchive(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "strata-restore-")
	if err != nil {
		return err
	}
	r.tmpDir = dir
	r.list = filepath.Join(dir, "restore.list")
	if r.archive, r.entries, err = r.fetchDump(ctx, r.m, r.m.Schema.Archive, "schema.dump"); err != nil {
		return err
	}
	return nil
}

// fetchDump copies a pg_dump archive of layer m to a file named name in
// the restore's temporary folder, and reads its table of contents.
func (r *restoreRun) fetchDump(ctx context.Context, m *collection.Manifest, fi collection.FileInfo, name string) (string, []tocEntry, error) {
	path := filepath.Join(r.tmpDir, name)
	rc, err := r.src.OpenFile(ctx, m.Path, fi)
	if err != nil {
		return "", nil, backupFileError(err, m.Path, fi.Name)
	}
	in := &backupReader{r: rc}
	defer in.Close()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return "", nil, err
	}
	if _, err := io.Copy(f, in); err != nil {
		f.Close()
		if rerr := in.readErr(); rerr != nil {
			return "", nil, backupFileError(rerr, m.Path, fi.Name)
		}
		return "", nil, err
	}
	if err := f.Close(); err != nil {
		return "", nil, err
	}
	f, err = os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	entries, err := readTOC(f)
	if err != nil {
		return "", nil, userErrorf(err, "the archive %s of backup %s cannot be read: %v", fi.Name, m.Path, err)
	}
	return path, entries, nil
}

// planRestore decides what to create and load. A resumed table restore
// keeps the plan it started with: the target now holds what it created.
func (r *restoreRun) planRestore(ctx context.Context) error {
	switch {
	case r.whole:
		plan, err := planDatabase(r.entries, r.m)
		if err != nil {
			return err
		}
		r.plan = plan
	case r.resumed && r.cp.Plan != nil:
		r.plan = r.cp.Plan
	default:
		c, err := r.connect(ctx, r.target)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		target, err := loadTargetCatalog(ctx, c)
		if err != nil {
			return targetError(err)
		}
		plan, err := planTables(r.entries, r.m, target, tableRestoreOptions{
			Names: slices.Compact(slices.Sorted(slices.Values(r.p.Tables))), Database: r.target,
			SkipMissingForeignKeys: r.p.SkipMissingForeignKeys,
			SkipMissingSequences:   r.p.SkipMissingSequences,
			SkipMissingViews:       r.p.SkipMissingViews,
		})
		if err != nil {
			return err
		}
		r.plan = plan
		r.cp.Plan = plan
	}
	if err := writeList(r.list, r.plan.IDs); err != nil {
		return err
	}
	byName := map[qname]*collection.Table{}
	for i := range r.m.Tables {
		t := &r.m.Tables[i]
		byName[qname{t.Schema, t.Name}] = t
	}
	var names []string
	if !r.whole {
		for _, n := range r.plan.Tables {
			names = append(names, n.String())
		}
	}
	if err := r.layers.check(r.whole, names); err != nil {
		return err
	}
	r.warnings = r.layers.warnings(r.whole, names)
	for _, n := range r.plan.Tables {
		if t := byName[n]; t != nil {
			r.tables = append(r.tables, t)
			base := r.sources[t.OID].files
			r.totalBytes += base.RawBytes
			r.totalRows += base.Rows
		}
	}
	return nil
}

// changed reports whether the restore may have changed the target.
func (r *restoreRun) changed() bool {
	return r.cp.Phase != phaseCreate || r.cp.CreatedDatabase || len(r.cp.CreatedRoles) > 0
}
