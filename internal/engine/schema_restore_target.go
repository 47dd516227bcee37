package engine

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// targetCatalog is what a target database already has, by name, for
// deciding what a table restore creates and what it must not overwrite.
type targetCatalog struct {
	schemas    map[string]bool
	extensions map[string]bool
	types      map[qname]bool // base, enum, domain, range and composite types (not tables' row types)
	functions  map[qname]bool // Name is "name(argument types)" as pg_dump tags functions
	collations map[qname]bool
	relations  map[qname]bool // tables, views, sequences, indexes...
}

// loadTargetCatalog reads the names of the target database's objects.
func loadTargetCatalog(ctx context.Context, conn *pgx.Conn) (*targetCatalog, error) {
	tc := &targetCatalog{
		schemas: map[string]bool{}, extensions: map[string]bool{}, types: map[qname]bool{},
		functions: map[qname]bool{}, collations: map[qname]bool{}, relations: map[qname]bool{},
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	// pg_dump reads type names with search_path = pg_catalog, so argument
	// types outside pg_catalog are schema-qualified in its function tags:
	// format them the same way.
	if _, err := tx.Exec(ctx, "SET LOCAL search_path = pg_catalog"); err != nil {
		return nil, err
	}
	queries := []struct {
		sql string
		add func(schema, name string)
	}{
		{`SELECT '', nspname FROM pg_namespace`, func(_, n string) { tc.schemas[n] = true }},
		{`SELECT '', extname FROM pg_extension`, func(_, n string) { tc.extensions[n] = true }},
		{`SELECT n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
		  LEFT JOIN pg_class c ON c.oid = t.typrelid WHERE t.typrelid = 0 OR c.relkind = 'c'`,
			func(s, n string) { tc.types[qname{s, n}] = true }},
		{`SELECT n.nspname, p.proname || '(' || oidvectortypes(p.proargtypes) || ')' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace`,
			func(s, n string) { tc.functions[qname{s, n}] = true }},
		{`SELECT n.nspname, c.collname FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace`,
			func(s, n string) { tc.collations[qname{s, n}] = true }},
		{`SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`,
			func(s, n string) { tc.relations[qname{s, n}] = true }},
	}
	for _, q := range queries {
		rows, err := tx.Query(ctx, q.sql)
		if err != nil {
			return nil, fmt.Errorf("read the target's catalog: %w", err)
		}
		var s, n string
		_, err = pgx.ForEachRow(rows, []any{&s, &n}, func() error { q.add(s, n); return nil })
		if err != nil {
			return nil, fmt.Errorf("read the target's catalog: %w", err)
		}
	}
	return tc, nil
}

// has reports whether the target has an object of the entry's kind and
// name. For kinds it does not know it says no: the restore creates them,
// and pg_restore reports a clash.
func (tc *targetCatalog) has(e *tocEntry) bool {
	n := qname{e.Namespace, e.Tag}
	switch e.Desc {
	case "SCHEMA":
		return tc.schemas[e.Tag]
	case "EXTENSION":
		return tc.extensions[e.Tag]
	case "TYPE", "DOMAIN", "SHELL TYPE":
		return tc.types[n]
	case "FUNCTION", "PROCEDURE", "AGGREGATE":
		return tc.functions[n]
	case "COLLATION":
		return tc.collations[n]
	case "TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "FOREIGN TABLE", "INDEX":
		return tc.relations[n]
	}
	return false
}

func (tc *targetCatalog) hasRelation(n qname) bool { return tc.relations[n] }
func (tc *targetCatalog) hasType(n qname) bool     { return tc.types[n] }
