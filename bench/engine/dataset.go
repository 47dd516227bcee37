package main

// The dataset: four tables of mixed types whose COPY text compresses about
// like real application data (zstd-1 ≈ 2.5×), not like repeat('x'). Values
// come from generate_series and random(): names, cities and words drawn from
// small vocabularies (real data repeats those too), md5/uuid hex (hard to
// compress), timestamps, numerics, jsonb, booleans, and NULLs.

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// datasetTag marks a finished dataset (as the database's comment), so that
// a kept work folder can be reused; change it when the generator changes.
const datasetTag = "strata-bench dataset v2"

// table is one table of the dataset.
type table struct {
	name    string
	share   float64 // of the total size (pg_total_relation_size)
	create  string
	indexes []string // run after the load: the primary key and a secondary index
	insert  string   // INSERT for ids $1..$2; {customers} stands for the number of customers
}

var tables = []table{
	{
		name:  "customers",
		share: 0.20,
		create: `CREATE TABLE customers (
  id          bigint NOT NULL,
  email       text NOT NULL,
  full_name   text NOT NULL,
  password    text NOT NULL,
  city        text,
  country     text NOT NULL,
  balance     numeric(14,2) NOT NULL,
  signup_at   timestamptz NOT NULL,
  last_login  timestamptz,
  active      boolean NOT NULL,
  referral    uuid,
  notes       text)`,
		indexes: []string{
			"ALTER TABLE customers ADD PRIMARY KEY (id)",
			"CREATE INDEX customers_email_idx ON customers (email)",
		},
		insert: `INSERT INTO customers
SELECT s.g,
  lower(v.fn[s.fi]) || '.' || lower(v.ln[s.li]) || mod(s.g, 997) || '@' || ` + pick("dom") + `,
  v.fn[s.fi] || ' ' || v.ln[s.li],
  '$2b$10$' || ` + randomBase64(32) + `,
  CASE WHEN s.r1 < 0.05 THEN NULL ELSE ` + pick("city") + ` END,
  ` + pick("country") + `,
  round((random() * 25000 - 2500)::numeric, 2),
  timestamptz '2019-01-01 00:00:00+00' + s.g * interval '37 seconds' + random() * interval '1 day',
  CASE WHEN s.r2 < 0.15 THEN NULL ELSE timestamptz '2024-06-01 00:00:00+00' + random() * interval '400 days' END,
  s.r3 < 0.82,
  CASE WHEN s.r4 < 0.4 THEN NULL ELSE gen_random_uuid() END,
  CASE WHEN s.r5 < 0.7 THEN NULL ELSE ` + words(3, 25) + ` END
FROM v, (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                1 + floor(random() * ` + lenOf("fn") + `)::int AS fi, 1 + floor(random() * ` + lenOf("ln") + `)::int AS li
         FROM generate_series($1::bigint, $2::bigint) g) s`,
	},
	{
		name:  "orders",
		share: 0.35,
		create: `CREATE TABLE orders (
  id               bigint NOT NULL,
  customer_id      bigint NOT NULL,
  status           text NOT NULL,
  currency         text NOT NULL,
  amount           numeric(12,2) NOT NULL,
  tax              numeric(12,2),
  items            integer NOT NULL,
  created_at       timestamptz NOT NULL,
  shipped_at       timestamptz,
  paid             boolean NOT NULL,
  payment_ref      text,
  coupon           text,
  shipping_address text NOT NULL,
  comment          text)`,
		indexes: []string{
			"ALTER TABLE orders ADD PRIMARY KEY (id)",
			"CREATE INDEX orders_customer_id_idx ON orders (customer_id)",
		},
		insert: `INSERT INTO orders
SELECT s.g,
  1 + floor(random() * {customers})::bigint,
  v.status[s.st],
  ` + pick("currency") + `,
  s.amount,
  CASE WHEN s.r1 < 0.1 THEN NULL ELSE round(s.amount * 0.19, 2) END,
  1 + floor(random() * random() * 12)::int,
  s.created,
  CASE WHEN v.status[s.st] IN ('pending', 'cancelled') THEN NULL ELSE s.created + random() * interval '6 days' END,
  s.paid,
  CASE WHEN s.paid THEN 'pi_' || ` + randomBase64(16) + ` END,
  CASE WHEN s.r2 < 0.85 THEN NULL ELSE upper(substr(md5(random()::text), 1, 8)) END,
  (1 + floor(random() * 9999))::text || ' ' || initcap(` + pick("w") + `) || ' ' || ` + pick("street") + ` || ', ' || ` + pick("city") + `,
  CASE WHEN s.r3 < 0.75 THEN NULL ELSE ` + words(2, 18) + ` END
FROM v, (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() < 0.9 AS paid,
                1 + floor(random() * ` + lenOf("status") + `)::int AS st,
                round(exp(random() * 7)::numeric, 2) AS amount,
                timestamptz '2021-01-01 00:00:00+00' + g * interval '13 seconds' + random() * interval '1 hour' AS created
         FROM generate_series($1::bigint, $2::bigint) g) s`,
	},
	{
		name:  "events",
		share: 0.30,
		create: `CREATE TABLE events (
  id          bigint NOT NULL,
  event_id    uuid NOT NULL,
  occurred_at timestamptz NOT NULL,
  kind        text NOT NULL,
  user_id     bigint,
  session     text NOT NULL,
  payload     jsonb NOT NULL,
  ok          boolean)`,
		indexes: []string{
			"ALTER TABLE events ADD PRIMARY KEY (id)",
			"CREATE INDEX events_occurred_at_idx ON events (occurred_at)",
		},
		insert: `INSERT INTO events
SELECT s.g,
  gen_random_uuid(),
  timestamptz '2024-01-01 00:00:00+00' + s.g * interval '2 seconds' + random() * interval '5 seconds',
  ` + pick("kind") + `,
  CASE WHEN s.r1 < 0.2 THEN NULL ELSE 1 + floor(random() * {customers})::bigint END,
  md5((s.g / 5)::text),
  jsonb_build_object(
    'path', '/' || ` + pick("w") + ` || '/' || ` + pick("w") + ` || '/' || floor(random() * 5000)::int,
    'status', ` + pick("http") + `,
    'ms', floor(random() * random() * 3000)::int,
    'agent', ` + pick("agent") + `,
    'ip', floor(random() * 223 + 1)::int || '.' || floor(random() * 256)::int || '.' || floor(random() * 256)::int || '.' || floor(random() * 256)::int,
    'trace', substr(md5(random()::text), 1, 16),
    'ref', CASE WHEN s.r2 < 0.5 THEN NULL ELSE 'https://' || ` + pick("dom") + ` || '/' || substr(md5(random()::text), 1, 10) END,
    'tags', jsonb_build_array(` + pick("w") + `, ` + pick("w") + `),
    'score', round(random()::numeric, 4)),
  CASE WHEN s.r3 < 0.01 THEN NULL ELSE s.r3 < 0.97 END
FROM v, (SELECT g, random() AS r1, random() AS r2, random() AS r3
         FROM generate_series($1::bigint, $2::bigint) g) s`,
	},
	{
		name:  "documents",
		share: 0.15,
		create: `CREATE TABLE documents (
  id         bigint NOT NULL,
  owner_id   bigint NOT NULL,
  title      text NOT NULL,
  body       text NOT NULL,
  checksum   text NOT NULL,
  version    integer NOT NULL,
  updated_at timestamptz NOT NULL,
  published  boolean NOT NULL)`,
		indexes: []string{
			"ALTER TABLE documents ADD PRIMARY KEY (id)",
			"CREATE INDEX documents_owner_id_idx ON documents (owner_id)",
		},
		// Bodies of 30–600 words (some TOASTed), with an md5 reference in some.
		insert: `INSERT INTO documents
SELECT s.g,
  1 + floor(random() * {customers})::bigint,
  initcap(` + words(3, 9) + `),
  s.body,
  md5(s.body),
  1 + floor(random() * random() * 20)::int,
  timestamptz '2022-01-01 00:00:00+00' + random() * interval '1000 days',
  random() < 0.6
FROM v, (SELECT g, ` + words(30, 600) + ` || CASE WHEN random() < 0.6 THEN ' ref:' || md5(random()::text) ELSE '' END AS body
         FROM v, generate_series($1::bigint, $2::bigint) g) s`,
	},
}

