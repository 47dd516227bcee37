package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/config"
	"github.com/stratabackup/strata/internal/operations"
	"github.com/stratabackup/strata/internal/storage"
)

// managedOptions are the managed backups' settings from the config.
func managedOptions(cfg config.Config) (operations.ManagedOptions, error) {
	root := cfg.ManagedLocation
	if root == "" {
		abs, err := filepath.Abs(filepath.Join(cfg.DataDir, "managed"))
		if err != nil {
			return operations.ManagedOptions{}, err
		}
		root = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	if _, err := storage.Parse(root); err != nil {
		return operations.ManagedOptions{}, fmt.Errorf("managed-location: %v", err)
	}
	return operations.ManagedOptions{Enabled: cfg.ManagedBackups, Root: root, KeepAfterRemoval: cfg.ManagedKeepAfterRemoval,
		Credentials: storage.Credentials{AccessKeyID: cfg.ManagedAccessKeyID, SecretAccessKey: cfg.ManagedSecretAccessKey}}, nil
}

// ensureManaged gives every registered cluster its managed backups (those
// registered before managed backups were turned on, or by the command line).
func ensureManaged(ctx context.Context, a *app, sc *operations.Scheduler, log *slog.Logger) {
	clusters, err := a.registry.Clusters(ctx)
	if err != nil {
		log.Warn("managed backups: cannot list clusters", "error", err)
		return
	}
	for _, c := range clusters {
		if _, err := sc.EnsureManaged(ctx, c.Name, time.Now()); err != nil {
			log.Warn("managed backups: cannot set up", "cluster", c.Name, "error", err)
		}
	}
}

// expireRemovedClusters removes the managed backups of clusters removed
// longer ago than the configured period, and audits each removal.
func expireRemovedClusters(ctx context.Context, a *app, sc *operations.Scheduler, log *slog.Logger) {
	done, err := sc.ExpireRemovedClusters(ctx, time.Now())
	if err != nil && ctx.Err() == nil {
		log.Warn("managed backups of removed clusters: expiry incomplete", "error", err)
	}
	for _, exp := range done {
		for _, chain := range exp.Chains {
			appendSystemAudit(ctx, a, log, audit.Entry{Action: "BACKUP_EXPIRED", TargetType: "backup", TargetID: chain,
				Params: map[string]any{"collection": exp.Collection, "reason": "managed backup of removed cluster " + exp.Cluster}})
		}
		if exp.Forgotten {
			appendSystemAudit(ctx, a, log, audit.Entry{Action: "COLLECTION_REMOVED", TargetType: "collection", TargetID: exp.Collection,
				Params: map[string]any{"reason": "managed backups of removed cluster " + exp.Cluster + " expired"}})
		}
	}
}

// appendSystemAudit audits an action the console took on its own.
func appendSystemAudit(ctx context.Context, a *app, log *slog.Logger, e audit.Entry) {
	e.Actor, e.Role, e.Source, e.Outcome, e.ClientAddr = "strata", "system", audit.SourceScheduler, audit.OutcomeOK, "local"
	if _, err := a.audit.Append(ctx, e); err != nil {
		log.Error("audit entry not written", "action", e.Action, "error", err)
	}
}
