package engine

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Each chain has a publication named like its slot: the tables whose
// changes the slot's pgoutput stream carries. It lists tables one by one,
// never FOR ALL TABLES: a table without a replica identity in a publication
// that publishes UPDATE and DELETE makes those statements fail on the
// source, so such tables stay out, and incrementals copy them whole. A
// table created later joins at the next incremental, which copies it whole
// once (its changes before it joined were not published).

// createPublication creates publication name for the tables of tables that
// have a replica identity. It is made before the slot: pgoutput reads the
// publication as of each change's position, and one created after the slot
// would not exist for the earliest changes.
func createPublication(ctx context.Context, c *pgx.Conn, name string, tables []*tableInfo) error {
	sql := "CREATE PUBLICATION " + pgx.Identifier{name}.Sanitize()
	var pub []*tableInfo
	for _, t := range tables {
		if !t.Partitioned && t.hasIdentity() {
			pub = append(pub, t)
		}
	}
	if len(pub) > 0 {
		sql += " FOR TABLE " + sqlNames(pub)
	}
	_, err := c.Exec(ctx, sql+" WITH (publish = 'insert, update, delete, truncate')")
	return err
}

// publicationMembers returns the OIDs of the tables in publication name.
func publicationMembers(ctx context.Context, c *pgx.Conn, name string) (map[uint32]bool, error) {
	rows, err := c.Query(ctx, `SELECT r.prrelid FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid WHERE p.pubname = $1`, name)
	if err != nil {
		return nil, err
	}
	oids, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
	if err != nil {
		return nil, err
	}
	out := make(map[uint32]bool, len(oids))
	for _, o := range oids {
		out[o] = true
	}
	return out, nil
}

// syncPublication adds the tables in scope that have a replica identity but
// are not published yet (created since the last layer), and removes those
// that lost theirs (so UPDATE and DELETE on them keep working).
func syncPublication(ctx context.Context, c *pgx.Conn, name string, tables []*tableInfo) error {
	members, err := publicationMembers(ctx, c, name)
	if err != nil {
		return err
	}
	var add, drop []*tableInfo
	for _, t := range tables {
		switch {
		case t.Partitioned:
		case t.hasIdentity() && !members[t.OID]:
			add = append(add, t)
		case !t.hasIdentity() && members[t.OID]:
			drop = append(drop, t)
		}
	}
	pub := pgx.Identifier{name}.Sanitize()
	if len(drop) > 0 {
		if _, err := c.Exec(ctx, "ALTER PUBLICATION "+pub+" DROP TABLE "+sqlNames(drop)); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		if _, err := c.Exec(ctx, "ALTER PUBLICATION "+pub+" ADD TABLE "+sqlNames(add)); err != nil {
			return err
		}
	}
	return nil
}

func sqlNames(tables []*tableInfo) string {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.sanitized()
	}
	return strings.Join(names, ", ")
}

// dropPublication drops publication name if it exists.
func dropPublication(ctx context.Context, c *pgx.Conn, name string) error {
	_, err := c.Exec(ctx, "DROP PUBLICATION IF EXISTS "+pgx.Identifier{name}.Sanitize())
	return err
}
