package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/collection"
)

// schemaFile is the schema archive's name in the layer; largeObjectsFile
// holds the large objects.
const (
	schemaFile       = "schema.dump.zst"
	largeObjectsFile = "largeobjects.dump.zst"
)

// dumpSchema runs pg_dump --schema-only under the snapshot and streams its
// custom-format archive into the layer. It always dumps the whole
// database's schema, even for a table subset: a restore picks what it needs
// with pg_restore -L and finds every dependency there. pg_dump's own
// compression is off; the file is zstd-compressed like every other.
func dumpSchema(ctx context.Context, layer *collection.Layer, dsn, snapshotName string, serverMajor int) (collection.FileInfo, []string, error) {
	return runPgDump(ctx, layer, schemaFile, dsn, snapshotName, serverMajor, "schema", "--schema-only")
}

// dumpLargeObjects stores the database's large objects under the snapshot:
// a pg_dump archive of them alone, as pg_dump itself carries them (OIDs,
// contents, owners, grants, comments and security labels). Every schema is
// excluded, which leaves the large objects and the few objects outside
// schemas (extensions, event triggers...); a restore takes only the large
// objects' entries from it (largeObjectEntries).
func dumpLargeObjects(ctx context.Context, layer *collection.Layer, dsn, snapshotName string, serverMajor int) (collection.FileInfo, []string, error) {
	return runPgDump(ctx, layer, largeObjectsFile, dsn, snapshotName, serverMajor, "large objects", "--blobs", "--exclude-schema=*")
}

// runPgDump streams pg_dump's custom-format archive, taken under the
// snapshot with args, into file name of the layer. It returns the warnings
// pg_dump printed ("pg_dump: subscriptions not dumped ..."): each says what
// it left out, which the backup's warnings repeat.
func runPgDump(ctx context.Context, layer *collection.Layer, name, dsn, snapshotName string, serverMajor int, what string, args ...string) (collection.FileInfo, []string, error) {
	bin, err := findPgDump(serverMajor)
	if err != nil {
		return collection.FileInfo{}, nil, err
	}
	connStr, password, err := splitPassword(dsn)
	if err != nil {
		return collection.FileInfo{}, nil, userErrorf(err, "the cluster's connection string is not valid")
	}
	fw, err := layer.CreateFile(ctx, name)
	if err != nil {
		return collection.FileInfo{}, nil, storageError(err)
	}
	args = append(args, "--format=custom", "--compress=0",
		"--snapshot="+snapshotName, "--no-password", "--lock-wait-timeout=60s", "--dbname="+connStr)
	cmd := exec.CommandContext(ctx, bin, args...)
	// The password goes in the environment, never on the command line
	// where any local user could read it with ps.
	cmd.Env = append(os.Environ(), "PGAPPNAME=strata backup ("+what+")")
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	cw := &countingWriter{w: fw, done: &progressCounter{}}
	stderr := &tailBuffer{max: 4096, warnPrefix: "pg_dump: warning: "}
	cmd.Stdout, cmd.Stderr = cw, stderr
	if err := cmd.Run(); err != nil {
		fw.Abort()
		if cw.err != nil {
			return collection.FileInfo{}, nil, storageError(cw.err)
		}
		if ctx.Err() != nil {
			return collection.FileInfo{}, nil, ctx.Err()
		}
		return collection.FileInfo{}, nil, userErrorf(err, "pg_dump could not dump the %s: %s", what, strings.TrimSpace(stderr.String()))
	}
	fi, err := fw.Close()
	if err != nil {
		return collection.FileInfo{}, nil, storageError(err)
	}
	return fi, stderr.warnings, nil
}

