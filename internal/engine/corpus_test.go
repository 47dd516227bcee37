package engine

// The fidelity corpus (testdata/corpus.sql): one database with every kind
// of object and value pg_dump handles. The reference of fidelity is
// pg_dump -Fc | pg_restore of the same database: a Strata restore must
// differ in nothing that pg_dump's round trip keeps. The tests compare a
// Strata restore with such a copy (not with the source: pg_dump's round
// trip itself changes some things, such as the column order of inheritance
// children, and those are not Strata's to keep).

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"maps"
	"net/url"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

//go:embed testdata/corpus.sql
var corpusSQL string

// loadCorpus creates database db on s and loads the corpus into it, on one
// connection (the script sets search_path), in one transaction per part:
// a line starting "-- @commit" ends a part.
func loadCorpus(t testing.TB, s *pgtest.Server, db string) {
	t.Helper()
	s.CreateDatabase(t, db)
	c := s.Connect(t, db)
	var part strings.Builder
	run := func() {
		if strings.TrimSpace(part.String()) == "" {
			return
		}
		if _, err := c.Exec(context.Background(), part.String()); err != nil {
			t.Fatalf("load the corpus into %s: %v", db, err)
		}
		part.Reset()
	}
	for _, line := range strings.SplitAfter(corpusSQL, "\n") {
		if strings.HasPrefix(line, "-- @commit") {
			run()
			continue
		}
		part.WriteString(line)
	}
	run()
}

// pgDumpRoundTrip makes database dst on s with pg_dump -Fc of src piped
// into pg_restore: the reference a Strata restore is compared with.
func pgDumpRoundTrip(t testing.TB, s *pgtest.Server, src, dst string) {
	t.Helper()
	s.CreateDatabase(t, dst)
	dump := exec.Command("pg_dump", "--format=custom", "--no-password", "--dbname="+s.DSN(src))
	restore := exec.Command("pg_restore", "--exit-on-error", "--no-password", "--dbname="+s.DSN(dst))
	pipe, err := dump.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var dumpErr bytes.Buffer
	dump.Stderr = &dumpErr
	restore.Stdin = pipe
	if err := dump.Start(); err != nil {
		t.Fatal(err)
	}
	out, rerr := restore.CombinedOutput()
	if err := dump.Wait(); err != nil {
		t.Fatalf("pg_dump %s: %v\n%s", src, err, dumpErr.Bytes())
	}
	if rerr != nil {
		t.Fatalf("pg_restore into %s: %v\n%s", dst, rerr, out)
	}
}

// compareWithPgDump reports every difference between database got (a
// Strata restore) and database want (pg_dump | pg_restore of the same
// source): schema, rows, sequences, large objects, materialized views and
// catalog facts. publication is the Strata backup's own publication, which
// a pg_dump of the source carries and a Strata restore deliberately not.
func compareWithPgDump(t *testing.T, s *pgtest.Server, got, want, publication string) {
	t.Helper()
	compareWithPgDumpReading(t, s, s.DSN, got, want, publication)
}

// compareWithPgDumpReading is compareWithPgDump reading the databases
// through the connection strings dsn gives.
func compareWithPgDumpReading(t *testing.T, s *pgtest.Server, dsn func(string) string, got, want, publication string) {
	t.Helper()
	if ws, gs := schemaDump(t, s, want, publication), schemaDump(t, s, got, publication); ws != gs {
		t.Errorf("pg_dump --schema-only of %s differs from %s's (- %s only, + %s only):\n%s", got, want, want, got, orderedDiff(ws, gs))
	}
	compareRows(t, "table", byHashRoot(t, dsn(got), tableContents(t, dsn(got))), byHashRoot(t, dsn(want), tableContents(t, dsn(want))))
	compareFacts(t, "sequence", sequenceFacts(t, dsn(got)), sequenceFacts(t, dsn(want)))
	compareFacts(t, "large object", largeObjects(t, dsn(got)), largeObjects(t, dsn(want)))
	gm, wm := matViews(t, dsn(got)), matViews(t, dsn(want))
	compareFacts(t, "materialized view", gm.populated, wm.populated)
	compareRows(t, "materialized view", gm.rows, wm.rows)
	if wc, gc := catalogFacts(t, dsn(want), publication), catalogFacts(t, dsn(got), publication); wc != gc {
		t.Errorf("catalog facts of %s differ from %s's (- %s only, + %s only):\n%s", got, want, want, got, lineDiff(wc, gc))
	}
}

// byHashRoot merges the rows of partitions under a hash partitioning on an
// enum into one entry per root: which partition a row lands in follows the
// enum's OIDs, which differ in every database (pg_dump and Strata both load
// such rows through the root), so only the rows as a whole compare.
func byHashRoot(t testing.TB, dsn string, contents map[string][]string) map[string][]string {
	t.Helper()
	for _, l := range queryLines(t, dsn, `
SELECT n.nspname || '.' || c.relname || E'\t' || rn.nspname || '.' || r.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class r ON r.oid = pg_catalog.pg_partition_root(c.oid) JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.relispartition AND c.relkind = 'r' AND EXISTS (
  SELECT FROM pg_catalog.pg_partition_ancestors(c.oid) a(relid) JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = a.relid
  JOIN pg_catalog.pg_attribute att ON att.attrelid = a.relid AND att.attnum = ANY (pt.partattrs::int2[])
  JOIN pg_catalog.pg_type ty ON ty.oid = att.atttypid
  WHERE pt.partstrat = 'h' AND ty.typtype = 'e')`) {
		leaf, root, _ := strings.Cut(l, "\t")
		merged := root + " (all partitions)"
		contents[merged] = append(contents[merged], contents[leaf]...)
		delete(contents, leaf)
	}
	for name, rows := range contents {
		if strings.HasSuffix(name, " (all partitions)") {
			slices.Sort(rows)
		}
	}
	return contents
}

// sourceSettings are database settings that change the text form of
// values (dates, intervals, floats, names of reg* values). pg_dump pins its
// own; a backup must too, or the restore reads other values back.
const sourceSettings = `
ALTER DATABASE corpus SET DateStyle = 'SQL, DMY';
ALTER DATABASE corpus SET IntervalStyle = 'sql_standard';
ALTER DATABASE corpus SET extra_float_digits = 0;
ALTER DATABASE corpus SET search_path = corpus, corpus_ext;`

