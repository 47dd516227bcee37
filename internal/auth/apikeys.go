package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	store "github.com/stratabackup/strata/internal/store/sqlite"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// APIKeyTokenPrefix starts every API key token.
const APIKeyTokenPrefix = "strata_"

// apiKeyTokenLength is the length of a token: the prefix and 32 random
// bytes in unpadded base64url.
const apiKeyTokenLength = len(APIKeyTokenPrefix) + 43

// APIKey is an API key. The token itself is shown once, when created, and
// never stored; Prefix, the first 8 characters after "strata_", identifies
// the key in lists ("strata_" + Prefix + "…").
type APIKey struct {
	ID         int64
	Name       string
	Role       Role
	Prefix     string
	CreatedBy  string // name of the user who created it
	CreatedAt  time.Time
	LastUsedAt *time.Time // nil if never used; updated at most once a minute
	RevokedAt  *time.Time // nil if active
}

const apiKeyColumns = `id, name, role, prefix, created_by, created_at, last_used_at, revoked_at`

func scanAPIKey(row scanner) (APIKey, error) {
	var k APIKey
	err := row.Scan(&k.ID, &k.Name, &k.Role, &k.Prefix, &k.CreatedBy,
		store.ScanTime(&k.CreatedAt), store.ScanNullTime(&k.LastUsedAt), store.ScanNullTime(&k.RevokedAt))
	if err != nil {
		return APIKey{}, err
	}
	return k, nil
}

func validateAPIKeyName(name string) error {
	if name == "" {
		return ErrAPIKeyNameRequired
	}
	if utf8.RuneCountInString(name) > 64 {
		return ErrAPIKeyNameTooLong
	}
	for _, c := range name {
		if unicode.IsControl(c) || c == utf8.RuneError {
			return ErrAPIKeyNameInvalid
		}
	}
	return nil
}

// CreateAPIKey creates an API key with role, named name (unique, case-
// insensitively, among keys not revoked; surrounding spaces removed).
// createdBy is the name of the creating user. It returns the key and its
// token, which must be shown to the user now: it cannot be recovered.
func (s *Service) CreateAPIKey(ctx context.Context, name string, role Role, createdBy string) (APIKey, string, error) {
	name = strings.TrimSpace(name)
	if err := validateAPIKeyName(name); err != nil {
		return APIKey{}, "", err
	}
	if !role.Valid() {
		return APIKey{}, "", ErrInvalidRole
	}
	random, err := newToken()
	if err != nil {
		return APIKey{}, "", err
	}
	token := APIKeyTokenPrefix + random
	k := APIKey{
		Name:      name,
		Role:      role,
		Prefix:    random[:8],
		CreatedBy: createdBy,
		CreatedAt: s.now().UTC(),
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var exists bool
		err := tx.QueryRowContext(ctx, `
			SELECT EXISTS (SELECT 1 FROM api_keys WHERE name = ? COLLATE NOCASE AND revoked_at IS NULL)`,
			name).Scan(&exists)
		if err != nil {
			return fmt.Errorf("auth: look up API key %q: %w", name, err)
		}
		if exists {
			return ErrAPIKeyNameTaken
		}
		// The token is 256 random bits, so SHA-256 suffices; unlike a
		// password it cannot be guessed, and a slow hash would only slow
		// down every API request.
		res, err := tx.ExecContext(ctx, `
			INSERT INTO api_keys (name, role, token_hash, prefix, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			k.Name, k.Role, hashToken(token), k.Prefix, k.CreatedBy, store.Time(k.CreatedAt))
		if err != nil {
			return fmt.Errorf("auth: insert API key %q: %w", name, err)
		}
		k.ID, err = res.LastInsertId()
		if err != nil {
			return fmt.Errorf("auth: insert API key %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return k, token, nil
}

// AuthenticateAPIKey returns the active key whose token is token, or
// [ErrInvalidAPIKey]. It records the use, at most once a minute per key.
func (s *Service) AuthenticateAPIKey(ctx context.Context, token string) (APIKey, error) {
	token = strings.TrimSpace(token)
	if len(token) != apiKeyTokenLength || !strings.HasPrefix(token, APIKeyTokenPrefix) {
		return APIKey{}, ErrInvalidAPIKey
	}
	k, err := scanAPIKey(s.db.QueryRowContext(ctx,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE token_hash = ? AND revoked_at IS NULL`,
		hashToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, ErrInvalidAPIKey
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("auth: look up API key: %w", err)
	}
	// A key may do no more than whoever made it may do now.
	authority, err := s.creatorRole(ctx, k.CreatedBy, 0)
	if err != nil {
		return APIKey{}, err
	}
	if !authority.Allows(k.Role) {
		k.Role = authority
	}
	now := s.now().UTC()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= touchInterval {
		_, err := s.db.ExecContext(ctx, `
			UPDATE api_keys SET last_used_at = ?
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
			store.Time(now), k.ID, store.Time(now.Add(-touchInterval)))
		if err != nil {
			return APIKey{}, fmt.Errorf("auth: record use of API key %d: %w", k.ID, err)
		}
		k.LastUsedAt = &now
	}
	return k, nil
}

// creatorRole is the role the maker of a key (its CreatedBy) has now: a
// user's current role, [ErrInvalidAPIKey] when that user is disabled or
// gone (so disabling or demoting someone takes their keys' power at once);
// for a key made by another key, that key's own authority; for one made
// on the console's machine ("cli:"), admin.
func (s *Service) creatorRole(ctx context.Context, createdBy string, depth int) (Role, error) {
	switch {
	case strings.HasPrefix(createdBy, "cli:"):
		return RoleAdmin, nil
	case depth >= 8:
		return "", ErrInvalidAPIKey
	case strings.HasPrefix(createdBy, "apikey:"):
		maker, err := scanAPIKey(s.db.QueryRowContext(ctx,
			`SELECT `+apiKeyColumns+` FROM api_keys WHERE name = ? COLLATE NOCASE AND revoked_at IS NULL`, strings.TrimPrefix(createdBy, "apikey:")))
		if errors.Is(err, sql.ErrNoRows) {
			return "", ErrInvalidAPIKey // the key that made it was revoked
		}
		if err != nil {
			return "", fmt.Errorf("auth: look up API key: %w", err)
		}
		role, err := s.creatorRole(ctx, maker.CreatedBy, depth+1)
		if err != nil || role.Allows(maker.Role) {
			return maker.Role, err
		}
		return role, nil
	}
	u, err := s.GetUserByName(ctx, createdBy)
	switch {
	case errors.Is(err, ErrUserNotFound):
		return "", ErrInvalidAPIKey
	case err != nil:
		return "", err
	case u.Disabled:
		return "", ErrInvalidAPIKey
	}
	return u.Role, nil
}

// ListAPIKeys returns every API key, revoked ones included, oldest first.
func (s *Service) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("auth: list API keys: %w", err)
	}
	defer rows.Close()
	var keys []APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: list API keys: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: list API keys: %w", err)
	}
	return keys, nil
}

// RevokeAPIKey revokes the key with id, for good. Revoking a revoked key
// does nothing; an unknown id is [ErrAPIKeyNotFound].
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM api_keys WHERE id = ?`, id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrAPIKeyNotFound
		}
		if err != nil {
			return fmt.Errorf("auth: revoke API key %d: %w", id, err)
		}
		if revoked.Valid {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ?`, store.Time(s.now()), id)
		if err != nil {
			return fmt.Errorf("auth: revoke API key %d: %w", id, err)
		}
		return nil
	})
}
