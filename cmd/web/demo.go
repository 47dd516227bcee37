package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/config"
	"github.com/stratabackup/strata/internal/demo"
	"github.com/stratabackup/strata/internal/registry"
)

// demoCluster is the name the demo cluster is registered under.
const demoCluster = "demo"

// demoCommand runs the console with a demo PostgreSQL cluster holding a
// sample database, registered and ready to back up.
func demoCommand(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := config.Parse(args, os.Getenv)
	if err != nil {
		return err
	}
	pg, err := demo.Start(ctx, cfg.DataDir, demo.Port, stderr)
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(stderr, "stopping the demo PostgreSQL server")
		pg.Stop(context.Background())
	}()
	return serveWith(ctx, cfg, stderr, func(ctx context.Context, a *state) error {
		_, err := a.registry.ClusterByName(ctx, demoCluster)
		if !errors.Is(err, registry.ErrNotFound) {
			return err
		}
		_, err = a.registry.AddCluster(ctx, demoCluster, cluster.KindPostgres, pg.DSN("postgres"), "demo")
		if err == nil {
			err = a.recordCLI(ctx, audit.ActionClusterAdded, "cluster", demoCluster, map[string]any{"kind": "postgres", "connection": pg.DSN("postgres")}, nil)
		}
		fmt.Fprintf(stderr, "demo cluster %q registered: database %q is ready to back up\n", demoCluster, demo.Database)
		return err
	})
}
