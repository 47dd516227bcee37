package operations

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

// Service starts backups and restores and runs their jobs.
type Service struct {
	reg    *registry.Registry
	jobs   *jobs.Store
	engine *engine.Engine
	log    *slog.Logger

	// ChunkBytes is the target size of a backup data file; 0 means the engine's default.
	ChunkBytes int64
}

// New returns the service; Register its handlers with the job runner.
func New(reg *registry.Registry, js *jobs.Store, eng *engine.Engine, log *slog.Logger) *Service {
	return &Service{reg: reg, jobs: js, engine: eng, log: log}
}

// Register adds the backup and restore handlers to a job runner.
func (s *Service) Register(r *jobs.Runner) {
	r.Register(jobs.TypeBackup, backupHandler{s})
	r.Register(jobs.TypeRestore, restoreHandler{s})
}

// FailOrphanedPausedBackups resumes the backups that were paused when the
// console last stopped. Their snapshot lived in that process and is gone, so
// the engine fails each with that reason and drops its replication slot,
// instead of the slot holding WAL until someone resumes the job. Call it
// before the job runner starts. (With several consoles on one state store, a
// backup paused in another running console would be resumed too; it then
// continues there or fails here, never mixing snapshots.)
func (s *Service) FailOrphanedPausedBackups(ctx context.Context) error {
	for before := int64(0); ; {
		list, next, err := s.jobs.List(ctx, jobs.Filter{Type: jobs.TypeBackup, Status: jobs.StatusPaused}, before, 100)
		if err != nil {
			return err
		}
		for _, j := range list {
			if _, err := s.jobs.Resume(ctx, j.ID); err != nil && !errors.As(err, new(*usererror.Error)) {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		before = next
	}
}

// OpenCollection opens a registered collection for reading or writing.
func (s *Service) OpenCollection(ctx context.Context, name string) (*collection.Collection, error) {
	rc, err := s.reg.CollectionByName(ctx, name)
	if errors.Is(err, registry.ErrNotFound) {
		return nil, usererror.Errorf("no collection named %q: add it on the Collections page", name)
	}
	if err != nil {
		return nil, err
	}
	loc, creds, err := s.reg.Location(ctx, rc.ID)
	if err != nil {
		return nil, err
	}
	st, err := storage.Open(ctx, loc, creds)
	if err != nil {
		return nil, err
	}
	return collection.Open(ctx, st)
}

// clusterDSN is the registered cluster's connection string, password included.
func (s *Service) clusterDSN(ctx context.Context, clusterName string) (cluster.DSN, error) {
	c, err := s.reg.ClusterByName(ctx, clusterName)
	if errors.Is(err, registry.ErrNotFound) {
		return cluster.DSN{}, usererror.Errorf("no cluster named %q: it may have been removed", clusterName)
	}
	if err != nil {
		return cluster.DSN{}, err
	}
	full, err := s.reg.ConnString(ctx, c.ID)
	if err != nil {
		return cluster.DSN{}, err
	}
	return cluster.ParseDSN(full)
}

// cleanTables trims a list of "schema.table" names and drops empty ones.
// MaxTables is the most tables one backup, restore or schedule may name.
const MaxTables = 10000

// maxTableName is the longest table name taken: a schema and a table name
// of at most 63 bytes each, both quoted with every character doubled.
const maxTableName = 2*(2*63+2) + 1

// checkTarget says what is wrong with the database and tables a request
// names, before anything is saved or run.
func checkTarget(database string, tables []string) error {
	if err := checkDatabaseName("database", database); err != nil {
		return err
	}
	if len(tables) > MaxTables {
		return usererror.Errorf("%d tables are named: at most %d can be, or leave tables out for the whole database", len(tables), MaxTables)
	}
	for _, t := range tables {
		switch {
		case len(t) > maxTableName:
			return usererror.Errorf("table name %.40q… is %d bytes long: PostgreSQL names are at most 63 bytes", t, len(t))
		case strings.ContainsRune(t, 0) || !utf8.ValidString(t):
			return usererror.New("a table name contains a NUL character or invalid UTF-8")
		}
	}
	return nil
}

func cleanTables(in []string) []string {
	var out []string
	for _, t := range in {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
