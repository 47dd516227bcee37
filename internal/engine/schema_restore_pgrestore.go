package engine

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// pgRestoreRun is one pg_restore of a section of the schema archive.
type pgRestoreRun struct {
	dsn     string // target database, password included (it goes in the environment)
	archive string // the custom-format archive, a local file
	list    string // the -L list file
	section string // "pre-data" or "post-data"; empty: every section
	what    string // what the run does, for messages ("restoring the large objects"); default from section
	jobs    int    // parallel jobs (post-data)
	single  bool   // one transaction: all or nothing
	clean   bool   // drop each object first if it exists (--clean --if-exists)
	// tolerateExisting accepts "already exists" errors: a resumed restore
	// runs post-data again after a crash that may have built some of it.
	tolerateExisting bool
}

// findPgRestore returns the newest installed pg_restore: a newer one reads
// every older archive, an older one refuses newer archives.
func findPgRestore() (string, error) {
	cands, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_restore")
	sort.Slice(cands, func(i, j int) bool { return dirVersion(cands[i]) > dirVersion(cands[j]) })
	if p, err := exec.LookPath("pg_restore"); err == nil {
		cands = append(cands, p)
	}
	if len(cands) == 0 {
		return "", userErrorf(nil, "pg_restore is not installed on the console's machine: install the PostgreSQL client (apt-get install postgresql-client)")
	}
	return cands[0], nil
}

// run runs pg_restore and turns its failure into a user error quoting
// PostgreSQL's message and the statement that failed.
func (r pgRestoreRun) run(ctx context.Context) error {
	bin, err := findPgRestore()
	if err != nil {
		return err
	}
	connStr, password, err := splitPassword(r.dsn)
	if err != nil {
		return userErrorf(err, "the target cluster's connection string is not valid")
	}
	args := []string{
		"--dbname=" + connStr, "--no-password", "--use-list=" + r.list,
		// Tablespaces are the source server's layout: the target may not
		// have them, and a restored table belongs in the target's default.
		"--no-tablespaces",
	}
	if r.section != "" {
		args = append(args, "--section="+r.section)
	}
	if r.clean {
		args = append(args, "--clean", "--if-exists")
	}
	switch {
	case r.single:
		args = append(args, "--single-transaction")
	case r.jobs > 1:
		args = append(args, "--jobs="+strconv.Itoa(r.jobs))
	}
	if !r.tolerateExisting {
		args = append(args, "--exit-on-error")
	}
	args = append(args, r.archive)
	cmd := exec.CommandContext(ctx, bin, args...)
	// The password goes in the environment, never on the command line
	// where any local user could read it with ps.
	what := r.what
	switch {
	case what != "":
	case r.section == "post-data":
		what = "building indexes and constraints"
	default:
		what = "creating the tables and types"
	}
	cmd.Env = append(os.Environ(), "PGAPPNAME=strata restore ("+cmp.Or(r.section, "objects")+")")
	if r.section == "post-data" {
		// Index builds sort in memory instead of spilling to disk; the
		// server's default (64 MB) is sized for autovacuum, not bulk loads.
		cmd.Env = append(cmd.Env, "PGOPTIONS="+strings.TrimSpace(os.Getenv("PGOPTIONS")+" -c maintenance_work_mem="+postDataWorkMem))
	}
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	killWithParent(cmd)
	stderr := &tailBuffer{max: 64 << 10}
	cmd.Stderr = stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if err == nil {
		return nil
	}
	failures := pgRestoreErrors(stderr.String())
	if r.tolerateExisting && len(failures) > 0 && allAlreadyExist(failures) {
		return nil
	}
	if len(failures) == 0 {
		return userErrorf(fmt.Errorf("pg_restore: %w: %s", err, stderr), "pg_restore failed while %s: %s", what, strings.TrimSpace(lastLine(stderr.String())))
	}
	msg := failures[0].message
	if failures[0].command != "" {
		msg += " (in: " + failures[0].command + ")"
	}
	switch n := len(failures) - 1; {
	case n == 1:
		msg += ", and 1 more error"
	case n > 1:
		msg += fmt.Sprintf(", and %d more errors", n)
	}
	return userErrorf(fmt.Errorf("pg_restore: %w: %s", err, stderr), "restore failed while %s: %s", what, msg)
}

type pgRestoreError struct{ message, command string }

// pgRestoreErrors picks PostgreSQL's errors out of pg_restore's stderr:
//
//	pg_restore: error: could not execute query: ERROR:  relation "t" already exists
//	Command was: CREATE TABLE public.t (
//	...
func pgRestoreErrors(stderr string) []pgRestoreError {
	var out []pgRestoreError
	sc := bufio.NewScanner(strings.NewReader(stderr))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "pg_restore: error: "):
			msg := strings.TrimPrefix(line, "pg_restore: error: ")
			msg = strings.TrimPrefix(msg, "could not execute query: ")
			out = append(out, pgRestoreError{message: strings.Join(strings.Fields(msg), " ")})
		case strings.HasPrefix(line, "Command was: ") && len(out) > 0 && out[len(out)-1].command == "":
			cmd := strings.TrimPrefix(line, "Command was: ")
			if len(cmd) > 160 {
				cmd = cmd[:160] + "…"
			}
			out[len(out)-1].command = cmd
		case (strings.HasPrefix(line, "DETAIL: ") || strings.HasPrefix(line, "HINT: ")) && len(out) > 0:
			out[len(out)-1].message += " " + strings.Join(strings.Fields(line), " ")
		}
	}
	return out
}

func allAlreadyExist(errs []pgRestoreError) bool {
	for _, e := range errs {
		if !strings.Contains(e.message, "already exists") && !strings.Contains(e.message, "multiple primary keys") {
			return false
		}
	}
	return true
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// writeList writes a pg_restore -L list naming the entries to restore, in
// archive order (pg_restore restores in list order).
func writeList(path string, ids []int) error {
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(strconv.Itoa(id))
		b.WriteString(";\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// postDataWorkMem is maintenance_work_mem for each post-data session; with
// Parallel sessions at once it bounds the server memory the index builds use.
const postDataWorkMem = "256MB"
