package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/stratabackup/strata/internal/collection"
)

// All catalog reads run on the meta connection, inside the transaction that
// sees the backup's snapshot, so the tables, columns and roles recorded are
// exactly those the data and the schema dump were read under.

// userNamespace is a WHERE condition on a pg_namespace alias n: user schemas.
const userNamespace = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'`

// notExtensionMember is a WHERE condition on a pg_class alias c: not created
// by an extension (pg_dump leaves those to CREATE EXTENSION).
const notExtensionMember = `NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`

// hashRoot is, for a partition c, the OID of its topmost partitioned
// table when one of its ancestors is hash-partitioned on an expression or
// on a column whose type was made in the database (see tableInfo.RootOID);
// else 0.
const hashRoot = `CASE WHEN c.relispartition AND EXISTS (
  SELECT FROM pg_partition_ancestors(c.oid) up(relid) JOIN pg_partitioned_table pt ON pt.partrelid = up.relid
  WHERE pt.partstrat = 'h' AND (0 = ANY (pt.partattrs::int2[]) OR EXISTS (
    SELECT FROM pg_attribute a WHERE a.attrelid = up.relid AND a.attnum = ANY (pt.partattrs::int2[]) AND a.atttypid >= 16384)))
  THEN pg_partition_root(c.oid)::oid ELSE 0 END`

// extensionConfig is a condition on a pg_class alias c: a table or sequence
// an extension marked as holding user data (pg_extension_config_dump), whose
// rows pg_dump carries, filtered by the extension's condition, though
// CREATE EXTENSION creates the table itself.
const extensionConfig = `EXISTS (SELECT FROM pg_extension e WHERE c.oid = ANY (e.extconfig))`

// extensionCondition is the extension's filter of a configuration table
// c's rows ("WHERE ..." or empty), as pg_dump applies it.
const extensionCondition = `coalesce((SELECT e.extcondition[array_position(e.extconfig, c.oid)] FROM pg_extension e WHERE c.oid = ANY (e.extconfig) LIMIT 1), '')`

// builtinBinaryType is a condition on a pg_type alias ty: a type built into
// PostgreSQL (OID below FirstNormalObjectId), with binary send and receive
// functions, and for an array an element type that is built in too. Binary
// COPY of these is stable across servers: it is the client protocol's
// binary format, which drivers decode from every version. A type created in
// the database (enum, domain, composite, extension type) is not: its OID
// differs on the target, and array and record input check element OIDs.
//
// The reg* types (regclass, regtype, regproc...) are built in, but their
// binary form is the object's OID, which means another object, or none, on
// the target: they stay in text, which names the object.
const builtinBinaryType = `(ty.oid < 16384 AND ty.typsend::oid <> 0 AND ty.typreceive::oid <> 0
       AND (ty.typelem = 0 OR ty.typelem < 16384)
       AND ty.typname NOT LIKE 'reg%' AND ty.typname NOT LIKE '\_reg%')`

// tableInfo is a table (or partitioned table) found in the catalog.
type tableInfo struct {
	OID         uint32
	Schema      string
	Name        string
	Partitioned bool   // relkind p: holds no rows itself
	ParentOID   uint32 // the partitioned parent, for a partition
	Parent      string // "schema.name" of ParentOID
	Unlogged    bool
	Columns     []string // COPY columns in order: no dropped or generated ones
	HeapBytes   int64    // pg_relation_size: the main fork, for ctid splitting
	TableBytes  int64    // pg_table_size: with TOAST, for chunk counts and progress
	Rows        int64    // reltuples: an estimate, 0 when never analyzed
	Binary      bool     // every COPY column has a built-in type with binary I/O: copy in binary format
	Types       []string // format_type of each of Columns
	ReplIdent   string   // pg_class.relreplident: d default (the primary key), n nothing, f full, i index
	Key         []string // unique key: the replica identity index, else the primary key; empty when none
	// ExtensionConfig marks an extension's configuration table: CREATE
	// EXTENSION makes it, the backup copies the rows Condition selects.
	ExtensionConfig bool
	Condition       string
	// RootOID, for a partition under a hash-partitioned table whose key
	// has a type made in the database (an enum...), is its topmost
	// partitioned table: such a type's hash comes from its OIDs, which
	// differ on the target, so the rows are loaded through the root, which
	// routes each to the partition it belongs in there (as pg_dump does).
	RootOID uint32
	LoadVia []string // RootOID's schema and name
}

