package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/stratabackup/strata/bench/internal/httpbench"
	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/app"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/server"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

const (
	benchAdmin    = "bench-admin"
	benchPassword = "bench password 123"
	// A cluster nothing listens on, as the server's tests register: the
	// bench runs no backups.
	clusterDSN = "postgres://u@127.0.0.1:1/postgres"
)

type options struct {
	layers, jobs, schedules, runs int
	keep                          bool
	out, cpuProfile               string
}

func main() {
	var o options
	flag.IntVar(&o.layers, "layers", 10000, "layers in the collection, over 5 databases")
	flag.IntVar(&o.jobs, "jobs", 100000, "jobs")
	flag.IntVar(&o.schedules, "schedules", 50, "schedules")
	flag.IntVar(&o.runs, "runs", 20, "timed requests per endpoint")
	flag.BoolVar(&o.keep, "keep", false, "keep the data dir and print its path")
	flag.StringVar(&o.out, "out", "", "also write the table to this file")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the timed requests (client and server) to this file")
	flag.Parse()
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

// console is the console's state store and doors, built as cmd/web builds
// them (newState, serveWith), without its background loops.
type console struct {
	db        *sql.DB
	dataDir   string
	auth      *auth.Service
	audit     *audit.Log
	registry  *registry.Registry
	jobRows   *sqlite.Jobs
	jobs      *jobs.Store
	schedules *schedule.Store
	doors     *app.App
	srv       *server.Server
}

func run(o options) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "consolebench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("data dir:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	c, err := openConsole(ctx, filepath.Join(dir, "data"))
	if err != nil {
		return err
	}
	defer c.db.Close()
	now := time.Now().UTC()
	by := audit.Entry{Actor: benchAdmin, Role: string(auth.RoleAdmin), Source: audit.SourceCLI, ClientAddr: "local"}
	if _, err := c.auth.CreateUser(ctx, benchAdmin, benchPassword, auth.RoleAdmin); err != nil {
		return err
	}
	if _, err := c.doors.Clusters.Add(ctx, clusterName, string(cluster.KindPostgres), clusterDSN, "", by, now); err != nil {
		return err
	}
	if _, err := c.doors.Collections.Add(ctx, collectionName, "file://"+filepath.Join(dir, "c"), storage.Credentials{}, benchAdmin); err != nil {
		return err
	}

	// Layers are files and jobs rows in the state store: they fill side by side.
	began := time.Now()
	coll, err := c.registry.OpenCollection(ctx, collectionName)
	if err != nil {
		return err
	}
	var newest string
	layersDone := make(chan error, 1)
	go func() {
		var err error
		newest, err = fillLayers(ctx, coll, o.layers, now)
		coll.Close()
		if err == nil {
			fmt.Printf("filled %d layers in %s\n", o.layers, time.Since(began).Round(time.Millisecond))
		}
		layersDone <- err
	}()
	scheds, err := fillSchedules(ctx, c.doors, o.schedules, now)
	if err != nil {
		return err
	}
	fmt.Printf("created %d schedules in %s\n", o.schedules, time.Since(began).Round(time.Millisecond))
	span := time.Duration((o.layers+databases-1)/databases) * time.Hour
	if err := fillJobs(ctx, c.jobRows, scheds, o.jobs, span, now, func() error { return checkpoint(ctx, c.db) }); err != nil {
		return err
	}
	fmt.Printf("filled %d jobs in %s\n", o.jobs, time.Since(began).Round(time.Millisecond))
	if err := <-layersDone; err != nil {
		return err
	}
	size := httpbench.StoreSize(filepath.Join(c.dataDir, sqlite.FileName))
	fmt.Printf("state store %.0f MiB\n\n", float64(size)/(1<<20))

	t := targets{p95: 50 * time.Millisecond, bytes: 200_000}
	if o.layers > 10000 {
		t.p95 = 100 * time.Millisecond
	}
	res, err := measure(ctx, c, o, fixtures{newestLayer: newest, schedule: scheds, jobs: o.jobs})
	if err != nil {
		return err
	}
	w := io.Writer(os.Stdout)
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	fmt.Fprintf(w, "%d layers, %d jobs, %d schedules; %d sequential requests per endpoint after one warm-up; targets: p95 < %s, responses < %d KB\n\n",
		o.layers, o.jobs, o.schedules, o.runs, t.p95, t.bytes/1000)
	printTable(w, res, t)
	return nil
}

// openConsole opens a state store in dataDir and builds the stores, the
// doors and the server on it as cmd/web's newState and serveWith do. Its
// job runner is not started: the bench runs no jobs.
func openConsole(ctx context.Context, dataDir string) (*console, error) {
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, sqlite.FileName))
	if err != nil {
		return nil, err
	}
	c, err := newConsole(ctx, db, dataDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	return c, nil
}

func newConsole(ctx context.Context, db *sql.DB, dataDir string) (*console, error) {
	hashKey, blockKey, err := auth.LoadOrCreateKeys(dataDir, "")
	if err != nil {
		return nil, err
	}
	auditKey, err := audit.LoadOrCreateKey(dataDir)
	if err != nil {
		return nil, err
	}
	box, err := secrets.LoadOrCreate(dataDir)
	if err != nil {
		return nil, err
	}
	st := statestore.New(db)
	c := &console{db: db, dataDir: dataDir, auth: auth.New(st.Auth), jobRows: st.Jobs, jobs: jobs.NewStore(st.Jobs),
		audit:    audit.New(st.Audit, auditKey, audit.WithAnchors(audit.NewCheckpointFile(dataDir))),
		registry: registry.New(st.Registry, box), schedules: schedule.NewStore(st.Schedules, box)}
	if _, err := c.registry.EnsureDefaultCollection(ctx, dataDir); err != nil {
		return nil, err
	}
	sessions, err := auth.NewSessions(c.auth, hashKey, blockKey, auth.SessionOptions{})
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner := jobs.NewRunner(c.jobs, "bench", 2, log)
	notifier := alerts.New(st.Deliveries, c.schedules, c.jobs, log)
	c.doors = app.New(app.Options{
		Registry: c.registry, Jobs: c.jobs, Schedules: c.schedules, Audit: c.audit, Auth: c.auth, Alerts: notifier,
		Engines: cluster.Engines{cluster.KindPostgres: engine.New(log)}, Log: log,
	})
	c.doors.Register(runner)
	c.srv = server.New(server.Options{
		Health: db.PingContext, Auth: c.auth, Sessions: sessions, Audit: c.audit, App: c.doors, Alerts: notifier, Runner: runner,
		Logger: log, CookieKeys: [2][]byte{hashKey, blockKey},
	})
	return c, nil
}

// checkpoint copies the state store's write-ahead log into the database
// and empties it. Without it the log grew to 268 MiB over 10,000 jobs:
// SQLite's automatic checkpoint seems not to run after an INSERT …
// RETURNING, which commits when its statement is reset, and that is all
// the jobs fill writes; a console also writes otherwise (job progress,
// audit entries).
func checkpoint(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}