// pinnedDSN reads a database with fixed text forms, whatever settings the
// database has (a Strata restore gives the new database the source's; a
// pg_restore into an existing database does not).
func pinnedDSN(s *pgtest.Server) func(string) string {
	opts := strings.ReplaceAll(url.QueryEscape("-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=1 -c search_path=pg_catalog"), "+", "%20")
	return func(db string) string { return s.DSN(db) + "&options=" + opts }
}

// asRole is s's connection string for db, as role instead of the superuser.
func asRole(s *pgtest.Server, db, role string) string {
	return strings.Replace(s.DSN(db), "//postgres@", "//"+url.PathEscape(role)+"@", 1)
}

// compareRows reports the relations whose sorted rows differ, with the
// rows only one side has.
func compareRows(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s %s: missing (the reference has %d rows)", what, name, len(want[name]))
		case !slicesEqual(g, want[name]):
			t.Errorf("%s %s: %d rows, the reference %d:\n%s", what, name, len(g), len(want[name]), firstDiff(g, want[name]))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[name]; !ok {
			t.Errorf("%s %s: not in the reference (%d rows)", what, name, len(got[name]))
		}
	}
}

// compareFacts reports the keys whose descriptions differ.
func compareFacts[V comparable](t *testing.T, what string, got, want map[string]V) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[k]
		switch {
		case !ok:
			t.Errorf("%s %s: missing (the reference has %v)", what, k, want[k])
		case g != want[k]:
			t.Errorf("%s %s:\n got %v\nwant %v", what, k, g, want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s: not in the reference (%v)", what, k, got[k])
		}
	}
}

// orderedDiff shows the lines only in one of a and b, or, when both have
// the same lines in another order, where the order first differs.
func orderedDiff(a, b string) string {
	if d := lineDiff(a, b); d != "(same lines, another order)" {
		return d
	}
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			from := max(0, i-3)
			return fmt.Sprintf("same lines, another order; from line %d:\n- %s\n+ %s", i+1,
				strings.Join(al[from:min(len(al), i+4)], "\n- "), strings.Join(bl[from:min(len(bl), i+4)], "\n+ "))
		}
	}
	return "(same lines, another order)"
}

// queryLines runs q (one text column) on dsn with an empty search_path, so
// that every name it prints is schema-qualified.
func queryLines(t testing.TB, dsn, q string, args ...any) []string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "SET search_path = ''"); err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(ctx, q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	return lines
}

// sequenceFacts is sequenceValues with is_called told apart: "schema.name"
// → the next value and whether the sequence was ever called.
func sequenceFacts(t testing.TB, dsn string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, next := range sequenceValues(t, dsn) {
		out[name] = fmt.Sprint("next ", next)
	}
	for _, l := range queryLines(t, dsn, `SELECT schemaname || '.' || sequencename || E'\t' || (last_value IS NOT NULL)::text FROM pg_sequences`) {
		name, called, _ := strings.Cut(l, "\t")
		out[name] += ", called " + called
	}
	return out
}

// largeObjects describes every large object: owner, ACL, comment, size and
// a hash of its content, keyed by OID.
func largeObjects(t testing.TB, dsn string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range queryLines(t, dsn, `
SELECT m.oid::text || E'\t' || format('owner %s, acl %s, comment %s, %s bytes, md5 %s',
  pg_catalog.pg_get_userbyid(m.lomowner),
  coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(m.lomacl) a), '-'),
  coalesce(pg_catalog.obj_description(m.oid, 'pg_largeobject'), '-'),
  length(pg_catalog.lo_get(m.oid)), md5(pg_catalog.lo_get(m.oid)))
FROM pg_catalog.pg_largeobject_metadata m`) {
		oid, desc, _ := strings.Cut(l, "\t")
		out[oid] = desc
	}
	return out
}

type matViewState struct {
	populated map[string]bool
	rows      map[string][]string // populated ones only
}

// matViews reads whether each materialized view is populated, and the
// rows of those that are.
func matViews(t testing.TB, dsn string) matViewState {
	t.Helper()
	st := matViewState{populated: map[string]bool{}, rows: map[string][]string{}}
	lines := queryLines(t, dsn, `SELECT format('%I.%I', n.nspname, c.relname) || E'\t' || c.relispopulated::text
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm'`)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, l := range lines {
		name, pop, _ := strings.Cut(l, "\t")
		st.populated[name] = pop == "true"
		if pop != "true" {
			continue
		}
		var buf bytes.Buffer
		if _, err := c.PgConn().CopyTo(ctx, &buf, "COPY (SELECT * FROM "+name+") TO STDOUT"); err != nil {
			t.Fatalf("read materialized view %s: %v", name, err)
		}
		st.rows[name] = sortedLines(buf.Bytes())
	}
	return st
}

