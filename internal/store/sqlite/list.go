package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

type scanner interface{ Scan(dest ...any) error }

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// list returns the rows of query, each read with scan. Its errors begin
// with doing ("auth: list users").
func list[T any](ctx context.Context, db *sql.DB, doing string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", doing, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	return out, nil
}

// exists reports whether query, a SELECT, finds a row. Its errors begin
// with doing.
func exists(ctx context.Context, q querier, doing, query string, args ...any) (bool, error) {
	var found bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (`+query+`)`, args...).Scan(&found); err != nil {
		return false, fmt.Errorf("%s: %w", doing, err)
	}
	return found, nil
}

// insert runs stmt, an INSERT, and returns the new row's id. Its errors
// begin with doing.
func insert(ctx context.Context, tx *sql.Tx, doing, stmt string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, stmt, args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", doing, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", doing, err)
	}
	return id, nil
}

// placeholders is n comma-separated question marks, for IN (…).
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// anys is xs as query arguments.
func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
