package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"

	"github.com/stratabackup/strata/internal/app/schedules"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/config"
	"github.com/stratabackup/strata/internal/storage"
)

// managedOptions are the managed backups' settings from the config.
func managedOptions(cfg config.Config) (schedules.ManagedOptions, error) {
	root := cfg.ManagedLocation
	if root == "" {
		abs, err := filepath.Abs(filepath.Join(cfg.DataDir, "managed"))
		if err != nil {
			return schedules.ManagedOptions{}, err
		}
		root = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	if _, err := storage.Parse(root); err != nil {
		return schedules.ManagedOptions{}, fmt.Errorf("managed-location: %v", err)
	}
	return schedules.ManagedOptions{Enabled: cfg.ManagedBackups, Root: root,
		Credentials: storage.Credentials{AccessKeyID: cfg.ManagedAccessKeyID, SecretAccessKey: cfg.ManagedSecretAccessKey}}, nil
}

// ensureManaged gives every registered cluster its managed backups (those
// registered before managed backups were turned on, or by the command line).
func ensureManaged(ctx context.Context, a *state, sc *schedules.Service, log *slog.Logger) {
	clusters, err := a.registry.Clusters(ctx)
	if err != nil {
		log.Warn("managed backups: cannot list clusters", "error", err)
		return
	}
	for _, c := range clusters {
		if _, err := sc.EnsureManaged(ctx, c.Name, audit.Entry{}, time.Now()); err != nil {
			log.Warn("managed backups: cannot set up", "cluster", c.Name, "error", err)
		}
	}
}