// catalogFactsSQL describes, one line each, catalog state of the user
// schemas a restore must reproduce, whether or not pg_dump's text shows it
// plainly: relations (persistence, replica identity, row security,
// options, access method, populated), columns (position among the live
// ones, type, defaults, identity, generation, storage, statistics target,
// compression, options, collation, inheritance, privileges), triggers'
// and rules' enabled states, indexes (clustered, replica identity),
// constraints (validated, deferrable), policies, event triggers,
// publications and their tables, subscriptions, sequences' options, enum
// labels, default privileges, extensions and owners. Strata's own
// publication ($1) and restore bookkeeping schema are left out.
const catalogFactsSQL = `
WITH rel AS (
  SELECT c.*, format('%I.%I', n.nspname, c.relname) AS qname
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'strata_restore') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
)
SELECT format('relation %s kind=%s persistence=%s owner=%s replident=%s rls=%s forced=%s options=%s toast_options=%s am=%s populated=%s partition=%s bound=%s acl=%s',
  r.qname, r.relkind, r.relpersistence, pg_catalog.pg_get_userbyid(r.relowner), r.relreplident, r.relrowsecurity, r.relforcerowsecurity,
  coalesce(r.reloptions::text, '-'), coalesce((SELECT t.reloptions::text FROM pg_catalog.pg_class t WHERE t.oid = r.reltoastrelid), '-'),
  coalesce((SELECT amname FROM pg_catalog.pg_am WHERE oid = r.relam), '-'), r.relispopulated, r.relispartition,
  coalesce(pg_catalog.pg_get_expr(r.relpartbound, r.oid), '-'),
  coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(r.relacl) a), '-'))
FROM rel r
UNION ALL
SELECT format('column %s #%s %I type=%s notnull=%s default=%s identity=%s generated=%s storage=%s stattarget=%s compression=%s options=%s collation=%s local=%s inherited=%s acl=%s',
  r.qname, rank() OVER (PARTITION BY r.oid ORDER BY a.attnum), a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
  coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '-'), a.attidentity, a.attgenerated, a.attstorage, a.attstattarget, a.attcompression,
  coalesce(a.attoptions::text, '-'), coalesce((SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation), '-'),
  a.attislocal, a.attinhcount, coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) x), '-'))
FROM rel r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
UNION ALL
SELECT format('trigger %s on %s enabled=%s def=%s', tg.tgname, r.qname, tg.tgenabled, pg_catalog.pg_get_triggerdef(tg.oid))
FROM rel r JOIN pg_catalog.pg_trigger tg ON tg.tgrelid = r.oid WHERE NOT tg.tgisinternal
UNION ALL
SELECT format('rule %s on %s enabled=%s def=%s', rw.rulename, r.qname, rw.ev_enabled, pg_catalog.pg_get_ruledef(rw.oid))
FROM rel r JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = r.oid WHERE rw.rulename <> '_RETURN'
UNION ALL
SELECT format('index %s on %s clustered=%s replident=%s valid=%s ready=%s def=%s', ir.qname, r.qname, i.indisclustered, i.indisreplident, i.indisvalid, i.indisready, pg_catalog.pg_get_indexdef(i.indexrelid))
FROM rel r JOIN pg_catalog.pg_index i ON i.indrelid = r.oid JOIN rel ir ON ir.oid = i.indexrelid
UNION ALL
SELECT format('constraint %I on %s type=%s validated=%s deferrable=%s deferred=%s local=%s inherited=%s noinherit=%s def=%s',
  con.conname, coalesce((SELECT qname FROM rel WHERE oid = con.conrelid), con.contypid::regtype::text), con.contype, con.convalidated,
  con.condeferrable, con.condeferred, con.conislocal, con.coninhcount, con.connoinherit, pg_catalog.pg_get_constraintdef(con.oid))
FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'strata_restore')
UNION ALL
SELECT format('policy %I on %s cmd=%s permissive=%s roles=%s using=%s check=%s', p.polname, r.qname, p.polcmd, p.polpermissive,
  (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(x) END, ',' ORDER BY 1) FROM unnest(p.polroles) x),
  coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '-'), coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '-'))
FROM rel r JOIN pg_catalog.pg_policy p ON p.polrelid = r.oid
UNION ALL
SELECT format('event trigger %I on %s enabled=%s tags=%s function=%s owner=%s', e.evtname, e.evtevent, e.evtenabled, coalesce(e.evttags::text, '-'),
  e.evtfoid::regprocedure, pg_catalog.pg_get_userbyid(e.evtowner))
FROM pg_catalog.pg_event_trigger e
UNION ALL
SELECT format('publication %I all=%s insert=%s update=%s delete=%s truncate=%s via_root=%s owner=%s', p.pubname, p.puballtables, p.pubinsert,
  p.pubupdate, p.pubdelete, p.pubtruncate, p.pubviaroot, pg_catalog.pg_get_userbyid(p.pubowner))
FROM pg_catalog.pg_publication p WHERE p.pubname <> $1
UNION ALL
SELECT format('publication %I table %I.%I columns=%s filter=%s', pt.pubname, pt.schemaname, pt.tablename, pt.attnames, coalesce(pt.rowfilter, '-'))
FROM pg_catalog.pg_publication_tables pt WHERE pt.pubname <> $1
UNION ALL
SELECT format('publication %I schema %I', p.pubname, pn.pnnspid::regnamespace)
FROM pg_catalog.pg_publication_namespace pn JOIN pg_catalog.pg_publication p ON p.oid = pn.pnpubid
UNION ALL
SELECT format('subscription %I enabled=%s binary=%s streaming=%s slot=%s conninfo=%s publications=%s owner=%s', s.subname, s.subenabled,
  s.subbinary, s.substream, coalesce(s.subslotname::text, '-'), s.subconninfo, s.subpublications, pg_catalog.pg_get_userbyid(s.subowner))
FROM pg_catalog.pg_subscription s WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
UNION ALL
SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s', r.qname, sq.seqtypid::regtype, sq.seqstart,
  sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, sq.seqcycle)
FROM rel r JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = r.oid
UNION ALL
SELECT format('enum %s labels=%s', e.enumtypid::regtype, array_agg(e.enumlabel ORDER BY e.enumsortorder))
FROM pg_catalog.pg_enum e GROUP BY e.enumtypid
UNION ALL
SELECT format('default acl role=%s schema=%s type=%s acl=%s', pg_catalog.pg_get_userbyid(da.defaclrole), coalesce(da.defaclnamespace::regnamespace::text, '-'),
  da.defaclobjtype, (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(da.defaclacl) a))
FROM pg_catalog.pg_default_acl da
UNION ALL
SELECT format('extension %I version=%s schema=%s relocatable=%s', x.extname, x.extversion, x.extnamespace::regnamespace, x.extrelocatable)
FROM pg_catalog.pg_extension x
UNION ALL
SELECT format('statistics %I.%I kinds=%s target=%s owner=%s', n.nspname, s.stxname, s.stxkind, s.stxstattarget, pg_catalog.pg_get_userbyid(s.stxowner))
FROM pg_catalog.pg_statistic_ext s JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
UNION ALL
SELECT format('function %s owner=%s acl=%s config=%s secdef=%s', p.oid::regprocedure, pg_catalog.pg_get_userbyid(p.proowner),
  coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) a), '-'), coalesce(p.proconfig::text, '-'), p.prosecdef)
FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'strata_restore')
UNION ALL
SELECT format('type %s owner=%s acl=%s', t.oid::regtype, pg_catalog.pg_get_userbyid(t.typowner),
  coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(t.typacl) a), '-'))
FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'strata_restore') AND n.nspname NOT LIKE 'pg\_toast%'
UNION ALL
SELECT format('schema %I owner=%s acl=%s', n.nspname, pg_catalog.pg_get_userbyid(n.nspowner),
  coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(n.nspacl) a), '-'))
FROM pg_catalog.pg_namespace n WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname NOT IN ('information_schema', 'strata_restore')
UNION ALL
SELECT format('comment %s %s', pg_catalog.pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
FROM pg_catalog.pg_description d WHERE d.objoid >= 16384
UNION ALL
SELECT format('user mapping %s server %I options=%s', um.usename, um.srvname, coalesce(um.umoptions::text, '-'))
FROM pg_catalog.pg_user_mappings um
UNION ALL
SELECT format('foreign server %I options=%s acl=%s', s.srvname, coalesce(s.srvoptions::text, '-'),
  coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(s.srvacl) a), '-'))
FROM pg_catalog.pg_foreign_server s
UNION ALL
SELECT format('init privs %s %s', pg_catalog.pg_describe_object(ip.classoid, ip.objoid, ip.objsubid),
  (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(ip.initprivs) a))
FROM pg_catalog.pg_init_privs ip WHERE ip.objoid >= 16384`

