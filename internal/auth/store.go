package auth

import (
	"context"
	"time"
)

// Store is what a [Service] needs from the state store. Each method is
// atomic: a change that revokes sessions revokes them in the same
// transaction, and a check (a name taken, the last active admin) holds
// until the write it guards. Names compare case-insensitively. Methods
// return this package's errors for users (ErrUserNotFound, ErrNameTaken…)
// as documented, and wrap others with "auth: ".
type Store interface {
	// AnyUser reports whether a user exists.
	AnyUser(ctx context.Context) (bool, error)
	// InsertUser adds u, enabled, with the password hash, and returns its
	// id: ErrNameTaken if its name is, and ErrSetupDone if first and a user
	// exists.
	InsertUser(ctx context.Context, u User, hash string, first bool) (int64, error)
	// Users returns every user, by name.
	Users(ctx context.Context) ([]User, error)
	User(ctx context.Context, id int64) (User, error)
	UserByName(ctx context.Context, name string) (User, error)
	// UserAndHash returns the user named name and their password hash.
	UserAndHash(ctx context.Context, name string) (User, string, error)
	// SetRole, SetDisabled and SetPasswordHash change user id at now and
	// revoke their sessions. Setting the role or disabled a user has does
	// nothing (enabling revokes nothing); taking the last active admin's
	// role or disabling them fails with ErrLastAdmin.
	SetRole(ctx context.Context, id int64, role Role, now time.Time) error
	SetDisabled(ctx context.Context, id int64, disabled bool, now time.Time) error
	SetPasswordHash(ctx context.Context, id int64, hash string, now time.Time) error
	// ReplaceHash sets user id's password hash to hash if it is still
	// oldHash, so a concurrent reset is kept, as best effort.
	ReplaceHash(ctx context.Context, id int64, oldHash, hash string)

	// StartSession revokes session revokeID (unless "") at s.CreatedAt and
	// adds s.
	StartSession(ctx context.Context, revokeID string, s Session) error
	// Session returns session id, its user and whether it was revoked, or
	// ErrNoSession.
	Session(ctx context.Context, id string) (Session, User, bool, error)
	// TouchSession sets the last use of session id to now if it is not
	// revoked and was last used by seenBy.
	TouchSession(ctx context.Context, id string, now, seenBy time.Time) error
	RevokeSession(ctx context.Context, id string, now time.Time) error
	// PurgeSessions deletes the sessions revoked, last used or created
	// before the given times, and returns how many.
	PurgeSessions(ctx context.Context, revokedBefore, seenBefore, createdBefore time.Time) (int64, error)

	// InsertAPIKey adds k with the token's hash and returns its id, or
	// ErrAPIKeyNameTaken if an active key has its name.
	InsertAPIKey(ctx context.Context, k APIKey, tokenHash string) (int64, error)
	// ActiveAPIKey and ActiveAPIKeyByName return the key not revoked with
	// that token hash or name, or ErrInvalidAPIKey.
	ActiveAPIKey(ctx context.Context, tokenHash string) (APIKey, error)
	ActiveAPIKeyByName(ctx context.Context, name string) (APIKey, error)
	// TouchAPIKey sets the last use of key id to now if it was last used
	// by usedBy, or never.
	TouchAPIKey(ctx context.Context, id int64, now, usedBy time.Time) error
	// APIKeys returns every key, revoked ones included, oldest first.
	APIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey revokes key id at now unless it is revoked already, or
	// returns ErrAPIKeyNotFound.
	RevokeAPIKey(ctx context.Context, id int64, now time.Time) error
}