// Vocabularies, as one-row CTE v of text arrays that the INSERTs draw from.
var vocab = []struct {
	name  string
	items []string
}{
	{"w", strings.Fields(`the of and to in is that for it as was with be by on not he this are or his from at which
but have an had they you were their one all we can her has there been if more when will would who so no
account address after again against amount answer area around available back balance bank because before
below between bill billing board body book both business buy call card case cart change check city client
close company contract cost country credit customer data date day delivery department design detail device
discount document each early email end error event every fast field file first follow form free friday from
good group help high history home hour image important include invoice issue item job just keep key kind
large last late later leave level light limit line list local long look main make manager many market may
member message method minute model monday month move name need network new next note number offer office
open order other page paid part pay payment people period phone place plan please point policy price
print problem process product program project public quality question quick ready reason receipt record
refund region report request result return review right room rule sale same saturday schedule search season
second section security send server service session set ship shipping short sign simple site size small
software sorry sound start state status still store street subject summary sunday support system table team
term test thank thanks that thursday ticket time today total track transfer tuesday type under update user
value version view wait want warehouse web wednesday week welcome while work world year yes yesterday`)},
	{"fn", strings.Fields(`James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard
Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Margaret
Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda
Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan
Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry Pamela Justin
Emma Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory Christine Alexander Debra Frank
Rachel Patrick Carolyn Raymond Janet Jack Catherine Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose
Julie Adam Olivia Nathan Joyce Henry Virginia Douglas Victoria Zachary Kelly Peter Lauren Kyle Christina
Noah Joan Ethan Evelyn Jeremy Judith Walter Megan Christian Andrea Keith Cheryl Roger Hannah Terry Jacqueline`)},
	{"ln", strings.Fields(`Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez
Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson
Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards
Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed
Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes
Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan
Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander
Hamilton Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina`)},
	{"city", strings.Fields(`Amsterdam Athens Barcelona Berlin Bordeaux Bratislava Brussels Bucharest Budapest Cologne
Copenhagen Dublin Edinburgh Florence Frankfurt Geneva Genoa Gothenburg Hamburg Helsinki Krakow Leipzig Lisbon
Ljubljana London Lyon Madrid Manchester Marseille Milan Munich Naples Nice Oslo Paris Porto Prague Riga Rome
Rotterdam Seville Sofia Stockholm Stuttgart Tallinn Turin Valencia Vienna Vilnius Warsaw Zagreb Zurich Austin
Boston Chicago Denver Houston Montreal Portland Seattle Toronto Vancouver`)},
	{"country", strings.Fields(`DE DE DE FR FR FR GB GB IT IT ES ES NL NL BE AT CH SE NO DK FI PL CZ PT IE US US US CA HU RO GR`)},
	{"dom", strings.Fields(`gmail.com gmail.com gmail.com yahoo.com outlook.com hotmail.com proton.me icloud.com gmx.de web.de
orange.fr free.fr example.com example.org mail.com fastmail.com`)},
	{"status", strings.Fields(`delivered delivered delivered delivered shipped shipped paid paid pending cancelled refunded`)},
	{"currency", strings.Fields(`EUR EUR EUR USD USD USD GBP GBP CHF SEK PLN JPY`)},
	{"street", strings.Fields(`Street Street Avenue Road Lane Way Boulevard Square Place Drive`)},
	{"kind", strings.Fields(`page_view page_view page_view page_view click click search add_to_cart checkout login logout signup error`)},
	{"http", strings.Fields(`200 200 200 200 200 200 200 201 204 301 304 304 400 401 403 404 404 500 503`)},
	{"agent", strings.Fields(`chrome-124/win chrome-124/win chrome-123/win safari-17/mac chrome-124/mac firefox-125/linux
safari/ios-17 safari/ios-16 chrome-124/android chrome-122/android curl/8.5 okhttp/4.12 python-requests/2.31`)},
}

