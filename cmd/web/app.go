package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os/user"
	"path/filepath"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

// state is the state store every command works on, with its services.
type state struct {
	db        *sql.DB
	auth      *auth.Service
	audit     *audit.Log
	registry  *registry.Registry
	jobs      *jobs.Store
	schedules *schedule.Store
}

// openState opens the state store of dataDir. auditAnchor, when not empty,
// names the registered collection that keeps the audit chain's checkpoints
// beside the data dir's checkpoint file.
func openState(ctx context.Context, dataDir, auditAnchor string) (*state, error) {
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, sqlite.FileName))
	if err != nil {
		return nil, err
	}
	a, err := newState(ctx, db, dataDir, auditAnchor)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func newState(ctx context.Context, db *sql.DB, dataDir, auditAnchor string) (*state, error) {
	box, err := secrets.LoadOrCreate(dataDir)
	if err != nil {
		return nil, err
	}
	key, err := audit.LoadOrCreateKey(dataDir)
	if err != nil {
		return nil, err
	}
	reg := registry.New(sqlite.NewRegistry(db), box)
	anchors := []audit.Anchor{audit.NewCheckpointFile(dataDir)}
	if auditAnchor != "" {
		a, err := collectionAnchor(ctx, reg, auditAnchor)
		if err != nil {
			return nil, err
		}
		anchors = append(anchors, a)
	}
	return &state{db: db, auth: auth.New(sqlite.NewAuth(db)), audit: audit.New(sqlite.NewAudit(db), key, audit.WithAnchors(anchors...)), registry: reg,
		jobs: jobs.NewStore(sqlite.NewJobs(db)), schedules: schedule.NewStore(sqlite.NewSchedules(db), box)}, nil
}

// collectionAnchor keeps audit checkpoints in the registered collection
// name. It opens the collection for each use, so a storage outage fails
// checkpoints, not the console's start.
func collectionAnchor(ctx context.Context, reg *registry.Registry, name string) (audit.Anchor, error) {
	coll, err := reg.CollectionByName(ctx, name)
	if errors.Is(err, registry.ErrNotFound) {
		return nil, fmt.Errorf("audit-anchor: no collection is named %q; register it first (Collections page), then name it here", name)
	}
	if err != nil {
		return nil, err
	}
	open := func(ctx context.Context) (*storage.Store, error) {
		loc, creds, err := reg.Location(ctx, coll.ID)
		if err != nil {
			return nil, err
		}
		st, err := storage.Open(ctx, loc, creds)
		if err != nil {
			return nil, err
		}
		// Marks an empty location as a collection before the checkpoints
		// make it non-empty, so it can still hold backups.
		if _, err := collection.Open(ctx, st); err != nil {
			st.Close()
			return nil, err
		}
		return st, nil
	}
	return audit.NewStorageAnchor(fmt.Sprintf("collection %s (%s)", coll.Name, coll.URI), open), nil
}

func (a *state) Close() error { return a.db.Close() }

// recordCLI audits an action taken from the command line. The actor is the
// operating-system user: whoever can run this command can read the data dir.
func (a *state) recordCLI(ctx context.Context, action, targetType, targetID string, params map[string]any, err error) error {
	e := audit.Entry{Actor: "cli:" + osUser(), Role: string(auth.RoleAdmin), Source: audit.SourceCLI, Action: action,
		TargetType: targetType, TargetID: targetID, Params: params, Outcome: audit.OutcomeOK, ClientAddr: "local"}
	if err != nil {
		e.Outcome, e.Message = audit.OutcomeError, err.Error()
	}
	_, aerr := a.audit.Append(ctx, e)
	return aerr
}

func osUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}
