package auth

import (
	"errors"
	"time"

	"github.com/stratabackup/strata/internal/usererror"
)

// Errors the handlers can show as is (all are [*usererror.Error]s). Every
// other error returned by this package is internal, starts with "auth: "
// and should be logged rather than shown.
var (
	ErrInvalidRole        = usererror.New("role must be admin or auditor")
	ErrNameRequired       = usererror.New("name is required")
	ErrNameTooLong        = usererror.New("name must be at most 64 characters")
	ErrNameInvalid        = usererror.New("name may only contain letters (a-z, A-Z), digits and . _ - @")
	ErrNameTaken          = usererror.New("a user with that name already exists")
	ErrPasswordTooShort   = usererror.New("password must be at least 12 characters")
	ErrPasswordTooLong    = usererror.New("password must be at most 1024 characters")
	ErrPasswordNotText    = usererror.New("password must be text without NUL characters")
	ErrUserNotFound       = usererror.New("user not found")
	ErrSetupDone          = usererror.New("setup is already done; log in instead")
	ErrLastAdmin          = usererror.New("at least one active admin must remain")
	ErrInvalidCredentials = usererror.New("invalid user name or password")
	ErrUserDisabled       = usererror.New("this account is disabled; ask an admin to enable it")
	ErrThrottled          = usererror.New("too many failed login attempts; try again later")
	ErrAPIKeyNameRequired = usererror.New("API key name is required")
	ErrAPIKeyNameTooLong  = usererror.New("API key name must be at most 64 characters")
	ErrAPIKeyNameInvalid  = usererror.New("API key name must not contain control characters")
	ErrAPIKeyNameTaken    = usererror.New("an active API key with that name already exists")
	ErrAPIKeyNotFound     = usererror.New("API key not found")
	ErrInvalidAPIKey      = usererror.New("invalid or revoked API key")
)

// ErrNoSession means the request carries no valid session: no cookie, or an
// unknown, revoked or expired one, or one of a disabled user. Handlers
// usually redirect to the login page.
var ErrNoSession = errors.New("auth: no valid session")

// Service keeps users and API keys in a [Store] and checks logins. It is
// safe for concurrent use.
type Service struct {
	store    Store
	now      func() time.Time
	throttle *Throttle
}

// Option configures a [Service].
type Option func(*Service)

// WithClock makes the service (and its default [Throttle]) read the time
// from now instead of time.Now. For tests.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// WithThrottle sets the login throttle, instead of a new one with the
// default limits.
func WithThrottle(t *Throttle) Option {
	return func(s *Service) { s.throttle = t }
}

// New returns a service over store (such as sqlite.NewAuth).
func New(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	if s.throttle == nil {
		s.throttle = NewThrottle(s.now)
	}
	return s
}

// Throttle returns the service's login throttle.
func (s *Service) Throttle() *Throttle { return s.throttle }