// findPgDump picks a pg_dump whose major version is at least the server's
// (an older pg_dump refuses a newer server): the installed server packages'
// binaries, newest first, then pg_dump on PATH.
func findPgDump(serverMajor int) (string, error) {
	cands, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
	sort.Slice(cands, func(i, j int) bool { return dirVersion(cands[i]) > dirVersion(cands[j]) })
	if p, err := exec.LookPath("pg_dump"); err == nil {
		cands = append(cands, p)
	}
	if len(cands) == 0 {
		return "", userErrorf(nil, "pg_dump is not installed on the console's machine: install the PostgreSQL client %d or later (apt-get install postgresql-client)", serverMajor)
	}
	best := 0
	for _, c := range cands {
		v, err := pgDumpMajor(c)
		if err != nil {
			continue
		}
		if v >= serverMajor {
			return c, nil
		}
		best = max(best, v)
	}
	return "", userErrorf(nil, "pg_dump %d cannot dump a PostgreSQL %d server: install the PostgreSQL client %d or later on the console's machine", best, serverMajor, serverMajor)
}

func dirVersion(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(bin))))
	return v
}

var pgDumpVersion = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// pgDumpMajor runs pg_dump --version: "pg_dump (PostgreSQL) 15.18 (Debian …)" → 15.
func pgDumpMajor(bin string) (int, error) {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return 0, err
	}
	m := pgDumpVersion.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("unexpected pg_dump --version output %q", out)
	}
	return strconv.Atoi(string(m[1]))
}

// splitPassword returns dsn without its password, and the password. Both
// URL ("postgres://u:pw@h/db?password=…") and keyword/value
// ("host=h password='p w'") forms are handled.
func splitPassword(dsn string) (string, string, error) {
	if _, err := pgconn.ParseConfig(dsn); err != nil {
		return "", "", err
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", "", err
		}
		var pw string
		if u.User != nil {
			pw, _ = u.User.Password()
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		if p := q.Get("password"); p != "" {
			pw = p
		}
		if q.Has("password") {
			q.Del("password")
			u.RawQuery = q.Encode()
		}
		return u.String(), pw, nil
	}
	kvs, err := parseKeywordValue(dsn)
	if err != nil {
		return "", "", err
	}
	var b strings.Builder
	var pw string
	for _, kv := range kvs {
		if kv[0] == "password" {
			pw = kv[1]
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(kv[0] + "=" + quoteKeywordValue(kv[1]))
	}
	return b.String(), pw, nil
}

// parseKeywordValue splits a libpq keyword/value connection string.
func parseKeywordValue(s string) ([][2]string, error) {
	var out [][2]string
	s = strings.TrimSpace(s)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, errors.New("missing = in connection string")
		}
		key := strings.TrimSpace(s[:eq])
		s = strings.TrimLeft(s[eq+1:], " \t\n")
		var val strings.Builder
		if strings.HasPrefix(s, "'") {
			i := 1
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated quoted value in connection string")
			}
			s = s[i+1:]
		} else {
			i := 0
			for ; i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[i:]
		}
		out = append(out, [2]string{key, val.String()})
		s = strings.TrimSpace(s)
	}
	return out, nil
}

func quoteKeywordValue(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// tailBuffer keeps the last max bytes written: pg_dump's error, without
// letting a chatty process grow memory. With warnPrefix set it also keeps
// the lines that start with it, as "pg_dump: " and the rest of the line:
// up to maxWarnings, each cut at 1,000 bytes.
type tailBuffer struct {
	max        int
	buf        bytes.Buffer
	warnPrefix string
	line       []byte
	warnings   []string
}

const maxWarnings = 20

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if extra := t.buf.Len() - t.max; extra > 0 {
		t.buf.Next(extra)
	}
	if t.warnPrefix != "" {
		for _, b := range p {
			if b != '\n' {
				if len(t.line) < 1000 {
					t.line = append(t.line, b)
				}
				continue
			}
			if rest, ok := strings.CutPrefix(string(t.line), t.warnPrefix); ok && len(t.warnings) < maxWarnings {
				t.warnings = append(t.warnings, "pg_dump: "+rest)
			}
			t.line = t.line[:0]
		}
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return t.buf.String() }
