package auth

import (
	"context"
	"errors"
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
	// The token is 256 random bits, so SHA-256 suffices; unlike a password
	// it cannot be guessed, and a slow hash would only slow down every API
	// request.
	if k.ID, err = s.store.InsertAPIKey(ctx, k, hashToken(token)); err != nil {
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
	k, err := s.store.ActiveAPIKey(ctx, hashToken(token))
	if err != nil {
		return APIKey{}, err
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
		if err := s.store.TouchAPIKey(ctx, k.ID, now, now.Add(-touchInterval)); err != nil {
			return APIKey{}, err
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
		// ErrInvalidAPIKey when the key that made it was revoked.
		maker, err := s.store.ActiveAPIKeyByName(ctx, strings.TrimPrefix(createdBy, "apikey:"))
		if err != nil {
			return "", err
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
	return s.store.APIKeys(ctx)
}

// RevokeAPIKey revokes the key with id, for good. Revoking a revoked key
// does nothing; an unknown id is [ErrAPIKeyNotFound].
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	return s.store.RevokeAPIKey(ctx, id, s.now())
}