// catalogFacts is catalogFactsSQL's lines, sorted.
func catalogFacts(t testing.TB, dsn, publication string) string {
	t.Helper()
	lines := queryLines(t, dsn, catalogFactsSQL, publication)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// missingBuiltinTypes lists the built-in types (base, range, multirange)
// and their arrays that no column of the corpus's schemas has.
func missingBuiltinTypes(t testing.TB, dsn string) []string {
	t.Helper()
	return queryLines(t, dsn, `
WITH used AS (
  SELECT DISTINCT a.atttypid FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname LIKE 'corpus%' AND a.attnum > 0 AND NOT a.attisdropped
), builtin AS (
  SELECT t.oid, t.typarray FROM pg_catalog.pg_type t
  WHERE t.oid < 16384 AND t.typtype IN ('b', 'r', 'm') AND t.typnamespace = 'pg_catalog'::regnamespace
    AND NOT EXISTS (SELECT FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
)
SELECT b.oid::regtype::text FROM builtin b WHERE b.oid NOT IN (SELECT atttypid FROM used)
UNION ALL
SELECT b.typarray::regtype::text FROM builtin b WHERE b.typarray <> 0 AND b.typarray NOT IN (SELECT atttypid FROM used)
ORDER BY 1`)
}

// TestCorpusMatchesPgDump restores a full backup of the corpus and
// compares it with pg_dump | pg_restore of the same database.
func TestCorpusMatchesPgDump(t *testing.T) {
	start := time.Now()
	s := pgtest.Start(t)
	loadCorpus(t, s, "corpus")
	t.Logf("corpus loaded in %v", time.Since(start).Round(time.Millisecond))
	if missing := missingBuiltinTypes(t, s.DSN("corpus")); len(missing) > 0 {
		t.Errorf("the corpus has no column of these built-in types: %s", strings.Join(missing, ", "))
	}

	ctx := context.Background()
	c := newTestCollection(t)
	step := time.Now()
	m, err := New(nil).Backup(ctx, BackupParams{
		JobID: "corpus-full", DSN: s.DSN("corpus"), Database: "corpus", Cluster: "test", CreatedBy: "tester",
	}, c, &restoreTracker{})
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	t.Logf("Strata full backup in %v (publication %q)", time.Since(step).Round(time.Millisecond), m.Publication)
	step = time.Now()
	pgDumpRoundTrip(t, s, "corpus", "pgdump_copy")
	t.Logf("pg_dump | pg_restore in %v", time.Since(step).Round(time.Millisecond))
	step = time.Now()
	res, err := New(nil).Restore(ctx, restoreParams(s, m, "corpus-restore", "strata_copy"), c, &restoreTracker{})
	if err != nil {
		t.Errorf("Strata restore: %v", err)
	} else {
		t.Logf("Strata restore in %v: %+v", time.Since(step).Round(time.Millisecond), *res)
		compareWithPgDump(t, s, "strata_copy", "pgdump_copy", m.Publication)
	}

	// Backed up as a role that row-level security policies apply to,
	// pg_dump fails rather than dump only the rows the role may see; so
	// must Strata.
	t.Run("row security", func(t *testing.T) {
		s.Exec(t, "postgres", `DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'strata_corpus_backup') THEN
    CREATE ROLE strata_corpus_backup LOGIN IN ROLE pg_read_all_data;
  END IF;
END $$`)
		// pg_read_all_data does not read large objects; without this the
		// large objects' dump may be refused first.
		s.Exec(t, "corpus", `DO $$ DECLARE o oid; BEGIN
  FOR o IN SELECT oid FROM pg_largeobject_metadata LOOP EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO strata_corpus_backup', o); END LOOP;
END $$`)
		dsn := asRole(s, "corpus", "strata_corpus_backup")
		out, err := exec.Command("pg_dump", "--format=custom", "--file=/dev/null", "--no-password", "--dbname="+dsn).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "row-level security") {
			t.Errorf("pg_dump as a role subject to row security: %v\n%s", err, out)
		}
		_, err = New(nil).Backup(ctx, BackupParams{JobID: "corpus-rls", DSN: dsn, Database: "corpus", Cluster: "test"}, newTestCollection(t), &restoreTracker{})
		if err == nil || !strings.Contains(err.Error(), "row-level security") {
			t.Errorf("Strata backup as a role subject to row security: %v; want it refused as pg_dump refuses it", err)
		}
	})

	// The source database sets DateStyle, IntervalStyle, extra_float_digits
	// and search_path: the tables copied as text must still restore exactly.
	t.Run("source session settings", func(t *testing.T) {
		s.Exec(t, "corpus", sourceSettings)
		m2, err := New(nil).Backup(ctx, BackupParams{
			JobID: "corpus-full-settings", DSN: s.DSN("corpus"), Database: "corpus", Cluster: "test", CreatedBy: "tester",
		}, c, &restoreTracker{})
		if err != nil {
			t.Fatalf("backup: %v", err)
		}
		pgDumpRoundTrip(t, s, "corpus", "pgdump_settings")
		if _, err := New(nil).Restore(ctx, restoreParams(s, m2, "corpus-restore-settings", "strata_settings"), c, &restoreTracker{}); err != nil {
			t.Fatalf("Strata restore: %v", err)
		}
		compareWithPgDumpReading(t, s, pinnedDSN(s), "strata_settings", "pgdump_settings", m2.Publication)
	})
}

