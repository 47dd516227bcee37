package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/pgserver"
)

type options struct {
	sizeGB     float64
	keep       bool
	parallel   int
	out        string
	doc        string
	dir        string
	cpuProfile string
	runs       int
	incr       bool
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == childArg {
		if err := childMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.Float64Var(&o.sizeGB, "size-gb", 1.0, "GiB of table data to generate (pg_total_relation_size of the tables: heap, TOAST and indexes)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work folder (server data, dataset, backups, dumps) and print where it is")
	flag.IntVar(&o.parallel, "parallel", 2, "parallel streams for Strata, pg_dump -Fd -j and pg_restore -j, and for the COPY baseline")
	flag.StringVar(&o.out, "out", "", "also write the markdown results to this file")
	flag.StringVar(&o.doc, "doc", "docs/performance.md", "replace the results section of this file (skipped if it does not exist; empty: never)")
	flag.StringVar(&o.dir, "dir", "", "work folder (default: a new temporary folder); a dataset a -keep run left there is reused")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write CPU profiles of the Strata children to PREFIX-backup.pprof and PREFIX-restore.pprof (last round)")
	flag.BoolVar(&o.incr, "incremental", true, "also measure incremental backups (after 1% and 10% of rows changed) and a point-in-time restore; this changes the dataset")
	flag.IntVar(&o.runs, "runs", 3, "rounds of all operations; the table shows each operation's fastest run")
	flag.DurationVar(&quietWait, "quiet-wait", quietWait, "before each operation, wait up to this long for the machine to be idle")
	flag.Parse()
	if o.runs < 1 || o.parallel < 1 || o.sizeGB <= 0 {
		log.Fatal("-runs and -parallel must be at least 1, -size-gb above 0")
	}
	if err := run(o); err != nil {
		log.Fatal(err)
	}
}

// Database names.
const (
	sourceDB    = "bench"
	strataDB    = "bench_strata_restore"
	pgRestoreDB = "bench_pg_restore"
)

func run(o options) (err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}

	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "strata-enginebench-"); err != nil {
			return err
		}
		if !o.keep {
			defer os.RemoveAll(dir)
		}
	} else if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	if o.keep {
		defer fmt.Fprintf(os.Stderr, "kept %s (start the server again with: su postgres -c 'pg_ctl -D %s start')\n", dir, filepath.Join(dir, "pgdata"))
	}
	// The server runs as postgres when we are root: it must be able to
	// enter the folder.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	// Output of the tools, removed at the end unless -keep.
	coll := filepath.Join(dir, "collection")
	dumpFc := filepath.Join(dir, "dump.fc")
	dumpDir := filepath.Join(dir, "dump.dir")
	clearOutputs := func() {
		for _, p := range []string{coll, dumpFc, dumpDir} {
			os.RemoveAll(p)
		}
	}
	clearOutputs()
	if !o.keep {
		defer clearOutputs()
	}

	// One server for every tool, with the same settings: durability off
	// (fsync, full_page_writes, synchronous_commit) as for any throwaway
	// benchmark server, and autovacuum off so that no tool's run pays for
	// vacuuming or analyzing what an earlier one wrote.
	logf("starting PostgreSQL in %s", dir)
	srv, err := pgserver.Start(ctx, pgserver.Options{Dir: filepath.Join(dir, "pgdata"), Fast: true, ExtraConf: []string{"autovacuum = off"}})
	if err != nil {
		return err
	}
	defer func() {
		if serr := srv.Stop(context.Background()); serr != nil && err == nil {
			err = serr
		}
	}()
	binDir, err := pgserver.BinDir()
	if err != nil {
		return err
	}
	admin := srv.DSN("postgres")
	if err := dropSlots(ctx, srv.DSN(sourceDB)); err != nil {
		return err
	}
	if !o.keep {
		defer dropRestored(context.Background(), admin)
	}

	// The dataset.
	minBytes := int64(o.sizeGB * (1 << 30))
	ds, reused, err := existingDataset(ctx, srv.DSN(sourceDB), minBytes)
	if err != nil && !isUndefinedDatabase(err) {
		return err
	}
	if !reused {
		if err := execSQL(ctx, admin, "DROP DATABASE IF EXISTS "+sourceDB+" WITH (FORCE)"); err != nil {
			return err
		}
		if err := execSQL(ctx, admin, "CREATE DATABASE "+sourceDB+" TEMPLATE template0"); err != nil {
			return err
		}
		logf("generating at least %.0f MB of table data", mb(minBytes))
		if ds, err = generate(ctx, srv.DSN(sourceDB), minBytes, o.parallel, logf); err != nil {
			return fmt.Errorf("generate the dataset: %w", err)
		}
		logf("generated %.0f MB in %s", mb(ds.TotalBytes), ds.Generated.Round(time.Second))
	} else {
		logf("reusing the dataset in %s: %.0f MB", dir, mb(ds.TotalBytes))
	}

	rep := &report{dataset: ds, parallel: o.parallel, runs: o.runs}
	if rep.env, err = environment(ctx, admin); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	b := &bench{
		o: o, srv: srv, rep: rep, logf: logf, exe: exe,
		pgDump: filepath.Join(binDir, "pg_dump"), pgRestore: filepath.Join(binDir, "pg_restore"),
		coll: coll, dumpFc: dumpFc, dumpDir: dumpDir,
	}
	// Rounds of every operation in turn, so that a disturbance (another
	// process on the machine) spreads over all tools rather than one.
	for i := 1; i <= o.runs; i++ {
		if o.runs > 1 {
			logf("round %d of %d", i, o.runs)
		}
		if err := b.round(ctx, i == o.runs); err != nil {
			return err
		}
	}

	md := rep.markdown(time.Now())
	if o.incr {
		inc, err := b.incremental(ctx)
		if err != nil {
			return fmt.Errorf("incremental: %w", err)
		}
		md += inc.markdown()
	}
	fmt.Println(md)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(md), 0o644); err != nil {
			return err
		}
	}
	if o.doc != "" {
		switch err := updateDoc(o.doc, md); {
		case errors.Is(err, os.ErrNotExist):
			logf("%s not found: not updated", o.doc)
		case err != nil:
			return err
		default:
			logf("updated the results in %s", o.doc)
		}
	}
	return nil
}

func execSQL(ctx context.Context, dsn, sql string) error {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

// dropSlots drops the replication slots (and the publications that go with
// them) that earlier backups left.
func dropSlots(ctx context.Context, dsn string) error {
	err := execSQL(ctx, dsn, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots;
DO $$ DECLARE p text; BEGIN
  FOR p IN SELECT pubname FROM pg_publication WHERE pubname LIKE 'strata\_%' LOOP
    EXECUTE format('DROP PUBLICATION %I', p);
  END LOOP;
END $$`)
	if isUndefinedDatabase(err) {
		return nil
	}
	return err
}

func isUndefinedDatabase(err error) bool {
	var pgErr interface{ SQLState() string }
	return errors.As(err, &pgErr) && pgErr.SQLState() == "3D000"
}

func mb(n int64) float64 { return float64(n) / 1e6 }