func vocabulary(name string) []string {
	for _, v := range vocab {
		if v.name == name {
			return v.items
		}
	}
	panic("no vocabulary " + name)
}

// lenOf is the size of vocabulary name, as SQL.
func lenOf(name string) string { return fmt.Sprint(len(vocabulary(name))) }

// pick is a random element of vocabulary name, as SQL.
func pick(name string) string {
	return fmt.Sprintf("v.%s[1 + floor(random() * %d)::int]", name, len(vocabulary(name)))
}

// randomBase64 is n random bytes in base64 without padding, as SQL: like
// password hashes, tokens and payment ids, nearly incompressible.
func randomBase64(n int) string {
	hex := make([]string, (n+15)/16)
	for i := range hex {
		hex[i] = "md5(random()::text)"
	}
	return fmt.Sprintf("rtrim(encode(decode(left(%s, %d), 'hex'), 'base64'), '=')", strings.Join(hex, " || "), 2*n)
}

// words is min..max random words, as SQL. The reference to g makes the
// subquery correlated, so it runs for every row instead of once.
func words(min, max int) string {
	return fmt.Sprintf("(SELECT string_agg(x.word, ' ') FROM (SELECT %s AS word FROM generate_series(1, %d + floor(random() * %d)::int + 0 * g::int)) x)",
		pick("w"), min, max-min+1)
}