// corpusWorkload1 changes many of the corpus's tables (rows moving between
// partitions, inheritance parents and children, identity and generated
// columns, every replica identity, no identity, unlogged, TOAST, a NOT NULL
// domain, 1600 columns, columns named like a restore's bookkeeping), its
// large objects, sequences and materialized views, and its schema: a table
// renamed, created, dropped; a partition detached, another created; a
// replica identity changed (after rows were deleted by the old one); an
// enum value and a column added. Triggers, rules and event triggers fire.
const corpusWorkload1 = `
INSERT INTO corpus.measure SELECT g, DATE '2022-01-01' + (g * 7 % 1460), (ARRAY['eu', 'uk', 'us', 'apac'])[1 + g % 4], g FROM generate_series(401, 500) g;
UPDATE corpus.measure SET value = value * 2 WHERE id % 10 = 0;
UPDATE corpus.measure SET at = DATE '2023-06-01' WHERE id BETWEEN 1 AND 5;
UPDATE corpus.measure SET region = 'us' WHERE id BETWEEN 6 AND 9 AND at >= '2024-01-01' AND at < '2025-01-01';
DELETE FROM corpus.measure WHERE id % 17 = 0;
INSERT INTO corpus.by_region VALUES (100, NULL, 'null region'), (101, 'north', 'n');
UPDATE corpus.by_region SET region = 'north' WHERE id = 2;
UPDATE corpus.hashed SET v = v || '!' WHERE id % 4 = 0;
DELETE FROM corpus.hashed WHERE id > 55;
INSERT INTO corpus.hashed_mood VALUES (100, 'happy'), (101, 'meh');
UPDATE corpus.vehicle SET wheels = wheels + 1;
INSERT INTO corpus.truck (payload, wheels, id, name) VALUES (100, 4, 21, 'pickup');
DELETE FROM corpus.car WHERE id = 11;
UPDATE corpus.amphibian SET fins = 4, color = 'green';
INSERT INTO corpus.identities (label) VALUES ('inc1 a'), ('inc1 b');
UPDATE corpus.identities SET label = label || ' changed' WHERE a < 120;
DELETE FROM corpus.identities WHERE label = 'explicit';
INSERT INTO corpus.serials (note) VALUES ('inc1');
ALTER TABLE corpus.serials RENAME TO serial_numbers;
INSERT INTO corpus.serial_numbers (note) VALUES ('after the rename');
UPDATE corpus.serial_numbers SET note = 'renamed' WHERE id = 1;
INSERT INTO corpus.people VALUES ('Edsger', '1930-05-11', 'meh');
UPDATE corpus.people SET mood = 'sad' WHERE name = 'Alan';
UPDATE corpus.builtin_types SET c_text = 'changed', a_int4 = '{9}', c_regclass = 'pg_catalog.pg_namespace' WHERE id = 1;
INSERT INTO corpus.builtin_types (id, c_float8, c_jsonb, c_tstz, c_money, c_interval) VALUES (5, 0.1, '{"k": 1}', '2024-06-01 12:00:00+02', 1.5, '1 day -1 second');
UPDATE corpus.reg_refs SET c_regclass = 'corpus.categories', c_regtype = 'corpus.person_t' WHERE id = 2;
UPDATE corpus.user_types SET mood = 'ok', h = 'x=>y' WHERE id = 1;
INSERT INTO corpus.user_types (mood, addr, pos, later) VALUES ('sad', ROW('s', 'c', 'z'), 5, 8);
DELETE FROM corpus.user_types WHERE id = 2;
UPDATE corpus.wide SET c800 = 801, c1600 = 1601 WHERE id = 1;
UPDATE corpus.name_clash SET strata_op = 'D', strata_fill = NULL WHERE id = 1;
DELETE FROM corpus.name_clash WHERE id = 2;
INSERT INTO corpus.name_clash VALUES (3, 'U', '{}', '', 'y');
INSERT INTO corpus.wide (id, c1599) VALUES (3, 3);
UPDATE corpus.ri_full_pk SET v = 'x' WHERE id <= 5;
DELETE FROM corpus.ri_full_pk WHERE id > 18;
UPDATE corpus.ri_full_nokey SET n = -1 WHERE v = 'v1';
DELETE FROM corpus.ri_full_nokey WHERE v = 'v2';
DELETE FROM corpus.ri_full_nokey WHERE ctid = (SELECT min(ctid) FROM corpus.ri_full_nokey WHERE v IS NULL);
INSERT INTO corpus.ri_full_nokey VALUES ('v9', '{"x": [1]}', '(1,2)', 1.5, 0.25);
UPDATE corpus.ri_index SET v = 'changed' WHERE region = 1;
UPDATE corpus.ri_index SET code = code || 'x' WHERE id = 3;
DELETE FROM corpus.ri_index WHERE id = 4;
ALTER TABLE corpus.ri_index REPLICA IDENTITY DEFAULT;
UPDATE corpus.ri_index SET v = 'after the identity changed' WHERE id = 5;
ALTER TABLE corpus.ri_nothing REPLICA IDENTITY DEFAULT;
UPDATE corpus.ri_nothing SET v = 'no identity' WHERE id = 1;
UPDATE corpus.log_nopk SET what = what || '!' WHERE who = 'user1';
DELETE FROM corpus.log_nopk WHERE who = 'user2';
INSERT INTO corpus.cache_pk VALUES ('new', '{}', 1);
UPDATE corpus.cache_pk SET hits = hits + 100 WHERE key = 'key1';
DELETE FROM corpus.cache_nopk WHERE key = 'k1';
INSERT INTO corpus.zero_columns DEFAULT VALUES;
INSERT INTO corpus.zero_full DEFAULT VALUES;
DELETE FROM corpus.zero_full WHERE ctid = (SELECT min(ctid) FROM corpus.zero_full);
INSERT INTO corpus.audited (id, v) VALUES (20, 'inc1');
UPDATE corpus.audited SET v = 'changed' WHERE id = 2;
INSERT INTO corpus.ruled VALUES (200, 'big');
INSERT INTO corpus.products (category_id, name, price) VALUES (2, 'inc product', 9.99);
UPDATE corpus.products SET price = price + 1 WHERE id % 5 = 0;
DELETE FROM corpus.products WHERE id = 7;
UPDATE corpus.categories SET name = 'Books!' WHERE id = 2;
INSERT INTO corpus.secrets VALUES (100, 'strata_corpus_owner', 1, 'new secret');
UPDATE corpus_x.items SET qty = qty * 10 WHERE id < 5;
UPDATE "Corpus Ünï ""Q"""."Mixed Case ""Table""" SET "a b" = 'changed' WHERE "ID" = 1;
UPDATE corpus.tuned SET big = repeat('new big', 3000) WHERE id = 1;
UPDATE corpus.tuned SET stat = 99 WHERE id = 2;
UPDATE corpus.evolving SET kept = 'changed' WHERE id = 1;
INSERT INTO corpus.evolving (id, kept) VALUES (3, 'three');
INSERT INTO corpus.documents VALUES (5, 'made in layer 1', 424246, 424246);
SELECT lo_from_bytea(424246, 'created in layer 1');
SELECT lo_put(424242, 0, 'HELLO');
SELECT lo_unlink(424245);
COMMENT ON LARGE OBJECT 424246 IS 'made after the full backup';
GRANT SELECT ON LARGE OBJECT 424246 TO strata_corpus_reader;
CREATE TABLE corpus.created_later (id integer PRIMARY KEY, v text);
DROP TABLE corpus_x.dropped_later;
ALTER TABLE corpus.measure DETACH PARTITION corpus.measure_2022;
CREATE TABLE corpus.measure_2026 PARTITION OF corpus.measure FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO corpus.measure VALUES (2000, '2026-02-02', 'eu', 1);
UPDATE corpus.measure_2022 SET value = 0 WHERE id % 3 = 0;
ALTER TYPE corpus.mood ADD VALUE 'ecstatic';
INSERT INTO corpus.created_later SELECT g, 'v' || g FROM generate_series(1, 10) g;
ALTER TABLE corpus_x.items ADD COLUMN note text DEFAULT 'added in layer 1';
REFRESH MATERIALIZED VIEW corpus.mv_populated;
SELECT nextval('corpus.seq_every'), nextval('corpus.seq_cycled'), nextval('corpus.seq_never_used');`

