package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/auth"
)

// Auth keeps users, their sessions and API keys in the state store.
type Auth struct{ db *sql.DB }

// NewAuth returns the users, sessions and API keys of the state store db.
func NewAuth(db *sql.DB) *Auth { return &Auth{db: db} }

var _ auth.Store = (*Auth)(nil)

// inTx runs fn in a transaction, which (with _txlock=immediate) holds the
// write lock from its start, so reads and writes in fn are not interleaved
// with other writers.
func (a *Auth) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: begin transaction: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("auth: commit: %w", err)
	}
	return nil
}

const userColumns = `id, name, role, disabled, created_at, updated_at`

func scanUser(row scanner, extra ...any) (auth.User, error) {
	var u auth.User
	dest := append([]any{&u.ID, &u.Name, &u.Role, &u.Disabled, ScanTime(&u.CreatedAt), ScanTime(&u.UpdatedAt)}, extra...)
	if err := row.Scan(dest...); err != nil {
		return auth.User{}, err
	}
	return u, nil
}

// AnyUser implements [auth.Store].
func (a *Auth) AnyUser(ctx context.Context) (bool, error) {
	return anyUser(ctx, a.db)
}

func anyUser(ctx context.Context, q querier) (bool, error) {
	return exists(ctx, q, "auth: count users", `SELECT 1 FROM users`)
}

// InsertUser implements [auth.Store].
func (a *Auth) InsertUser(ctx context.Context, u auth.User, hash string, first bool) (int64, error) {
	var id int64
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		if first {
			some, err := anyUser(ctx, tx)
			if err != nil {
				return err
			}
			if some {
				return auth.ErrSetupDone
			}
		}
		taken, err := exists(ctx, tx, fmt.Sprintf("auth: look up user %q", u.Name), `SELECT 1 FROM users WHERE name = ?`, u.Name)
		if err != nil {
			return err
		}
		if taken {
			return auth.ErrNameTaken
		}
		id, err = insert(ctx, tx, fmt.Sprintf("auth: insert user %q", u.Name), `
			INSERT INTO users (name, role, password_hash, disabled, created_at, updated_at)
			VALUES (?, ?, ?, 0, ?, ?)`,
			u.Name, u.Role, hash, Time(u.CreatedAt), Time(u.UpdatedAt))
		return err
	})
	return id, err
}

// Users implements [auth.Store].
func (a *Auth) Users(ctx context.Context) ([]auth.User, error) {
	return list(ctx, a.db, "auth: list users", func(row scanner) (auth.User, error) { return scanUser(row) },
		`SELECT `+userColumns+` FROM users ORDER BY name`)
}

// User implements [auth.Store].
func (a *Auth) User(ctx context.Context, id int64) (auth.User, error) {
	return getUser(ctx, a.db, id)
}

func getUser(ctx context.Context, q querier, id int64) (auth.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, auth.ErrUserNotFound
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("auth: get user %d: %w", id, err)
	}
	return u, nil
}

// UserByName implements [auth.Store].
func (a *Auth) UserByName(ctx context.Context, name string) (auth.User, error) {
	u, _, err := a.userByName(ctx, name, false)
	return u, err
}

// UserAndHash implements [auth.Store].
func (a *Auth) UserAndHash(ctx context.Context, name string) (auth.User, string, error) {
	return a.userByName(ctx, name, true)
}

func (a *Auth) userByName(ctx context.Context, name string, withHash bool) (auth.User, string, error) {
	query, hash := `SELECT `+userColumns+` FROM users WHERE name = ?`, ""
	var extra []any
	if withHash {
		query, extra = `SELECT `+userColumns+`, password_hash FROM users WHERE name = ?`, []any{&hash}
	}
	u, err := scanUser(a.db.QueryRowContext(ctx, query, name), extra...)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, "", auth.ErrUserNotFound
	}
	if err != nil {
		return auth.User{}, "", fmt.Errorf("auth: get user %q: %w", name, err)
	}
	return u, hash, nil
}

// SetRole implements [auth.Store].
func (a *Auth) SetRole(ctx context.Context, id int64, role auth.Role, now time.Time) error {
	return a.inTx(ctx, func(tx *sql.Tx) error {
		u, err := getUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.Role == role {
			return nil
		}
		if u.Role == auth.RoleAdmin && !u.Disabled {
			if err := ensureOtherActiveAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, role, Time(now), id)
		if err != nil {
			return fmt.Errorf("auth: set role of user %d: %w", id, err)
		}
		return revokeUserSessions(ctx, tx, id, now)
	})
}

// SetDisabled implements [auth.Store].
func (a *Auth) SetDisabled(ctx context.Context, id int64, disabled bool, now time.Time) error {
	return a.inTx(ctx, func(tx *sql.Tx) error {
		u, err := getUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.Disabled == disabled {
			return nil
		}
		if disabled && u.Role == auth.RoleAdmin {
			if err := ensureOtherActiveAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, Time(now), id)
		if err != nil {
			return fmt.Errorf("auth: set disabled of user %d: %w", id, err)
		}
		if !disabled {
			return nil
		}
		return revokeUserSessions(ctx, tx, id, now)
	})
}

// SetPasswordHash implements [auth.Store].
func (a *Auth) SetPasswordHash(ctx context.Context, id int64, hash string, now time.Time) error {
	return a.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, Time(now), id)
		if err != nil {
			return fmt.Errorf("auth: set password of user %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("auth: set password of user %d: %w", id, err)
		} else if n == 0 {
			return auth.ErrUserNotFound
		}
		return revokeUserSessions(ctx, tx, id, now)
	})
}

func ensureOtherActiveAdmin(ctx context.Context, tx *sql.Tx, id int64) error {
	other, err := exists(ctx, tx, "auth: count active admins", `SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?`, id)
	if err != nil {
		return err
	}
	if !other {
		return auth.ErrLastAdmin
	}
	return nil
}

// ReplaceHash implements [auth.Store].
func (a *Auth) ReplaceHash(ctx context.Context, id int64, oldHash, hash string) {
	a.db.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, hash, id, oldHash)
}
