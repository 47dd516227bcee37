package demo

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/pgserver"
)

//go:embed shop.sql
var shopSQL string

// Database is the sample database's name.
const Database = "shop"

// Port is the demo server's usual port: fixed so the registered cluster's
// connection string stays valid across restarts.
const Port = 54329

// Start makes sure PostgreSQL is installed (installing Debian's packages when
// it is missing and we may), starts the demo server in dataDir/demo-postgres
// on port (0 picks a free one) and loads the sample database on first run.
// out receives progress lines.
func Start(ctx context.Context, dataDir string, port int, out io.Writer) (*pgserver.Server, error) {
	if _, err := pgserver.BinDir(); err != nil {
		if err := install(ctx, out); err != nil {
			return nil, err
		}
	}
	dir, err := filepath.Abs(filepath.Join(dataDir, "demo-postgres"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// The server runs as the postgres user, which must be able to pass
		// through the data dir (created 0700) to reach its own folder.
		if err := os.Chmod(dataDir, 0o711); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(out, "starting the demo PostgreSQL server in %s\n", dir)
	s, err := pgserver.Start(ctx, pgserver.Options{Dir: dir, Port: port})
	if err != nil {
		if os.Geteuid() == 0 && strings.Contains(err.Error(), "Permission denied") {
			return nil, fmt.Errorf("the demo PostgreSQL server runs as the postgres user, which cannot reach %s: "+
				"make its parent folders traversable (chmod o+x) or choose another --data-dir: %w", dir, err)
		}
		return nil, fmt.Errorf("demo PostgreSQL server: %w", err)
	}
	if err := loadShop(ctx, s, out); err != nil {
		s.Stop(context.Background())
		return nil, err
	}
	return s, nil
}

func install(ctx context.Context, out io.Writer) error {
	if os.Geteuid() != 0 {
		return errors.New("PostgreSQL is not installed: run `sudo apt-get install -y postgresql postgresql-contrib` and start the demo again")
	}
	fmt.Fprintln(out, "PostgreSQL is not installed: installing Debian's postgresql and postgresql-contrib packages (apt-get)...")
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "postgresql", "postgresql-contrib"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %w", args[0], err)
		}
	}
	return nil
}

func loadShop(ctx context.Context, s *pgserver.Server, out io.Writer) error {
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", Database).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	fmt.Fprintf(out, "loading the sample %q database...\n", Database)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{Database}.Sanitize()); err != nil {
		return err
	}
	shop, err := pgx.Connect(ctx, s.DSN(Database))
	if err != nil {
		return err
	}
	defer shop.Close(ctx)
	if _, err := shop.Exec(ctx, shopSQL); err != nil {
		return fmt.Errorf("loading the sample database: %w", err)
	}
	return nil
}