// corpusWorkload2a and 2b are the changes of the second layer, before and
// after the moment a point-in-time restore aims at.
const corpusWorkload2a = `
INSERT INTO corpus.measure VALUES (1000, '2024-05-05', 'us', 1), (1001, '2025-05-05', 'eu', 2);
UPDATE corpus.measure SET region = 'uk' WHERE id = 1000;
DELETE FROM corpus.vehicle WHERE id = 1;
UPDATE corpus.car SET doors = 5 WHERE id = 10;
INSERT INTO corpus.identities (label) VALUES ('inc2');
UPDATE corpus.builtin_types SET c_numeric = 42, a_text = '{x,y}' WHERE id = 2;
UPDATE corpus.user_types SET moods = '{happy,ecstatic}', mood = 'ecstatic' WHERE id = 1;
INSERT INTO corpus.people VALUES ('Donald', '1938-01-10', 'ecstatic');
UPDATE corpus.wide SET c2 = 22 WHERE id = 2;
UPDATE corpus.ri_full_nokey SET f = 9.5 WHERE v = 'v3';
TRUNCATE corpus.created_later;
INSERT INTO corpus.created_later VALUES (100, 'after truncate');
UPDATE corpus.hashed_mood SET id = id + 1000 WHERE mood = 'sad';
UPDATE corpus_x.items SET note = 'changed in layer 2' WHERE id = 1;
UPDATE corpus.tuned SET body = 'short' WHERE id = 3;
UPDATE corpus.audited SET v = 'layer 2' WHERE id = 5;
SELECT lo_from_bytea(424247, 'created in layer 2');
SELECT lo_unlink(424244);
SELECT nextval('corpus.seq_every');`

const corpusWorkload2b = `
DELETE FROM corpus.measure WHERE id = 1001;
UPDATE corpus.identities SET label = 'after the moment' WHERE label = 'inc2';
INSERT INTO corpus.people VALUES ('Barbara', '1939-11-18', 'happy');
DELETE FROM corpus.products WHERE id = 8;
UPDATE corpus.cache_pk SET hits = -1;
INSERT INTO corpus.log_nopk VALUES ('2025-01-01 00:00+00', 'late', 'after the moment');
INSERT INTO corpus.zero_columns DEFAULT VALUES;
UPDATE corpus.ri_full_nokey SET f = -9.5 WHERE v = 'v3';
SELECT lo_put(424246, 0, 'CHANGED');`

// tableColumns gives, for every table tableContents reads (keyed the same
// way), its quoted column list.
func tableColumns(t testing.TB, dsn string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range queryLines(t, dsn, `
SELECT n.nspname || '.' || c.relname || E'\t' || coalesce(string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum), '')
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
GROUP BY n.nspname, c.relname`) {
		name, cols, _ := strings.Cut(l, "\t")
		out[name] = cols
	}
	return out
}

// contentsByColumns is tableContents reading the columns columns names,
// in that order, so that tables whose columns are in another order (as
// pg_dump's round trip puts an inheritance child's) compare equal.
func contentsByColumns(t testing.TB, dsn string, columns map[string]string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	out := map[string][]string{}
	for name, cols := range columns {
		schema, table, _ := strings.Cut(name, ".")
		var buf bytes.Buffer
		q := "COPY (SELECT " + cols + " FROM ONLY " + pgx.Identifier{schema, table}.Sanitize() + ") TO STDOUT"
		if _, err := c.PgConn().CopyTo(ctx, &buf, q); err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		out[name] = sortedLines(buf.Bytes())
	}
	return out
}

// identityTables lists the logged tables of dsn that have a replica
// identity (the ones whose changes an incremental records one by one).
func identityTables(t testing.TB, dsn string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, n := range queryLines(t, dsn, `
SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence = 'p' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  AND (c.relreplident = 'f' OR c.relreplident IN ('d', 'i') AND EXISTS (
        SELECT FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND (i.indisreplident OR i.indisprimary AND c.relreplident = 'd')))`) {
		out[n] = true
	}
	return out
}

