package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/app"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/config"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/server"
	"github.com/stratabackup/strata/internal/slothealth"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

const (
	jobWorkers           = 2
	auditChainCheckEvery = time.Hour
	auditCheckpointEvery = 5 * time.Minute // the audit chain's head, when it moved
	sessionPurgeEvery    = time.Hour
	schedulerTick        = 15 * time.Second // schedules run at most this late
	expiryEvery          = 10 * time.Minute
	refusalFlushEvery    = 15 * time.Second // summaries of suppressed refusals are this late at most
	shutdownGrace        = 15 * time.Second
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := config.Parse(args, os.Getenv)
	if err != nil {
		return err
	}
	return serveWith(ctx, cfg, stderr, nil)
}

// serveWith runs the console; beforeServe, when given, runs once the state
// store is open (the demo registers its cluster there).
func serveWith(ctx context.Context, cfg config.Config, stderr io.Writer, beforeServe func(context.Context, *state) error) error {
	log := newLogger(cfg, stderr)
	slog.SetDefault(log)

	a, err := openState(ctx, cfg.DataDir, cfg.AuditAnchor)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := guardAuditLog(ctx, a.audit, log); err != nil {
		return err
	}
	if _, err := a.registry.EnsureDefaultCollection(ctx, cfg.DataDir); err != nil {
		return err
	}
	if beforeServe != nil {
		if err := beforeServe(ctx, a); err != nil {
			return err
		}
	}

	hashKey, blockKey, err := auth.LoadOrCreateKeys(cfg.DataDir, cfg.SessionKey)
	if err != nil {
		return err
	}
	sessions, err := auth.NewSessions(a.auth, hashKey, blockKey, auth.SessionOptions{
		IdleTimeout: cfg.IdleTimeout, AbsoluteTimeout: cfg.MaxSessionAge, Secure: cfg.SecureCookies,
	})
	if err != nil {
		return err
	}
	runner := jobs.NewRunner(a.jobs, runnerOwner(), jobWorkers, log)
	eng := engine.New(log)
	managed, err := managedOptions(cfg)
	if err != nil {
		return err
	}
	notifier := alerts.New(sqlite.NewDeliveries(a.db), a.schedules, a.jobs, log)
	doors := app.New(app.Options{
		Registry: a.registry, Jobs: a.jobs, Schedules: a.schedules, Audit: a.audit, Auth: a.auth, Alerts: notifier, Engines: cluster.Engines{cluster.KindPostgres: eng}, Log: log,
		ChunkBytes: cfg.ChunkSize, Managed: managed, KeepAfterRemoval: cfg.ManagedKeepAfterRemoval,
	})
	doors.Register(runner)
	srv := server.New(server.Options{
		Health: a.db.PingContext, Auth: a.auth, Sessions: sessions, Audit: a.audit, App: doors, Alerts: notifier, Runner: runner,
		Logger: log, CookieKeys: [2][]byte{hashKey, blockKey}, SecureCookies: cfg.SecureCookies, TrustedProxies: cfg.TrustedProxy,
		SlotWAL: slothealth.Thresholds{Warn: cfg.SlotWALWarn, Critical: cfg.SlotWALCritical},
	})

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := doors.Backups.FailOrphanedPausedBackups(ctx); err != nil {
		return err
	}
	runner.Start(ctx)
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer scancel()
		if err := runner.Stop(sctx); err != nil {
			log.Warn("stopping the job runner", "error", err)
		}
		// Paused backups hold snapshots and slots that die with the process.
		eng.ReleaseHeld(sctx)
	}()
	go srv.AuditChain().Loop(ctx, auditChainCheckEvery)
	go every(ctx, auditCheckpointEvery, func() {
		if err := a.audit.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			log.Error("audit checkpoint not written", "error", err)
		}
	})
	ensureManaged(ctx, a, doors.Schedules, log)
	doors.Scheduler.OnRunFinished(notifier.RunFinished)
	go notifier.Loop(ctx, alerts.CheckEvery)
	go doors.Scheduler.Run(ctx, schedulerTick)
	go doors.Expiry.Run(ctx, expiryEvery)
	go every(ctx, refusalFlushEvery, func() {
		// Not cut short by shutdown: a summary taken from the limiter must be written.
		if err := srv.Refusals().Flush(context.WithoutCancel(ctx)); err != nil {
			log.Error("audit summary of refusals not written", "error", err)
		}
	})
	go every(ctx, sessionPurgeEvery, func() {
		if _, err := sessions.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			log.Warn("purging expired sessions", "error", err)
		}
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (is another program using the port? choose one with --addr)", cfg.Addr, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		scheme := "http"
		if cfg.TLSCert != "" {
			scheme = "https"
			errc <- hs.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
			return
		}
		log.Info("console listening", "url", scheme+"://"+ln.Addr().String(), "data_dir", cfg.DataDir)
		errc <- hs.Serve(ln)
	}()
	if cfg.TLSCert != "" {
		log.Info("console listening", "url", "https://"+ln.Addr().String(), "data_dir", cfg.DataDir)
	}

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer scancel()
	err = hs.Shutdown(sctx)
	if ferr := srv.Refusals().FlushAll(sctx); ferr != nil {
		log.Error("audit summary of refusals not written", "error", ferr)
	}
	return err
}

// guardAuditLog restores the audit log's append-only triggers, loudly, when
// someone removed or changed them, and anchors the chain's head.
func guardAuditLog(ctx context.Context, l *audit.Log, log *slog.Logger) error {
	restored, err := l.RestoreTriggers(ctx, audit.Entry{Actor: "strata", Source: audit.SourceScheduler, ClientAddr: "local"})
	if err != nil {
		return err
	}
	for _, tp := range restored {
		log.Error("an append-only trigger of the audit log was removed or changed by someone with write access to the state store; restored it and recorded "+audit.ActionTriggersRestored,
			"trigger", tp.Name, "missing", tp.Missing)
	}
	if err := l.Checkpoint(ctx); err != nil {
		log.Error("audit checkpoint not written", "error", err)
	}
	return nil
}

// runnerOwner names this process in job leases.
func runnerOwner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// every runs fn each interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
