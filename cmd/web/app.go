package main

import (
	"context"
	"database/sql"
	"os/user"
	"path/filepath"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/store"
)

// app is the state every command works on.
type app struct {
	db        *sql.DB
	auth      *auth.Service
	audit     *audit.Log
	registry  *registry.Registry
	jobs      *jobs.Store
	schedules *schedule.Store
}

func openApp(ctx context.Context, dataDir string) (*app, error) {
	db, err := store.Open(ctx, filepath.Join(dataDir, store.FileName))
	if err != nil {
		return nil, err
	}
	box, err := secrets.LoadOrCreate(dataDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	key, err := audit.LoadOrCreateKey(dataDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	log := audit.New(db, key, audit.WithAnchors(audit.NewCheckpointFile(dataDir)))
	return &app{db: db, auth: auth.New(db), audit: log, registry: registry.New(db, box), jobs: jobs.NewStore(db),
		schedules: schedule.NewStore(db, box)}, nil
}

func (a *app) Close() error { return a.db.Close() }

// recordCLI audits an action taken from the command line. The actor is the
// operating-system user: whoever can run this command can read the data dir.
func (a *app) recordCLI(ctx context.Context, action, targetType, targetID string, params map[string]any, err error) error {
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