// vocabCTE is the WITH clause defining v.
func vocabCTE() string {
	var cols []string
	for _, v := range vocab {
		quoted := make([]string, len(v.items))
		for i, it := range v.items {
			quoted[i] = "'" + strings.ReplaceAll(it, "'", "''") + "'"
		}
		cols = append(cols, "ARRAY["+strings.Join(quoted, ",")+"] AS "+v.name)
	}
	return "WITH v AS MATERIALIZED (SELECT " + strings.Join(cols, ",\n  ") + ")\n"
}

// insertSQL is t's INSERT for ids $1..$2.
func (t table) insertSQL(customers int64) string {
	return vocabCTE() + strings.ReplaceAll(t.insert, "{customers}", fmt.Sprint(customers))
}

// datasetInfo describes the generated dataset.
type datasetInfo struct {
	Rows       map[string]int64
	TotalBytes int64 // sum of pg_total_relation_size: heap, TOAST and indexes
	HeapBytes  int64 // sum of pg_table_size: heap and TOAST
	Generated  time.Duration
	Reused     bool
}

// existingDataset returns the dataset in the database dsn names when a
// previous run finished one of at least minBytes there.
func existingDataset(ctx context.Context, dsn string, minBytes int64) (*datasetInfo, bool, error) {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, false, err
	}
	defer c.Close(ctx)
	var comment *string
	if err := c.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()").Scan(&comment); err != nil {
		return nil, false, err
	}
	if comment == nil || *comment != datasetTag {
		return nil, false, nil
	}
	info, err := measureDataset(ctx, c)
	if err != nil || info.TotalBytes < minBytes {
		return nil, false, err
	}
	info.Reused = true
	return info, true, nil
}

// generate fills the database dsn names (which must be empty) with at least
// minBytes of table data, on workers connections. It calibrates the bytes per row of
// each table on a small sample first, then loads without indexes, builds
// the indexes, and VACUUM FREEZE ANALYZEs, so that every tool measured
// afterwards reads settled pages (hint bits set, visibility map full).
func generate(ctx context.Context, dsn string, minBytes int64, workers int, logf func(string, ...any)) (*datasetInfo, error) {
	began := time.Now()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer c.Close(ctx)

	const sample = 20000
	logf("calibrating bytes per row on %d rows per table", sample)
	if err := createTables(ctx, c); err != nil {
		return nil, err
	}
	if err := runParallel(ctx, dsn, workers, loadJobs(map[string][2]int64{
		"customers": {1, sample}, "orders": {1, sample}, "events": {1, sample}, "documents": {1, sample},
	}, sample)); err != nil {
		return nil, err
	}
	if err := runParallel(ctx, dsn, workers, indexJobs()); err != nil {
		return nil, err
	}
	if err := runParallel(ctx, dsn, workers, vacuumJobs()); err != nil {
		return nil, err
	}
	perRow := map[string]float64{}
	for _, t := range tables {
		var size int64
		if err := c.QueryRow(ctx, "SELECT pg_total_relation_size($1::regclass)", t.name).Scan(&size); err != nil {
			return nil, err
		}
		perRow[t.name] = float64(size) / sample
	}
	for _, t := range tables {
		if _, err := c.Exec(ctx, "DROP TABLE "+t.name); err != nil {
			return nil, err
		}
	}

	// 3% over, as large indexes and tables are a little denser than small ones.
	rows := map[string]int64{}
	for _, t := range tables {
		rows[t.name] = int64(math.Ceil(float64(minBytes) * 1.03 * t.share / perRow[t.name]))
	}
	logf("loading %d customers, %d orders, %d events, %d documents", rows["customers"], rows["orders"], rows["events"], rows["documents"])
	if err := createTables(ctx, c); err != nil {
		return nil, err
	}
	ranges := map[string][2]int64{}
	for name, n := range rows {
		ranges[name] = [2]int64{1, n}
	}
	if err := runParallel(ctx, dsn, workers, loadJobs(ranges, rows["customers"])); err != nil {
		return nil, err
	}
	logf("building indexes")
	if err := runParallel(ctx, dsn, workers, indexJobs()); err != nil {
		return nil, err
	}
	logf("VACUUM FREEZE ANALYZE")
	if err := runParallel(ctx, dsn, workers, vacuumJobs()); err != nil {
		return nil, err
	}
	info, err := measureDataset(ctx, c)
	if err != nil {
		return nil, err
	}
	// Should the estimate fall short, top up every table in proportion.
	for info.TotalBytes < minBytes {
		f := float64(minBytes)/float64(info.TotalBytes) - 1 + 0.01
		logf("%.0f MB is short of %.0f MB: adding %.1f%% more rows", mb(info.TotalBytes), mb(minBytes), f*100)
		ranges := map[string][2]int64{}
		for name, n := range info.Rows {
			ranges[name] = [2]int64{n + 1, n + int64(math.Ceil(float64(n)*f))}
		}
		if err := runParallel(ctx, dsn, workers, loadJobs(ranges, info.Rows["customers"])); err != nil {
			return nil, err
		}
		if err := runParallel(ctx, dsn, workers, vacuumJobs()); err != nil {
			return nil, err
		}
		if info, err = measureDataset(ctx, c); err != nil {
			return nil, err
		}
	}
	if _, err := c.Exec(ctx, "CHECKPOINT"); err != nil {
		return nil, err
	}
	if _, err := c.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{c.Config().Database}.Sanitize()+" IS '"+datasetTag+"'"); err != nil {
		return nil, err
	}
	info.Generated = time.Since(began)
	return info, nil
}