// TestCorpusIncrementalMatchesPgDump runs a workload over the corpus
// across a full backup and two incrementals with revision history, then
// compares the restore of the latest layer with pg_dump | pg_restore of
// the source, and a restore to a moment inside the second layer with the
// source's rows at that moment.
func TestCorpusIncrementalMatchesPgDump(t *testing.T) {
	start := time.Now()
	s := pgtest.Start(t)
	loadCorpus(t, s, "corpus")
	ctx := context.Background()
	c := newTestCollection(t)
	full, err := New(nil).Backup(ctx, BackupParams{
		JobID: "corpus-full", DSN: s.DSN("corpus"), Database: "corpus", Cluster: "test", CreatedBy: "tester", ChunkBytes: 64 << 10,
	}, c, &restoreTracker{})
	if err != nil {
		t.Fatalf("full backup: %v", err)
	}
	if full.Publication == "" || full.Slot == "" {
		t.Fatalf("the full backup has no slot (%q) or no publication (%q): no incremental can follow it", full.Slot, full.Publication)
	}
	conn := s.Connect(t, "corpus")
	run := func(name, sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("workload %s: %v", name, err)
		}
	}
	run("layer 1", corpusWorkload1)
	inc1 := incrementalBackup(t, s, c, "corpus", "corpus-inc1", true)
	run("layer 2, before the moment", corpusWorkload2a)
	var moment time.Time
	if err := conn.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&moment); err != nil {
		t.Fatal(err)
	}
	keyed := identityTables(t, s.DSN("corpus"))
	columns := tableColumns(t, s.DSN("corpus"))
	atMoment := contentsByColumns(t, s.DSN("corpus"), columns)
	time.Sleep(20 * time.Millisecond) // distinct commit times
	run("layer 2, after the moment", corpusWorkload2b)
	inc2 := incrementalBackup(t, s, c, "corpus", "corpus-inc2", true)
	t.Logf("corpus, full backup, workload and 2 incrementals (%d and %d changes) in %v", inc1.Changes, inc2.Changes, time.Since(start).Round(time.Millisecond))
	for _, m := range []*collection.Manifest{inc1, inc2} {
		var whole []string
		for _, tb := range m.Tables {
			if tb.Whole {
				whole = append(whole, tb.QualifiedName())
			}
		}
		t.Logf("layer %s copied whole: %s", m.Path, strings.Join(whole, ", "))
	}

	step := time.Now()
	pgDumpRoundTrip(t, s, "corpus", "pgdump_copy")
	t.Logf("pg_dump | pg_restore in %v", time.Since(step).Round(time.Millisecond))
	step = time.Now()
	res, err := New(nil).Restore(ctx, RestoreParams{
		JobID: "corpus-latest", TargetDSN: s.DSN, Backup: "LATEST", Database: "corpus", NewDBName: "strata_latest",
	}, c, &restoreTracker{})
	if err != nil {
		t.Errorf("Strata restore of LATEST: %v", err)
	} else {
		t.Logf("Strata restore of LATEST in %v: %+v", time.Since(step).Round(time.Millisecond), *res)
		compareWithPgDump(t, s, "strata_latest", "pgdump_copy", full.Publication)
	}

	// A moment inside the second layer: the tables without a replica
	// identity have no rows for it, so a whole-database restore is refused,
	// naming each of them.
	unlogged := map[string]bool{}
	for _, name := range queryLines(t, s.DSN("corpus"), `SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND c.relpersistence = 'u'`) {
		unlogged[name] = true
	}
	_, err = New(nil).Restore(ctx, RestoreParams{
		JobID: "corpus-pit-refused", TargetDSN: s.DSN, Database: "corpus", NewDBName: "strata_pit", AsOf: moment,
	}, c, &restoreTracker{})
	var refused []string
	for name := range atMoment {
		if !keyed[name] && !unlogged[name] {
			refused = append(refused, name)
		}
	}
	wantUserError(t, err, append([]string{"without a replica identity", "REPLICA IDENTITY FULL"}, refused...)...)

	// The fix the console offers: REPLICA IDENTITY FULL on those tables.
	// The next layer copies them whole once and adds them to the chain's
	// publication; from the layer after, a moment inside restores them.
	missing, err := TablesWithoutIdentity(ctx, s.DSN("corpus"))
	if err != nil {
		t.Fatal(err)
	}
	if err := SetReplicaIdentityFull(ctx, s.DSN("corpus"), missing); err != nil {
		t.Fatal(err)
	}
	incrementalBackup(t, s, c, "corpus", "corpus-inc3", true)
	atLayerEnd := contentsByColumns(t, s.DSN("corpus"), columns)
	lobsAtLayerEnd := largeObjects(t, s.DSN("corpus"))
	run("layer 4, before the moment", corpusWorkload4a)
	if err := conn.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&moment); err != nil {
		t.Fatal(err)
	}
	atMoment = contentsByColumns(t, s.DSN("corpus"), columns)
	time.Sleep(20 * time.Millisecond)
	run("layer 4, after the moment", corpusWorkload4b)
	inc4 := incrementalBackup(t, s, c, "corpus", "corpus-inc4", true)

	step = time.Now()
	res, err = New(nil).Restore(ctx, RestoreParams{
		JobID: "corpus-pit", TargetDSN: s.DSN, Database: "corpus", NewDBName: "strata_pit", AsOf: moment,
	}, c, &restoreTracker{})
	if err != nil {
		t.Fatalf("Strata restore as of %s (inside layer %s): %v", utc(moment), inc4.Path, err)
	}
	t.Logf("Strata restore as of %s in %v: %+v", utc(moment), time.Since(step).Round(time.Millisecond), *res)
	got := byHashRoot(t, s.DSN("strata_pit"), contentsByColumns(t, s.DSN("strata_pit"), columns))
	atMoment = byHashRoot(t, s.DSN("corpus"), atMoment)
	for _, name := range slices.Sorted(maps.Keys(atMoment)) {
		want := atMoment[name]
		switch {
		case name == "corpus.ddl_log":
			// The restore's own DDL (REFRESH MATERIALIZED VIEW) fires the
			// restored event triggers, as pg_restore's does; the
			// comparison of LATEST with pg_dump's copy checks this table.
		case unlogged[name]:
			if want = atLayerEnd[name]; !slicesEqual(got[name], want) {
				t.Errorf("as of %s: unlogged table %s has %d rows, want %d, as of the layer before", utc(moment), name, len(got[name]), len(want))
			}
			wantWarning(t, res.Warnings, "unlogged table "+name+" is restored as it was at")
		case !slicesEqual(got[name], want):
			t.Errorf("as of %s: table %s has %d rows, the source had %d:\n%s", utc(moment), name, len(got[name]), len(want), firstDiff(got[name], want))
		}
	}
	if lobs := largeObjects(t, s.DSN("strata_pit")); !maps.Equal(lobs, lobsAtLayerEnd) {
		t.Errorf("as of %s, large objects %v, want those of the layer before %v", utc(moment), lobs, lobsAtLayerEnd)
	}
	wantWarning(t, res.Warnings, "large objects are restored as they were at")
}

// corpusWorkload4a changes, among others, the tables that had no replica
// identity before REPLICA IDENTITY FULL was set on them.
const corpusWorkload4a = `
INSERT INTO corpus.log_nopk VALUES ('2025-02-01 00:00+00', 'layer 4', 'with a replica identity now');
DELETE FROM corpus.log_nopk WHERE what = 'after the moment';
INSERT INTO corpus.zero_columns DEFAULT VALUES;
INSERT INTO corpus.measure VALUES (2000, '2024-07-07', 'eu', 7);
UPDATE corpus.people SET mood = 'happy' WHERE name = 'Donald';
INSERT INTO corpus.cache_pk VALUES ('layer 4', '{}', 4) ON CONFLICT DO NOTHING;
SELECT lo_from_bytea(424299, 'created in layer 4');`

