package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/audit"
)

// Audit keeps the audit log in the state store.
type Audit struct{ db *sql.DB }

// NewAudit returns the audit log of the state store db.
func NewAudit(db *sql.DB) *Audit { return &Audit{db: db} }

var _ audit.Store = (*Audit)(nil)

const auditColumns = `id, time, actor, role, source, action, target_type, target_id, params,
	outcome, message, client_addr, request_id, prev_hash, hash, hash_version`

func scanAuditRow(s scanner, r *audit.Row) error {
	return s.Scan(&r.ID, &r.Time, &r.Actor, &r.Role, &r.Source, &r.Action,
		&r.TargetType, &r.TargetID, &r.Params, &r.Outcome, &r.Message,
		&r.ClientAddr, &r.RequestID, &r.PrevHash, &r.Hash, &r.HashVersion)
}

// Append implements [audit.Store]. Its transaction takes the write lock at
// BEGIN: that is what stops two appenders, even in different processes,
// from both extending the same chain head.
func (a *Audit) Append(ctx context.Context, rows func(audit.Head) ([]audit.Row, error)) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	defer tx.Rollback()
	if err := appendRows(ctx, tx, rows); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

func appendRows(ctx context.Context, tx *sql.Tx, rows func(audit.Head) ([]audit.Row, error)) error {
	head, err := readHead(ctx, tx)
	if err != nil {
		return err
	}
	list, err := rows(head)
	if err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit_log
		(id, time, actor, role, source, action, target_type, target_id, params,
		 outcome, message, client_addr, request_id, prev_hash, hash, hash_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	defer stmt.Close()
	for _, r := range list {
		_, err = stmt.ExecContext(ctx, r.ID, r.Time, r.Actor, r.Role, r.Source, r.Action,
			r.TargetType, r.TargetID, r.Params, r.Outcome, r.Message, r.ClientAddr,
			r.RequestID, r.PrevHash, r.Hash, r.HashVersion)
		if err != nil {
			return fmt.Errorf("audit: append: %w", err)
		}
	}
	return nil
}

func readHead(ctx context.Context, tx *sql.Tx) (audit.Head, error) {
	var h audit.Head
	var t string
	err := tx.QueryRowContext(ctx,
		`SELECT id, time, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&h.ID, &t, &h.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Head{}, nil
	}
	if err != nil {
		return h, fmt.Errorf("audit: read chain head: %w", err)
	}
	if h.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
		return h, fmt.Errorf("audit: entry %d: bad time %q", h.ID, t)
	}
	return h, nil
}

// Newest implements [audit.Store].
func (a *Audit) Newest(ctx context.Context) (id int64, hash string, err error) {
	err = a.db.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return id, hash, err
}

// FirstKeyed implements [audit.Store].
func (a *Audit) FirstKeyed(ctx context.Context) (int64, error) {
	var id int64
	err := a.db.QueryRowContext(ctx, `SELECT id FROM audit_log WHERE hash_version = ? ORDER BY id LIMIT 1`, audit.HashHMAC).Scan(&id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("audit: first keyed entry: %w", err)
	}
	return id, nil
}

// Get implements [audit.Store].
func (a *Audit) Get(ctx context.Context, id int64) (audit.Row, error) {
	var r audit.Row
	err := scanAuditRow(a.db.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE id = ?`, id), &r)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Row{}, audit.ErrNotFound
	}
	if err != nil {
		return audit.Row{}, fmt.Errorf("audit: get %d: %w", id, err)
	}
	return r, nil
}

// Walk implements [audit.Store].
func (a *Audit) Walk(ctx context.Context, visit func(*audit.Row)) error {
	rows, err := a.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r audit.Row
	for rows.Next() {
		if err := scanAuditRow(rows, &r); err != nil {
			return err
		}
		visit(&r)
	}
	return rows.Err()
}

// List implements [audit.Store].
func (a *Audit) List(ctx context.Context, f audit.Filter, before int64, limit int) ([]audit.Row, error) {
	lo, hi, empty, err := a.idRange(ctx, f.From, f.To)
	if err != nil || empty {
		return nil, err
	}
	query, args := listQuery(f, before, lo, hi, limit)
	return list(ctx, a.db, "audit: list", func(row scanner) (r audit.Row, err error) { return r, scanAuditRow(row, &r) },
		query, args...)
}

// idRange turns a time range into ids lo (inclusive) and hi (exclusive); 0
// means unbounded. This works because times never decrease as ids grow (see
// audit.Log.Append), and lets every query walk ids instead of sorting by
// time.
func (a *Audit) idRange(ctx context.Context, from, to time.Time) (lo, hi int64, empty bool, err error) {
	const firstAtOrAfter = `SELECT id FROM audit_log WHERE time >= ? ORDER BY time LIMIT 1`
	if !from.IsZero() {
		err := a.db.QueryRowContext(ctx, firstAtOrAfter, from.UTC().Format(audit.TimeLayout)).Scan(&lo)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, true, nil
		}
		if err != nil {
			return 0, 0, false, fmt.Errorf("audit: list: %w", err)
		}
	}
	if !to.IsZero() {
		err := a.db.QueryRowContext(ctx, firstAtOrAfter, to.UTC().Format(audit.TimeLayout)).Scan(&hi)
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
func listQuery(f audit.Filter, before, lo, hi int64, limit int) (string, []any) {
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
		q.WriteString("SELECT " + auditColumns + " FROM audit_log")
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

// Actions implements [audit.Store].
func (a *Audit) Actions(ctx context.Context) ([]string, error) {
	return a.distinct(ctx, "action")
}

// Actors implements [audit.Store].
func (a *Audit) Actors(ctx context.Context) ([]string, error) {
	return a.distinct(ctx, "actor")
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
func (a *Audit) distinct(ctx context.Context, column string) ([]string, error) {
	query := strings.ReplaceAll(distinctQuery, "col", column)
	rows, err := a.db.QueryContext(ctx, query)
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