func createTables(ctx context.Context, c *pgx.Conn) error {
	for _, t := range tables {
		if _, err := c.Exec(ctx, t.create); err != nil {
			return fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	return nil
}

// job is one SQL statement with arguments, run by runParallel.
type job struct {
	sql  string
	args []any
}

// loadJobs splits each table's id range into parts of at most 250k rows,
// so that two workers stay busy until the end.
func loadJobs(ranges map[string][2]int64, customers int64) []job {
	const part = 250000
	var jobs []job
	for _, t := range tables {
		r, ok := ranges[t.name]
		if !ok || r[1] < r[0] {
			continue
		}
		sql := t.insertSQL(customers)
		for from := r[0]; from <= r[1]; from += part {
			jobs = append(jobs, job{sql: sql, args: []any{from, min(from+part-1, r[1])}})
		}
	}
	return jobs
}

func indexJobs() []job {
	var jobs []job
	for _, t := range tables {
		for _, sql := range t.indexes {
			jobs = append(jobs, job{sql: sql})
		}
	}
	return jobs
}

func vacuumJobs() []job {
	var jobs []job
	for _, t := range tables {
		jobs = append(jobs, job{sql: "VACUUM (FREEZE, ANALYZE) " + t.name})
	}
	return jobs
}

// runParallel runs jobs on n connections, stopping at the first error.
func runParallel(ctx context.Context, dsn string, n int, jobs []job) error {
	return onConnections(ctx, dsn, n, jobs, func(ctx context.Context, c *pgx.Conn, j job) error {
		if _, err := c.Exec(ctx, j.sql, j.args...); err != nil {
			return fmt.Errorf("%.60s…: %w", strings.TrimSpace(strings.TrimPrefix(j.sql, vocabCTE())), err)
		}
		return nil
	})
}

// onConnections hands items to do on n connections of their own, stopping
// at the first error.
func onConnections[T any](ctx context.Context, dsn string, n int, items []T, do func(context.Context, *pgx.Conn, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan T)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := pgx.Connect(ctx, dsn)
			if err != nil {
				cancel(err)
				return
			}
			defer c.Close(context.WithoutCancel(ctx))
			for item := range work {
				if err := do(ctx, c, item); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
feed:
	for _, item := range items {
		select {
		case work <- item:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	return context.Cause(ctx)
}

// measureDataset reads the tables' row counts and sizes.
func measureDataset(ctx context.Context, c *pgx.Conn) (*datasetInfo, error) {
	info := &datasetInfo{Rows: map[string]int64{}}
	for _, t := range tables {
		var n, total, heap int64
		err := c.QueryRow(ctx, "SELECT count(*), pg_total_relation_size($1::regclass), pg_table_size($1::regclass) FROM "+t.name, t.name).Scan(&n, &total, &heap)
		if err != nil {
			return nil, err
		}
		info.Rows[t.name] = n
		info.TotalBytes += total
		info.HeapBytes += heap
	}
	return info, nil
}