const corpusWorkload4b = `
DELETE FROM corpus.measure WHERE id = 2000;
INSERT INTO corpus.log_nopk VALUES ('2025-03-01 00:00+00', 'layer 4', 'after the moment');
INSERT INTO corpus.zero_columns DEFAULT VALUES;
UPDATE corpus.cache_pk SET hits = 44;
SELECT lo_put(424299, 0, 'CHANGED');`

// corpusWorkload3 changes values whose text form depends on the session's
// settings, in tables replayed change by change (with a key, and with
// REPLICA IDENTITY FULL and no key) and in a table copied whole.
const corpusWorkload3 = `
UPDATE corpus.user_types SET rc = 'corpus.categories', rt = 'corpus.address[]', person = ROW('Ada', '1815-12-10', 'ok'),
  fr = '[0.1,0.30000000000000004)' WHERE id = 1;
UPDATE corpus.ri_full_nokey SET m = 'sad', f = 0.30000000000000004 WHERE v = 'v3';
INSERT INTO corpus.ri_full_nokey (v, m, f) VALUES ('v10', 'meh', 1e-300);
UPDATE corpus.builtin_types SET c_interval = '-1 day -02:00:00', c_date = '2024-12-01', c_float8 = 0.30000000000000004 WHERE id = 1;
INSERT INTO corpus.log_nopk VALUES ('2025-12-01 00:00+00', 'settings', 'after the settings changed');`

// TestCorpusIncrementalUnderSourceSettings: the source database sets
// DateStyle, IntervalStyle, extra_float_digits and search_path, which
// change the text form of values the incrementals carry; the restore of
// the chain must still equal pg_dump | pg_restore of the source.
func TestCorpusIncrementalUnderSourceSettings(t *testing.T) {
	s := pgtest.Start(t)
	loadCorpus(t, s, "corpus")
	s.Exec(t, "corpus", sourceSettings)
	ctx := context.Background()
	c := newTestCollection(t)
	full, err := New(nil).Backup(ctx, BackupParams{
		JobID: "corpus-full", DSN: s.DSN("corpus"), Database: "corpus", Cluster: "test", CreatedBy: "tester",
	}, c, &restoreTracker{})
	if err != nil {
		t.Fatalf("full backup: %v", err)
	}
	if full.Publication == "" {
		t.Fatalf("the full backup has no publication: no incremental can follow it")
	}
	s.Exec(t, "corpus", corpusWorkload3)
	incrementalBackup(t, s, c, "corpus", "corpus-inc", true)
	pgDumpRoundTrip(t, s, "corpus", "pgdump_copy")
	if _, err := New(nil).Restore(ctx, RestoreParams{
		JobID: "corpus-latest", TargetDSN: s.DSN, Backup: "LATEST", Database: "corpus", NewDBName: "strata_latest",
	}, c, &restoreTracker{}); err != nil {
		t.Fatalf("Strata restore of LATEST: %v", err)
	}
	compareWithPgDumpReading(t, s, pinnedDSN(s), "strata_latest", "pgdump_copy", full.Publication)
}

// TestCollapseAcrossReplicaIdentityChange: changes made while a table's
// replica identity was one index, then another, are collapsed by the key
// each change carries, not by the key the table has at the end (a delete
// carries only its identity's columns).
func TestCollapseAcrossReplicaIdentityChange(t *testing.T) {
	byCode := &relation{Columns: []string{"id", "code", "v"}, Types: []uint32{23, 25, 25}, Key: []bool{false, true, false}}
	byID := &relation{Columns: []string{"id", "code", "v"}, Types: []uint32{23, 25, 25}, Key: []bool{true, false, false}}
	txt := func(s string) value { return value{Kind: valText, Data: []byte(s)} }
	null := value{Kind: valNull}
	changes := []*change{
		{Op: opDelete, Rel: byCode, Old: []value{null, txt("c4"), null}},
		{Op: opDelete, Rel: byCode, Old: []value{null, txt("c5"), null}},
		{Op: opUpdate, Rel: byID, New: []value{txt("6"), txt("c6"), txt("x")}},
		{Op: opDelete, Rel: byID, Old: []value{txt("7"), null, null}},
	}
	got := collapse(changes, []string{"id"}) // the table's key at the layer's end
	var desc []string
	for _, c := range got {
		switch c.Op {
		case opDelete:
			desc = append(desc, fmt.Sprintf("D %s/%s", c.Old[0].Data, c.Old[1].Data))
		default:
			desc = append(desc, fmt.Sprintf("%c %s", c.Op, c.New[0].Data))
		}
	}
	if want := "D /c4, D /c5, I 6, D 7/"; strings.Join(desc, ", ") != want {
		t.Errorf("collapsed to %s, want %s", strings.Join(desc, ", "), want)
	}
	if k := keyColumns(byCode, []string{"id"}); fmt.Sprint(k) != "[code]" {
		t.Errorf("key of changes made under REPLICA IDENTITY USING INDEX (code): %v", k)
	}
	full := &relation{Columns: []string{"id", "v"}, Types: []uint32{23, 25}, Key: []bool{true, true}}
	if k := keyColumns(full, []string{"id"}); fmt.Sprint(k) != "[id]" {
		t.Errorf("key of changes made under REPLICA IDENTITY FULL with a primary key: %v", k)
	}
}

// TestReplayTableWithoutColumns: inserts, updates and deletes of a table
// without columns (REPLICA IDENTITY FULL publishes it) replay as row
// counts.
func TestReplayTableWithoutColumns(t *testing.T) {
	s := pgtest.Start(t)
	s.CreateDatabase(t, "z")
	s.Exec(t, "z", "CREATE TABLE z (); INSERT INTO z DEFAULT VALUES; INSERT INTO z DEFAULT VALUES")
	c := s.Connect(t, "z")
	rel := &relation{}
	a := &applier{c: c, table: &collection.Table{Schema: "public", Name: "z"}, name: `public."z"`}
	batch := []*change{
		{Op: opInsert, Rel: rel, New: []value{}},
		{Op: opInsert, Rel: rel, New: []value{}},
		{Op: opDelete, Rel: rel, Old: []value{}},
		{Op: opUpdate, Rel: rel, Old: []value{}, New: []value{}},
	}
	if err := a.apply(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := c.QueryRow(context.Background(), "SELECT count(*) FROM z").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d rows after two inserts and a delete on two rows, want 3", n)
	}
}
