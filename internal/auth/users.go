package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MaxNameLength is the longest user name, in characters.
const MaxNameLength = 64

// User is a console user. The password hash never leaves this package.
type User struct {
	ID        int64
	Name      string
	Role      Role
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// validateName checks a user name: 1 to 64 ASCII letters, digits and
// . _ - @. Being ASCII, they compare case-insensitively even in a store that
// folds only ASCII case, as SQLite's NOCASE does.
func validateName(name string) error {
	if name == "" {
		return ErrNameRequired
	}
	if len(name) > MaxNameLength {
		return ErrNameTooLong
	}
	for _, c := range name {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '_' || c == '-' || c == '@'
		if !ok {
			return ErrNameInvalid
		}
	}
	return nil
}

// NeedsSetup reports whether no user exists yet, so the first admin must be
// created (see [Service.CreateFirstAdmin]).
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	exists, err := s.store.AnyUser(ctx)
	return !exists, err
}

// CreateFirstAdmin creates the first user, an admin, while no user exists;
// afterwards it returns [ErrSetupDone]. Concurrent calls, even from other
// processes, create exactly one user: the check and the insert share one
// transaction, which takes the store's write lock when it begins.
func (s *Service) CreateFirstAdmin(ctx context.Context, name, password string) (User, error) {
	// A cheap early answer, so that requests after setup cost no hashing.
	// The store checks again, in the transaction of its insert.
	needed, err := s.NeedsSetup(ctx)
	if err != nil {
		return User{}, err
	}
	if !needed {
		return User{}, ErrSetupDone
	}
	return s.createUser(ctx, name, password, RoleAdmin, true)
}

// CreateUser creates an enabled user. name has surrounding spaces removed.
func (s *Service) CreateUser(ctx context.Context, name, password string, role Role) (User, error) {
	return s.createUser(ctx, name, password, role, false)
}

func (s *Service) createUser(ctx context.Context, name, password string, role Role, first bool) (User, error) {
	name = strings.TrimSpace(name)
	if err := validateName(name); err != nil {
		return User{}, err
	}
	if !role.Valid() {
		return User{}, ErrInvalidRole
	}
	if err := validatePassword(password); err != nil {
		return User{}, err
	}
	hash, err := hashPassword(password) // slow: before the transaction
	if err != nil {
		return User{}, err
	}
	now := s.now().UTC()
	u := User{Name: name, Role: role, CreatedAt: now, UpdatedAt: now}
	if u.ID, err = s.store.InsertUser(ctx, u, hash, first); err != nil {
		return User{}, err
	}
	return u, nil
}

// ListUsers returns every user, disabled ones included, by name.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	return s.store.Users(ctx)
}

// GetUser returns the user with id, or [ErrUserNotFound].
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	return s.store.User(ctx, id)
}

// GetUserByName returns the user named name (case-insensitively), or
// [ErrUserNotFound].
func (s *Service) GetUserByName(ctx context.Context, name string) (User, error) {
	name = strings.TrimSpace(name)
	if validateName(name) != nil {
		return User{}, ErrUserNotFound
	}
	return s.store.UserByName(ctx, name)
}

// SetRole changes the role of user id and ends their sessions. Demoting the
// last active admin fails with [ErrLastAdmin]. Setting the role a user
// already has changes nothing.
func (s *Service) SetRole(ctx context.Context, id int64, role Role) error {
	if !role.Valid() {
		return ErrInvalidRole
	}
	return s.store.SetRole(ctx, id, role, s.now())
}

// SetDisabled disables or enables user id. Disabling ends the user's
// sessions; disabling the last active admin fails with [ErrLastAdmin].
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	return s.store.SetDisabled(ctx, id, disabled, s.now())
}

// SetPassword sets a new password for user id and ends their sessions
// (including the caller's own, if they reset their own password).
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.store.SetPasswordHash(ctx, id, hash, s.now())
}

// Authenticate checks a login. It returns [ErrInvalidCredentials] for an
// unknown name or a wrong password (spending the same time on both),
// [ErrUserDisabled] for a disabled user's right password, and a
// *[ThrottledError] without checking the password at all while the name or
// clientAddr is locked out after too many failures (see [Throttle]).
//
// clientAddr should be the client's IP address; a port is ignored.
func (s *Service) Authenticate(ctx context.Context, name, password, clientAddr string) (User, error) {
	return s.AuthenticateDevice(ctx, "", name, password, clientAddr)
}

// AuthenticateDevice is Authenticate for an attempt from device, the ID
// [Devices.Known] returned for the name typed ("" for an unknown client,
// which makes it Authenticate). The attempt is counted only against the
// device, and only the device's lockout applies: a stranger who locked the
// name out does not keep its owner out on a browser they logged in on.
func (s *Service) AuthenticateDevice(ctx context.Context, device, name, password, clientAddr string) (User, error) {
	name = strings.TrimSpace(name)
	if validateName(name) != nil {
		name = "" // no such user; don't let junk names fill the throttle
	}
	counted := s.throttle.counters(name, clientAddr)
	if device != "" {
		counted = s.throttle.deviceCounter(device)
	}
	if wait := s.throttle.begin(counted); wait > 0 {
		return User{}, &ThrottledError{RetryAfter: wait}
	}
	u, err := s.checkPassword(ctx, name, password)
	switch {
	case err == nil:
		s.throttle.succeed(counted)
	case errors.Is(err, ErrInvalidCredentials):
		s.throttle.fail(counted)
	default:
		s.throttle.release(counted)
	}
	return u, err
}

func (s *Service) checkPassword(ctx context.Context, name, password string) (User, error) {
	var u User
	var hash string
	var err error = ErrUserNotFound
	if name != "" {
		u, hash, err = s.store.UserAndHash(ctx, name)
	}
	if errors.Is(err, ErrUserNotFound) {
		verifyDummy(password)
		return User{}, ErrInvalidCredentials
	}
	if err != nil {
		return User{}, err
	}
	ok, err := verifyPassword(hash, password)
	if err != nil {
		return User{}, fmt.Errorf("auth: check password of user %d: %w", u.ID, err)
	}
	if !ok {
		return User{}, ErrInvalidCredentials
	}
	if u.Disabled {
		return User{}, ErrUserDisabled
	}
	if needsRehash(hash) {
		s.rehash(ctx, u.ID, hash, password)
	}
	return u, nil
}

// rehash stores password hashed with the current parameters. It is best
// effort: the login has succeeded anyway, and the next one tries again.
func (s *Service) rehash(ctx context.Context, id int64, oldHash, password string) {
	hash, err := hashPassword(password)
	if err != nil {
		return
	}
	s.store.ReplaceHash(ctx, id, oldHash, hash)
}
