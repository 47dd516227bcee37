package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/auth"
)

const apiKeyColumns = `id, name, role, prefix, created_by, created_at, last_used_at, revoked_at`

func scanAPIKey(row scanner) (auth.APIKey, error) {
	var k auth.APIKey
	err := row.Scan(&k.ID, &k.Name, &k.Role, &k.Prefix, &k.CreatedBy,
		ScanTime(&k.CreatedAt), ScanNullTime(&k.LastUsedAt), ScanNullTime(&k.RevokedAt))
	if err != nil {
		return auth.APIKey{}, err
	}
	return k, nil
}

// InsertAPIKey implements [auth.Store].
func (a *Auth) InsertAPIKey(ctx context.Context, k auth.APIKey, tokenHash string) (int64, error) {
	var id int64
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		taken, err := exists(ctx, tx, fmt.Sprintf("auth: look up API key %q", k.Name),
			`SELECT 1 FROM api_keys WHERE name = ? COLLATE NOCASE AND revoked_at IS NULL`, k.Name)
		if err != nil {
			return err
		}
		if taken {
			return auth.ErrAPIKeyNameTaken
		}
		id, err = insert(ctx, tx, fmt.Sprintf("auth: insert API key %q", k.Name), `
			INSERT INTO api_keys (name, role, token_hash, prefix, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			k.Name, k.Role, tokenHash, k.Prefix, k.CreatedBy, Time(k.CreatedAt))
		return err
	})
	return id, err
}

// ActiveAPIKey implements [auth.Store].
func (a *Auth) ActiveAPIKey(ctx context.Context, tokenHash string) (auth.APIKey, error) {
	return a.activeAPIKey(ctx, `token_hash = ?`, tokenHash)
}

// ActiveAPIKeyByName implements [auth.Store].
func (a *Auth) ActiveAPIKeyByName(ctx context.Context, name string) (auth.APIKey, error) {
	return a.activeAPIKey(ctx, `name = ? COLLATE NOCASE`, name)
}

func (a *Auth) activeAPIKey(ctx context.Context, where string, arg any) (auth.APIKey, error) {
	k, err := scanAPIKey(a.db.QueryRowContext(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE `+where+` AND revoked_at IS NULL`, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.APIKey{}, auth.ErrInvalidAPIKey
	}
	if err != nil {
		return auth.APIKey{}, fmt.Errorf("auth: look up API key: %w", err)
	}
	return k, nil
}

// TouchAPIKey implements [auth.Store].
func (a *Auth) TouchAPIKey(ctx context.Context, id int64, now, usedBy time.Time) error {
	_, err := a.db.ExecContext(ctx, `
		UPDATE api_keys SET last_used_at = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
		Time(now), id, Time(usedBy))
	if err != nil {
		return fmt.Errorf("auth: record use of API key %d: %w", id, err)
	}
	return nil
}

// APIKeys implements [auth.Store].
func (a *Auth) APIKeys(ctx context.Context) ([]auth.APIKey, error) {
	return list(ctx, a.db, "auth: list API keys", scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY id`)
}

// RevokeAPIKey implements [auth.Store].
func (a *Auth) RevokeAPIKey(ctx context.Context, id int64, now time.Time) error {
	return a.inTx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM api_keys WHERE id = ?`, id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return auth.ErrAPIKeyNotFound
		}
		if err != nil {
			return fmt.Errorf("auth: revoke API key %d: %w", id, err)
		}
		if revoked.Valid {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ?`, Time(now), id)
		if err != nil {
			return fmt.Errorf("auth: revoke API key %d: %w", id, err)
		}
		return nil
	})
}
