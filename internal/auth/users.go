package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	store "github.com/stratabackup/strata/internal/store/sqlite"
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

const userColumns = `id, name, role, disabled, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner, extra ...any) (User, error) {
	var u User
	dest := append([]any{&u.ID, &u.Name, &u.Role, &u.Disabled, store.ScanTime(&u.CreatedAt), store.ScanTime(&u.UpdatedAt)}, extra...)
	if err := row.Scan(dest...); err != nil {
		return User{}, err
	}
	return u, nil
}

// validateName checks a user name: 1 to 64 ASCII letters, digits and
// . _ - @. Being ASCII, names compare case-insensitively with SQLite's NOCASE.
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
	var exists bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&exists)
	if err != nil {
		return false, fmt.Errorf("auth: count users: %w", err)
	}
	return !exists, nil
}

// CreateFirstAdmin creates the first user, an admin, while no user exists;
// afterwards it returns [ErrSetupDone]. Concurrent calls, even from other
// processes, create exactly one user: the check and the insert share one
// transaction, which takes the store's write lock when it begins.
func (s *Service) CreateFirstAdmin(ctx context.Context, name, password string) (User, error) {
	// A cheap early answer, so that requests after setup cost no hashing.
	// The transaction in createUser checks again.
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
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var exists bool
		if first {
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users)`).Scan(&exists); err != nil {
				return fmt.Errorf("auth: count users: %w", err)
			}
			if exists {
				return ErrSetupDone
			}
		}
		err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE name = ?)`, name).Scan(&exists)
		if err != nil {
			return fmt.Errorf("auth: look up user %q: %w", name, err)
		}
		if exists {
			return ErrNameTaken
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO users (name, role, password_hash, disabled, created_at, updated_at)
			VALUES (?, ?, ?, 0, ?, ?)`,
			name, role, hash, store.Time(now), store.Time(now))
		if err != nil {
			return fmt.Errorf("auth: insert user %q: %w", name, err)
		}
		u.ID, err = res.LastInsertId()
		if err != nil {
			return fmt.Errorf("auth: insert user %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// ListUsers returns every user, disabled ones included, by name.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: list users: %w", err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("auth: list users: %w", err)
	}
	return users, nil
}

// GetUser returns the user with id, or [ErrUserNotFound].
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	return getUser(ctx, s.db, id)
}

// GetUserByName returns the user named name (case-insensitively), or
// [ErrUserNotFound].
func (s *Service) GetUserByName(ctx context.Context, name string) (User, error) {
	name = strings.TrimSpace(name)
	if validateName(name) != nil {
		return User{}, ErrUserNotFound
	}
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrUserNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: get user %q: %w", name, err)
	}
	return u, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getUser(ctx context.Context, q querier, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrUserNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: get user %d: %w", id, err)
	}
	return u, nil
}

// SetRole changes the role of user id and ends their sessions. Demoting the
// last active admin fails with [ErrLastAdmin]. Setting the role a user
// already has changes nothing.
func (s *Service) SetRole(ctx context.Context, id int64, role Role) error {
	if !role.Valid() {
		return ErrInvalidRole
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := getUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.Role == role {
			return nil
		}
		if u.Role == RoleAdmin && !u.Disabled {
			if err := ensureOtherActiveAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		now := s.now()
		_, err = tx.ExecContext(ctx, `UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, role, store.Time(now), id)
		if err != nil {
			return fmt.Errorf("auth: set role of user %d: %w", id, err)
		}
		return revokeUserSessions(ctx, tx, id, now)
	})
}

// SetDisabled disables or enables user id. Disabling ends the user's
// sessions; disabling the last active admin fails with [ErrLastAdmin].
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		u, err := getUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.Disabled == disabled {
			return nil
		}
		if disabled && u.Role == RoleAdmin {
			if err := ensureOtherActiveAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		now := s.now()
		_, err = tx.ExecContext(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, store.Time(now), id)
		if err != nil {
			return fmt.Errorf("auth: set disabled of user %d: %w", id, err)
		}
		if !disabled {
			return nil
		}
		return revokeUserSessions(ctx, tx, id, now)
	})
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
	return s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, store.Time(now), id)
		if err != nil {
			return fmt.Errorf("auth: set password of user %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("auth: set password of user %d: %w", id, err)
		} else if n == 0 {
			return ErrUserNotFound
		}
		return revokeUserSessions(ctx, tx, id, now)
	})
}

func ensureOtherActiveAdmin(ctx context.Context, tx *sql.Tx, id int64) error {
	var exists bool
	err := tx.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?)`, id).Scan(&exists)
	if err != nil {
		return fmt.Errorf("auth: count active admins: %w", err)
	}
	if !exists {
		return ErrLastAdmin
	}
	return nil
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
	err := sql.ErrNoRows
	if name != "" {
		row := s.db.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE name = ?`, name)
		u, err = scanUser(row, &hash)
	}
	if errors.Is(err, sql.ErrNoRows) {
		verifyDummy(password)
		return User{}, ErrInvalidCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: get user %q: %w", name, err)
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
	// The condition keeps a concurrent password reset.
	s.db.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, hash, id, oldHash)
}

// inTx runs fn in a transaction, which (with the store's _txlock=immediate)
// holds the write lock from its start, so reads and writes in fn are not
// interleaved with other writers.
func (s *Service) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
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
