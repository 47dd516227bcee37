package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/auth"
)

// StartSession implements [auth.Store].
func (a *Auth) StartSession(ctx context.Context, revokeID string, s auth.Session) error {
	return a.inTx(ctx, func(tx *sql.Tx) error {
		if revokeID != "" {
			if err := revokeSession(ctx, tx, revokeID, s.CreatedAt); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO sessions (id, user_id, created_at, last_seen_at, client_addr, user_agent)
			VALUES (?, ?, ?, ?, ?, ?)`,
			s.ID, s.UserID, Time(s.CreatedAt), Time(s.LastSeenAt), s.ClientAddr, s.UserAgent)
		if err != nil {
			return fmt.Errorf("auth: insert session of user %d: %w", s.UserID, err)
		}
		return nil
	})
}

// Session implements [auth.Store].
func (a *Auth) Session(ctx context.Context, id string) (auth.Session, auth.User, bool, error) {
	var sess auth.Session
	var revoked *time.Time
	row := a.db.QueryRowContext(ctx, `
		SELECT u.id, u.name, u.role, u.disabled, u.created_at, u.updated_at,
			s.id, s.user_id, s.created_at, s.last_seen_at, s.client_addr, s.user_agent, s.revoked_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id = ?`, id)
	u, err := scanUser(row, &sess.ID, &sess.UserID, ScanTime(&sess.CreatedAt), ScanTime(&sess.LastSeenAt),
		&sess.ClientAddr, &sess.UserAgent, ScanNullTime(&revoked))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, auth.User{}, false, auth.ErrNoSession
	}
	if err != nil {
		return auth.Session{}, auth.User{}, false, fmt.Errorf("auth: load session: %w", err)
	}
	return sess, u, revoked != nil, nil
}

// TouchSession implements [auth.Store].
func (a *Auth) TouchSession(ctx context.Context, id string, now, seenBy time.Time) error {
	_, err := a.db.ExecContext(ctx, `
		UPDATE sessions SET last_seen_at = ?
		WHERE id = ? AND revoked_at IS NULL AND last_seen_at <= ?`,
		Time(now), id, Time(seenBy))
	if err != nil {
		return fmt.Errorf("auth: touch session: %w", err)
	}
	return nil
}

// RevokeSession implements [auth.Store].
func (a *Auth) RevokeSession(ctx context.Context, id string, now time.Time) error {
	return a.inTx(ctx, func(tx *sql.Tx) error { return revokeSession(ctx, tx, id, now) })
}

// PurgeSessions implements [auth.Store].
func (a *Auth) PurgeSessions(ctx context.Context, revokedBefore, seenBefore, createdBefore time.Time) (int64, error) {
	res, err := a.db.ExecContext(ctx, `
		DELETE FROM sessions
		WHERE revoked_at < ? OR last_seen_at < ? OR created_at < ?`,
		Time(revokedBefore), Time(seenBefore), Time(createdBefore))
	if err != nil {
		return 0, fmt.Errorf("auth: purge sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("auth: purge sessions: %w", err)
	}
	return n, nil
}

func revokeSession(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, Time(now), id)
	if err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	return nil
}

func revokeUserSessions(ctx context.Context, tx *sql.Tx, userID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, Time(now), userID)
	if err != nil {
		return fmt.Errorf("auth: end sessions of user %d: %w", userID, err)
	}
	return nil
}
