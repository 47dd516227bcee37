package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	store "github.com/stratabackup/strata/internal/store/sqlite"
)

// Page sizes for List.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Filter selects entries; zero fields match everything.
type Filter struct {
	From time.Time // inclusive
	To   time.Time // exclusive
	// Actor, Action and Outcome match exactly.
	Actor, Action, Outcome string
	// Target matches target_type or target_id exactly, or "type:id".
	Target string
}

const columns = `id, time, actor, role, source, action, target_type, target_id, params,
	outcome, message, client_addr, request_id, prev_hash, hash, hash_version`

func scanRow(s interface{ Scan(...any) error }, r *row) error {
	return s.Scan(&r.id, &r.time, &r.actor, &r.role, &r.source, &r.action,
		&r.targetType, &r.targetID, &r.params, &r.outcome, &r.message,
		&r.clientAddr, &r.reqID, &r.prevHash, &r.hash, &r.hashVersion)
}

func (r *row) entry() (Entry, error) {
	t, err := time.Parse(time.RFC3339Nano, r.time)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: entry %d: bad time %q", r.id, r.time)
	}
	params, err := decodeParams(r.params)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: entry %d: %w", r.id, err)
	}
	return Entry{
		ID: r.id, Time: t.UTC(), Actor: r.actor, Role: r.role, Source: r.source,
		Action: r.action, TargetType: r.targetType, TargetID: r.targetID,
		Params: params, Outcome: r.outcome, Message: r.message,
		ClientAddr: r.clientAddr, RequestID: r.reqID, PrevHash: r.prevHash, Hash: r.hash,
		HashVersion: int(r.hashVersion),
	}, nil
}

// Get returns the entry with the given id, or ErrNotFound.
func (l *Log) Get(ctx context.Context, id int64) (Entry, error) {
	var r row
	err := scanRow(l.db.QueryRowContext(ctx, `SELECT `+columns+` FROM audit_log WHERE id = ?`, id), &r)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, ErrNotFound
	}
	if err != nil {
		return Entry{}, fmt.Errorf("audit: get %d: %w", id, err)
	}
	return r.entry()
}

// List returns up to limit entries matching f, newest first, with ids below
// before (0: from the newest). next is the before for the following page, or
// 0 when there is none. limit defaults to DefaultLimit and is capped at
// MaxLimit.
func (l *Log) List(ctx context.Context, f Filter, before int64, limit int) (entries []Entry, next int64, err error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	entries, err = l.page(ctx, f, before, limit+1)
	if err != nil {
		return nil, 0, err
	}
	if len(entries) > limit {
		entries = entries[:limit]
		next = entries[limit-1].ID
	}
	return entries, next, nil
}

// page returns up to n entries matching f with ids below before, newest first.
func (l *Log) page(ctx context.Context, f Filter, before int64, n int) ([]Entry, error) {
	lo, hi, empty, err := l.idRange(ctx, f.From, f.To)
	if err != nil || empty {
		return nil, err
	}
	query, args := listQuery(f, before, lo, hi, n)
	rows, err := l.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var entries []Entry
	for rows.Next() {
		var r row
		if err := scanRow(rows, &r); err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		e, err := r.entry()
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return entries, nil
}

// idRange turns a time range into ids lo (inclusive) and hi (exclusive); 0
// means unbounded. This works because times never decrease as ids grow (see
// AppendTx), and lets every query walk ids instead of sorting by time.
func (l *Log) idRange(ctx context.Context, from, to time.Time) (lo, hi int64, empty bool, err error) {
	const firstAtOrAfter = `SELECT id FROM audit_log WHERE time >= ? ORDER BY time LIMIT 1`
	if !from.IsZero() {
		err := l.db.QueryRowContext(ctx, firstAtOrAfter, from.UTC().Format(store.TimeLayout)).Scan(&lo)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, true, nil
		}
		if err != nil {
			return 0, 0, false, fmt.Errorf("audit: list: %w", err)
		}
	}
	if !to.IsZero() {
		err := l.db.QueryRowContext(ctx, firstAtOrAfter, to.UTC().Format(store.TimeLayout)).Scan(&hi)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, 0, false, fmt.Errorf("audit: list: %w", err)
		}
		if hi != 0 && hi <= lo {
			return 0, 0, true, nil
		}
	}
	return lo, hi, false, nil
}