// hasIdentity reports whether UPDATE and DELETE can be published for t:
// without a replica identity, publishing them would make them fail on the
// source.
//
// An unlogged table writes no WAL, so logical decoding has no changes of
// it to send and PostgreSQL refuses it in a publication: it has no
// identity here whatever its keys, and incrementals copy it whole.
//
// An extension's configuration table stays out of publications too: it
// belongs to the extension, and incrementals copy its few rows whole.
func (t *tableInfo) hasIdentity() bool {
	if t.Unlogged || t.ExtensionConfig {
		return false
	}
	return t.ReplIdent == "f" || (t.ReplIdent == "d" || t.ReplIdent == "i") && len(t.Key) > 0
}

func (t *tableInfo) qualifiedName() string { return t.Schema + "." + t.Name }

// sanitized is the table's quoted, schema-qualified name for SQL.
func (t *tableInfo) sanitized() string { return pgx.Identifier{t.Schema, t.Name}.Sanitize() }

// seqInfo is a sequence in the backup's scope.
type seqInfo struct {
	OID    uint32
	Schema string
	Name   string
	Owner  uint32 // table owning it (serial, identity), 0 when none
}

// catalog is the part of the database a backup covers.
type catalog struct {
	tables    []*tableInfo // tables with rows to copy (no partitioned parents), ordered by name
	sequences []seqInfo
	roles     []collection.Role
	blockSize int64
	// largeObjects counts the database's large objects; unpopulated names
	// the materialized views created WITH NO DATA and never refreshed.
	largeObjects int64
	unpopulated  []string
}

// readCatalog lists the tables and sequences in scope. With names set, only
// those tables (a partitioned table brings all its partitions) and the
// sequences they own; names must match "schema.table" exactly.
func readCatalog(ctx context.Context, c *pgx.Conn, database string, names []string) (*catalog, error) {
	all, err := readTables(ctx, c)
	if err != nil {
		return nil, err
	}
	scope, err := tablesInScope(all, database, names)
	if err != nil {
		return nil, err
	}
	cat := &catalog{}
	for _, t := range all {
		if scope[t.OID] && !t.Partitioned {
			cat.tables = append(cat.tables, t)
		}
	}
	sort.Slice(cat.tables, func(i, j int) bool {
		a, b := cat.tables[i], cat.tables[j]
		if a.Schema != b.Schema {
			return a.Schema < b.Schema
		}
		return a.Name < b.Name
	})
	seqs, err := readSequences(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, s := range seqs {
		if len(names) == 0 || scope[s.Owner] {
			cat.sequences = append(cat.sequences, s)
		}
	}
	if cat.roles, err = readRoles(ctx, c); err != nil {
		return nil, err
	}
	if err := c.QueryRow(ctx, "SELECT current_setting('block_size')::bigint").Scan(&cat.blockSize); err != nil {
		return nil, err
	}
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_largeobject_metadata").Scan(&cat.largeObjects); err != nil {
		return nil, fmt.Errorf("count large objects: %w", err)
	}
	rows, err := c.Query(ctx, `
SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'm' AND NOT c.relispopulated AND `+userNamespace+` AND `+notExtensionMember+`
ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("list materialized views: %w", err)
	}
	if cat.unpopulated, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, fmt.Errorf("list materialized views: %w", err)
	}
	return cat, nil
}

func readTables(ctx context.Context, c *pgx.Conn) ([]*tableInfo, error) {
	rows, err := c.Query(ctx, `
SELECT c.oid, n.nspname, c.relname, c.relkind = 'p', c.relpersistence = 'u',
       coalesce((SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid AND c.relispartition), 0),
       ARRAY(SELECT a.attname FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             ORDER BY a.attnum)::text[],
       ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             ORDER BY a.attnum)::text[],
       c.relreplident::text,
       coalesce((SELECT ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)
                              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.n)::text[]
                 FROM pg_index i WHERE i.indrelid = c.oid AND (i.indisreplident OR i.indisprimary AND c.relreplident <> 'i')
                 ORDER BY i.indisreplident DESC LIMIT 1), '{}'),
       pg_relation_size(c.oid), pg_table_size(c.oid), greatest(c.reltuples, 0)::bigint,
       NOT EXISTS (SELECT FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                     AND NOT `+builtinBinaryType+`),
       `+extensionConfig+`, `+extensionCondition+`, `+hashRoot+`
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.relpersistence IN ('p', 'u') AND `+userNamespace+` AND (`+notExtensionMember+` OR `+extensionConfig+`)`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []*tableInfo
	for rows.Next() {
		t := &tableInfo{}
		if err := rows.Scan(&t.OID, &t.Schema, &t.Name, &t.Partitioned, &t.Unlogged, &t.ParentOID, &t.Columns, &t.Types, &t.ReplIdent, &t.Key, &t.HeapBytes, &t.TableBytes, &t.Rows, &t.Binary, &t.ExtensionConfig, &t.Condition, &t.RootOID); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	byOID := make(map[uint32]*tableInfo, len(out))
	for _, t := range out {
		byOID[t.OID] = t
	}
	for _, t := range out {
		if p := byOID[t.ParentOID]; p != nil {
			t.Parent = p.qualifiedName()
		}
		if r := byOID[t.RootOID]; r != nil {
			t.LoadVia = []string{r.Schema, r.Name}
		}
	}
	return out, nil
}

// tablesInScope returns the OIDs of the tables a backup covers: all of them,
// or the named ones and every partition below a named partitioned table.
func tablesInScope(all []*tableInfo, database string, names []string) (map[uint32]bool, error) {
	scope := make(map[uint32]bool, len(all))
	if len(names) == 0 {
		for _, t := range all {
			scope[t.OID] = true
		}
		return scope, nil
	}
	byName := make(map[string][]*tableInfo, len(all))
	children := make(map[uint32][]*tableInfo)
	for _, t := range all {
		// A schema name may itself contain a dot, so "a.b.c" is compared
		// whole, never split.
		byName[t.qualifiedName()] = append(byName[t.qualifiedName()], t)
		if t.ParentOID != 0 {
			children[t.ParentOID] = append(children[t.ParentOID], t)
		}
	}
	var add func(t *tableInfo)
	add = func(t *tableInfo) {
		scope[t.OID] = true
		for _, ch := range children[t.OID] {
			add(ch)
		}
	}
	var missing []string
	for _, n := range names {
		found := byName[n]
		if len(found) == 0 {
			missing = append(missing, n)
		}
		for _, t := range found {
			add(t)
		}
	}
	switch len(missing) {
	case 0:
		return scope, nil
	case 1:
		return nil, userErrorf(nil, "table %s does not exist in database %s", missing[0], database)
	default:
		return nil, userErrorf(nil, "tables %s do not exist in database %s", strings.Join(missing, ", "), database)
	}
}

func readSequences(ctx context.Context, c *pgx.Conn) ([]seqInfo, error) {
	rows, err := c.Query(ctx, `
