package engine

import (
	"context"
	"slices"
	"testing"

	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

func TestTablesWithoutIdentityAndSettingFull(t *testing.T) {
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "shop")
	pg.Exec(t, "shop", `
CREATE TABLE no_pk (x int);
CREATE TABLE nothing (id int PRIMARY KEY);
ALTER TABLE nothing REPLICA IDENTITY NOTHING;
CREATE TABLE with_pk (id int PRIMARY KEY);
CREATE TABLE full_t (x int);
ALTER TABLE full_t REPLICA IDENTITY FULL;
CREATE UNLOGGED TABLE unlogged_t (x int);
CREATE TABLE by_index (x int NOT NULL);
CREATE UNIQUE INDEX by_index_x ON by_index (x);
ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_x;
CREATE TABLE lost_index (x int NOT NULL);
CREATE UNIQUE INDEX lost_index_x ON lost_index (x);
ALTER TABLE lost_index REPLICA IDENTITY USING INDEX lost_index_x;
DROP INDEX lost_index_x;
CREATE TABLE parted (x int) PARTITION BY RANGE (x);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE SCHEMA a; CREATE TABLE a."b.c" (id int PRIMARY KEY);
CREATE SCHEMA "a.b"; CREATE TABLE "a.b".c (x int);
CREATE VIEW v AS SELECT * FROM no_pk;
`)
	// Another session's temporary table is no concern of backups.
	temp := pg.Connect(t, "shop")
	if _, err := temp.Exec(context.Background(), "CREATE TEMP TABLE scratch (x int)"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dsn := pg.DSN("shop")

	list := func() []string {
		t.Helper()
		names, err := TablesWithoutIdentity(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	want := []string{"a.b.c", "public.lost_index", "public.no_pk", "public.nothing", "public.parted_1"}
	if got := list(); !slices.Equal(got, want) {
		t.Fatalf("tables without identity = %v, want %v", got, want)
	}

	// A name that is not such a table refuses the whole change.
	err := SetReplicaIdentityFull(ctx, dsn, []string{"public.no_pk", "public.with_pk", "public.nope"})
	wantUserError(t, err, "public.nope, public.with_pk are not tables without a replica identity", "nothing was changed")
	if got := list(); !slices.Equal(got, want) {
		t.Fatalf("after a refusal: %v, want %v", got, want)
	}
	wantUserError(t, SetReplicaIdentityFull(ctx, dsn, nil), "choose at least one table")

	// "a.b.c" is table c of schema "a.b", not table "b.c" of schema a.
	if err := SetReplicaIdentityFull(ctx, dsn, []string{"public.no_pk", "a.b.c", "public.no_pk"}); err != nil {
		t.Fatal(err)
	}
	if got, want := list(), []string{"public.lost_index", "public.nothing", "public.parted_1"}; !slices.Equal(got, want) {
		t.Fatalf("after setting FULL: %v, want %v", got, want)
	}
	var idents []string
	rows, err := pg.Connect(t, "shop").Query(ctx, `SELECT format('%I.%I=%s', n.nspname, c.relname, c.relreplident)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid IN ('public.no_pk'::regclass, '"a.b".c'::regclass, 'a."b.c"'::regclass) ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		idents = append(idents, s)
	}
	if want := []string{`"a.b".c=f`, `a."b.c"=d`, `public.no_pk=f`}; !slices.Equal(idents, want) {
		t.Errorf("replica identities = %v, want %v", idents, want)
	}
}