type cond struct {
	sql  string
	args []any
}

// listQuery builds the query for a page. Each filter has an index ending in
// id, so SQLite walks it backwards from before and stops after limit rows.
// A target filter is an OR over different columns, which no single index
// serves in id order; it becomes a UNION ALL of disjoint branches, one per
// index, which SQLite merges in id order.
func listQuery(f Filter, before, lo, hi int64, limit int) (string, []any) {
	var common []cond
	if f.Actor != "" {
		common = append(common, cond{"actor = ?", []any{f.Actor}})
	}
	if f.Action != "" {
		common = append(common, cond{"action = ?", []any{f.Action}})
	}
	if f.Outcome != "" {
		common = append(common, cond{"outcome = ?", []any{f.Outcome}})
	}
	if before > 0 {
		common = append(common, cond{"id < ?", []any{before}})
	}
	if lo > 0 {
		common = append(common, cond{"id >= ?", []any{lo}})
	}
	if hi > 0 {
		common = append(common, cond{"id < ?", []any{hi}})
	}

	branches := [][]cond{common}
	if f.Target != "" {
		branches = nil
		for _, t := range targetConds(f.Target) {
			branches = append(branches, append(common[:len(common):len(common)], t))
		}
	}

	var q strings.Builder
	var args []any
	for i, conds := range branches {
		if i > 0 {
			q.WriteString(" UNION ALL ")
		}
		q.WriteString("SELECT " + columns + " FROM audit_log")
		for j, c := range conds {
			if j == 0 {
				q.WriteString(" WHERE ")
			} else {
				q.WriteString(" AND ")
			}
			q.WriteString(c.sql)
			args = append(args, c.args...)
		}
	}
	q.WriteString(" ORDER BY id DESC LIMIT ?")
	return q.String(), append(args, limit)
}

// targetConds returns disjoint conditions whose union is "target_type = t OR
// target_id = t OR (target_type, target_id) = split(t, ':')". Disjoint, so
// UNION ALL never returns an entry twice.
func targetConds(t string) []cond {
	conds := []cond{
		{"target_type = ?", []any{t}},
		{"target_id = ? AND target_type <> ?", []any{t, t}},
	}
	// typ is a proper prefix of t, so this differs from both conditions above.
	if typ, id, ok := strings.Cut(t, ":"); ok {
		conds = append(conds, cond{"target_id = ? AND target_type = ?", []any{id, typ}})
	}
	return conds
}

// Actions returns the distinct action names, sorted.
func (l *Log) Actions(ctx context.Context) ([]string, error) {
	return l.distinct(ctx, "action")
}

// Actors returns the distinct non-empty actors, sorted.
func (l *Log) Actors(ctx context.Context) ([]string, error) {
	return l.distinct(ctx, "actor")
}

// distinctQuery lists a column's non-empty values with one index seek per
// value (a skip scan) instead of reading the whole index.
const distinctQuery = `WITH RECURSIVE v(x) AS (
		SELECT min(col) FROM audit_log WHERE col > ''
		UNION ALL
		SELECT (SELECT min(col) FROM audit_log WHERE col > v.x) FROM v WHERE v.x IS NOT NULL
	)
	SELECT x FROM v WHERE x IS NOT NULL`

// distinct runs distinctQuery for column, one of the indexed columns.
func (l *Log) distinct(ctx context.Context, column string) ([]string, error) {
	query := strings.ReplaceAll(distinctQuery, "col", column)
	rows, err := l.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("audit: list %ss: %w", column, err)
	}
	defer rows.Close()
	values := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("audit: list %ss: %w", column, err)
		}
		values = append(values, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit: list %ss: %w", column, err)
	}
	return values, nil
}
