package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/stratabackup/strata/internal/pgserver"
)

// bench runs the measured operations against one server and dataset.
type bench struct {
	o                     options
	srv                   *pgserver.Server
	rep                   *report
	logf                  func(string, ...any)
	exe                   string // this program, re-run as the Strata child
	pgDump, pgRestore     string
	coll, dumpFc, dumpDir string
}

// attempts is how many times a round runs an operation that other
// processes disturbed before it keeps the disturbed run.
const attempts = 3

// round runs every operation once, in order, each on a quiet machine
// (previous writes flushed, server checkpointed), then checks the restored
// databases. An operation that other processes disturbed is run again. The
// CPU profiles, if asked for, are of the last round.
func (b *bench) round(ctx context.Context, last bool) error {
	admin, src := b.srv.DSN("postgres"), b.srv.DSN(sourceDB)
	jobs := strconv.Itoa(b.o.parallel)
	// measure runs f after reset (untimed), which removes what an earlier
	// run of the operation left.
	measure := func(name string, reset func() error, f func(m *measurement) error) error {
		for i := 1; ; i++ {
			if err := reset(); err != nil {
				return err
			}
			b.logf("%s", b.rep.label(name))
			m, err := timed(ctx, admin, b.srv.Dir, name, f)
			if err != nil {
				return err
			}
			b.rep.add(m)
			if !m.Disturbed || i == attempts {
				b.logf("  %.1f s", m.Seconds)
				return nil
			}
			b.logf("  %.1f s, disturbed (other processes used %.0f%% of the machine): again", m.Seconds, 100*m.Other/(m.Seconds*float64(runtime.NumCPU())))
		}
	}
	nothing := func() error { return nil }
	remove := func(path string) func() error { return func() error { return os.RemoveAll(path) } }
	dropDB := func(db string) func() error {
		return func() error { return execSQL(ctx, admin, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)") }
	}
	strata := func(m *measurement, op string, args ...string) (childResult, error) {
		if b.o.cpuProfile != "" && last {
			prof, err := filepath.Abs(b.o.cpuProfile + "-" + op + ".pprof")
			if err != nil {
				return childResult{}, err
			}
			args = append(args, "-cpuprofile", prof)
		}
		return b.strata(ctx, m, op, args...)
	}

	if err := measure(opCopy, nothing, func(m *measurement) error {
		n, err := copyToDiscard(ctx, src, b.o.parallel)
		b.rep.copyBytes = n
		return err
	}); err != nil {
		return err
	}
	// A backup keeps its replication slot for incrementals; none will
	// follow here, and a slot would hold WAL: drop it.
	resetBackup := func() error {
		if err := dropSlots(ctx, src); err != nil {
			return err
		}
		return os.RemoveAll(b.coll)
	}
	var backup childResult
	if err := measure(opStrataBackup, resetBackup, func(m *measurement) error {
		var err error
		backup, err = strata(m, "backup", "-db", sourceDB)
		if err == nil {
			m.Stored, err = diskSize(b.coll)
		}
		return err
	}); err != nil {
		return err
	}
	if err := dropSlots(ctx, src); err != nil {
		return err
	}
	if err := measure(opDumpFc, remove(b.dumpFc), func(m *measurement) error {
		_, err := runTool(ctx, m, b.pgDump, "-Fc", "-f", b.dumpFc, "--dbname="+src)
		if err == nil {
			m.Stored, err = diskSize(b.dumpFc)
		}
		return err
	}); err != nil {
		return err
	}
	if err := measure(opDumpFd, remove(b.dumpDir), func(m *measurement) error {
		_, err := runTool(ctx, m, b.pgDump, "-Fd", "-j", jobs, "-f", b.dumpDir, "--dbname="+src)
		if err == nil {
			m.Stored, err = diskSize(b.dumpDir)
		}
		return err
	}); err != nil {
		return err
	}
	if err := measure(opStrataRestore, dropDB(strataDB), func(m *measurement) error {
		_, err := strata(m, "restore", "-db", sourceDB, "-newdb", strataDB, "-backup", backup.Path)
		return err
	}); err != nil {
		return err
	}
	if err := measure(opPgRestore, dropDB(pgRestoreDB), func(m *measurement) error {
		// As a user would run it: createdb, then pg_restore.
		if err := execSQL(ctx, admin, "CREATE DATABASE "+pgRestoreDB+" TEMPLATE template0"); err != nil {
			return err
		}
		_, err := runTool(ctx, m, b.pgRestore, "-j", jobs, "--exit-on-error", "--dbname="+b.srv.DSN(pgRestoreDB), b.dumpDir)
		return err
	}); err != nil {
		return err
	}
	return b.verify(ctx)
}

// strata runs a Strata operation in a child process, measured into m.
func (b *bench) strata(ctx context.Context, m *measurement, op string, args ...string) (childResult, error) {
	args = append([]string{childArg, op, "-port", strconv.Itoa(b.srv.Port), "-collection", b.coll, "-parallel", strconv.Itoa(b.o.parallel)}, args...)
	out, err := runTool(ctx, m, b.exe, args...)
	if err != nil {
		return childResult{}, err
	}
	res, err := parseChildResult(out)
	m.Phases = res.Phases
	return res, err
}

// verify checks that both restored databases hold every row of the source,
// and the same number of indexes.
func (b *bench) verify(ctx context.Context) error {
	b.logf("checking the restored databases")
	want, wantIdx, err := rowCounts(ctx, b.srv.DSN(sourceDB))
	if err != nil {
		return err
	}
	for _, db := range []string{strataDB, pgRestoreDB} {
		got, idx, err := rowCounts(ctx, b.srv.DSN(db))
		if err != nil {
			return err
		}
		if err := sameCounts(want, got); err != nil {
			return fmt.Errorf("database %s does not match the source: %w", db, err)
		}
		if idx != wantIdx {
			return fmt.Errorf("database %s has %d indexes, the source %d", db, idx, wantIdx)
		}
	}
	b.rep.verified = fmt.Sprintf("after every round, the row counts of all %d tables and the %d indexes match the source in both restored databases", len(want), wantIdx)
	return nil
}

// dropRestored drops the databases the restores create.
func dropRestored(ctx context.Context, admin string) error {
	for _, db := range []string{strataDB, pgRestoreDB} {
		if err := execSQL(ctx, admin, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
			return err
		}
	}
	return nil
}