SELECT c.oid, n.nspname, c.relname,
       coalesce((SELECT d.refobjid FROM pg_depend d
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND `+userNamespace+` AND (`+notExtensionMember+` OR `+extensionConfig+`)
ORDER BY n.nspname, c.relname`)
	if err != nil {
		return nil, fmt.Errorf("list sequences: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (seqInfo, error) {
		var s seqInfo
		err := r.Scan(&s.OID, &s.Schema, &s.Name, &s.Owner)
		return s, err
	})
}

// readSequenceValues reads each sequence's current state. Sequences are not
// transactional: the value is the current one, not the snapshot's, so it is
// read after the data copy and is at least what any copied row used.
func readSequenceValues(ctx context.Context, c *pgx.Conn, seqs []seqInfo) ([]collection.Sequence, error) {
	out := make([]collection.Sequence, 0, len(seqs))
	for _, s := range seqs {
		v := collection.Sequence{Schema: s.Schema, Name: s.Name}
		q := "SELECT last_value, is_called FROM " + pgx.Identifier{s.Schema, s.Name}.Sanitize()
		if err := c.QueryRow(ctx, q).Scan(&v.LastValue, &v.IsCalled); err != nil {
			return nil, fmt.Errorf("read sequence %s.%s: %w", s.Schema, s.Name, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// readRoles lists the roles the schema refers to: owners of every object a
// schema dump contains, grantees and grantors in their ACLs, default
// privileges, policies, user mappings and settings of a role in the
// database (ALTER ROLE ... IN DATABASE ... SET). All are recorded; the restore
// decides which to create. Predefined pg_* roles exist everywhere and are
// left out. Passwords are never read.
func readRoles(ctx context.Context, c *pgx.Conn) ([]collection.Role, error) {
	rows, err := c.Query(ctx, `
WITH objs(owner, acl) AS (
  SELECT n.nspowner, n.nspacl FROM pg_namespace n WHERE `+userNamespace+`
  UNION ALL SELECT c.relowner, c.relacl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE `+userNamespace+`
  UNION ALL SELECT NULL, a.attacl FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE a.attacl IS NOT NULL AND `+userNamespace+`
  UNION ALL SELECT p.proowner, p.proacl FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE `+userNamespace+`
  UNION ALL SELECT t.typowner, t.typacl FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE `+userNamespace+`
  UNION ALL SELECT o.collowner, NULL FROM pg_collation o JOIN pg_namespace n ON n.oid = o.collnamespace WHERE `+userNamespace+`
  UNION ALL SELECT o.conowner, NULL FROM pg_conversion o JOIN pg_namespace n ON n.oid = o.connamespace WHERE `+userNamespace+`
  UNION ALL SELECT o.oprowner, NULL FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE `+userNamespace+`
  UNION ALL SELECT o.opcowner, NULL FROM pg_opclass o JOIN pg_namespace n ON n.oid = o.opcnamespace WHERE `+userNamespace+`
  UNION ALL SELECT o.opfowner, NULL FROM pg_opfamily o JOIN pg_namespace n ON n.oid = o.opfnamespace WHERE `+userNamespace+`
  UNION ALL SELECT o.cfgowner, NULL FROM pg_ts_config o JOIN pg_namespace n ON n.oid = o.cfgnamespace WHERE `+userNamespace+`
  UNION ALL SELECT o.dictowner, NULL FROM pg_ts_dict o JOIN pg_namespace n ON n.oid = o.dictnamespace WHERE `+userNamespace+`
  UNION ALL SELECT o.stxowner, NULL FROM pg_statistic_ext o JOIN pg_namespace n ON n.oid = o.stxnamespace WHERE `+userNamespace+`
  UNION ALL SELECT fdwowner, fdwacl FROM pg_foreign_data_wrapper
  UNION ALL SELECT srvowner, srvacl FROM pg_foreign_server
  UNION ALL SELECT umuser, NULL FROM pg_user_mapping
  UNION ALL SELECT evtowner, NULL FROM pg_event_trigger
  UNION ALL SELECT pubowner, NULL FROM pg_publication
  UNION ALL SELECT lomowner, lomacl FROM pg_largeobject_metadata
  UNION ALL SELECT defaclrole, defaclacl FROM pg_default_acl
  UNION ALL SELECT unnest(polroles), NULL FROM pg_policy
  UNION ALL SELECT datdba, datacl FROM pg_database WHERE datname = current_database()
  UNION ALL SELECT s.setrole, NULL FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
            WHERE d.datname = current_database() AND s.setrole <> 0
), ids(id) AS (
  SELECT owner FROM objs WHERE owner IS NOT NULL
  UNION SELECT a.grantee FROM objs, aclexplode(objs.acl) a WHERE objs.acl IS NOT NULL
  UNION SELECT a.grantor FROM objs, aclexplode(objs.acl) a WHERE objs.acl IS NOT NULL
)
SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole
FROM pg_roles r JOIN ids ON ids.id = r.oid
WHERE r.rolname NOT LIKE 'pg\_%'
ORDER BY r.rolname`)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.Role, error) {
		var x collection.Role
		err := r.Scan(&x.Name, &x.CanLogin, &x.Superuser, &x.CreateDB, &x.CreateRole)
		return x, err
	})
}

// lockTables takes ACCESS SHARE locks on every table in the meta
// transaction, held to the end of the backup: DROP, TRUNCATE and rewriting
// ALTERs then wait for the backup instead of changing a table under it
// (TRUNCATE is not MVCC-safe: a snapshot older than it sees an empty table).
// lock_timeout (set in connect) makes a table that is locked exclusively by
// someone else fail the backup instead of hanging.
func lockTables(ctx context.Context, c *pgx.Conn, tables []*tableInfo) error {
	const batch = 200
	for i := 0; i < len(tables); i += batch {
		j := min(i+batch, len(tables))
		names := make([]string, 0, j-i)
		for _, t := range tables[i:j] {
			names = append(names, t.sanitized())
		}
		if _, err := c.Exec(ctx, "LOCK TABLE "+strings.Join(names, ", ")+" IN ACCESS SHARE MODE"); err != nil {
			return sourceError(err, "lock the tables to back up", "")
		}
	}
	return nil
}
