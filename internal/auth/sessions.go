package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
)

// SessionCookieName is the name of the session cookie.
const SessionCookieName = "strata_session"

// touchInterval is how often at most a session's last_seen_at is written.
// The idle timeout is thus exact only to within this interval.
const touchInterval = time.Minute

// maxUserAgentLength bounds what is stored of a User-Agent header.
const maxUserAgentLength = 512

// tokenKey is the session value holding the token.
const tokenKey = "token"

// Session is a login session. ID is the hex SHA-256 of the cookie's token,
// not the token itself, so it may be shown or logged.
type Session struct {
	ID         string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ClientAddr string
	UserAgent  string
}

// SessionOptions configure [Sessions]. Zero values mean the defaults.
type SessionOptions struct {
	IdleTimeout     time.Duration // ends a session unused this long; default 30m
	AbsoluteTimeout time.Duration // ends a session this long after login; default 12h
	Secure          bool          // sets the cookie's Secure flag (serve over HTTPS)
}

// Sessions keeps login sessions on the server. The cookie, authenticated
// and encrypted with securecookie, holds only a random token; the sessions
// table holds the token's SHA-256 and everything else. Sessions is safe for
// concurrent use.
type Sessions struct {
	svc      *Service
	store    *sessions.CookieStore
	idle     time.Duration
	absolute time.Duration
}

// NewSessions returns the session manager for the users of svc. hashKey
// authenticates the cookie (at least 32 bytes) and blockKey encrypts it
// (32 bytes, AES-256); see [LoadOrCreateKeys].
func NewSessions(svc *Service, hashKey, blockKey []byte, opts SessionOptions) (*Sessions, error) {
	if len(hashKey) < 32 {
		return nil, fmt.Errorf("auth: session hash key has %d bytes, want at least 32", len(hashKey))
	}
	if len(blockKey) != 32 {
		return nil, fmt.Errorf("auth: session block key has %d bytes, want 32", len(blockKey))
	}
	s := &Sessions{
		svc:      svc,
		store:    sessions.NewCookieStore(hashKey, blockKey),
		idle:     opts.IdleTimeout,
		absolute: opts.AbsoluteTimeout,
	}
	if s.idle <= 0 {
		s.idle = 30 * time.Minute
	}
	if s.absolute <= 0 {
		s.absolute = 12 * time.Hour
	}
	// The cookie lives as long as a session can; the database decides
	// whether the session is still valid.
	s.store.MaxAge(int(s.absolute / time.Second))
	s.store.Options.Path = "/"
	s.store.Options.HttpOnly = true
	s.store.Options.Secure = opts.Secure
	s.store.Options.SameSite = http.SameSiteLaxMode
	return s, nil
}

// Start logs u in: it creates a session with a new token and sets the
// cookie on w. A session the request already carried is revoked, so a
// login never keeps a token that existed before it (session fixation).
func (s *Sessions) Start(w http.ResponseWriter, r *http.Request, u User, clientAddr, userAgent string) error {
	if u.Disabled {
		return ErrUserDisabled
	}
	cookie, oldToken := s.decode(r)
	token, err := newToken()
	if err != nil {
		return err
	}
	if len(userAgent) > maxUserAgentLength {
		userAgent = userAgent[:maxUserAgentLength]
	}
	now := s.svc.now()
	var revoke string
	if oldToken != "" {
		revoke = hashToken(oldToken)
	}
	err = s.svc.store.StartSession(r.Context(), revoke, Session{ID: hashToken(token), UserID: u.ID,
		CreatedAt: now, LastSeenAt: now, ClientAddr: clientAddr, UserAgent: userAgent})
	if err != nil {
		return err
	}
	cookie.Values = map[any]any{tokenKey: token}
	if err := s.store.Save(r, w, cookie); err != nil {
		return fmt.Errorf("auth: set session cookie: %w", err)
	}
	return nil
}

// Load returns the request's session and its user, or [ErrNoSession] when
// there is no cookie, or the session is unknown, revoked, idle or older
// than the absolute timeout, or the user is disabled. Other errors are
// internal.
func (s *Sessions) Load(r *http.Request) (Session, User, error) {
	_, token := s.decode(r)
	if token == "" {
		return Session{}, User{}, ErrNoSession
	}
	sess, u, revoked, err := s.svc.store.Session(r.Context(), hashToken(token))
	if err != nil {
		return Session{}, User{}, err
	}
	now := s.svc.now()
	if revoked || u.Disabled ||
		now.Sub(sess.LastSeenAt) >= s.idle || now.Sub(sess.CreatedAt) >= s.absolute {
		return Session{}, User{}, ErrNoSession
	}
	return sess, u, nil
}

// Touch records that sess was used now, which keeps it from going idle. It
// writes at most once a minute per session; call it on every request.
func (s *Sessions) Touch(ctx context.Context, sess Session) error {
	now := s.svc.now()
	if now.Sub(sess.LastSeenAt) < touchInterval {
		return nil
	}
	return s.svc.store.TouchSession(ctx, sess.ID, now, now.Add(-touchInterval))
}

// End logs out: it revokes the request's session, if any, and deletes the
// cookie.
func (s *Sessions) End(w http.ResponseWriter, r *http.Request) error {
	cookie, token := s.decode(r)
	if token != "" {
		if err := s.svc.store.RevokeSession(r.Context(), hashToken(token), s.svc.now()); err != nil {
			return err
		}
	}
	cookie.Values = map[any]any{}
	cookie.Options.MaxAge = -1
	if err := s.store.Save(r, w, cookie); err != nil {
		return fmt.Errorf("auth: delete session cookie: %w", err)
	}
	return nil
}

// PurgeExpired deletes the sessions that ended (were revoked, went idle or
// grew too old) more than a day ago, and returns how many it deleted. Run
// it now and then.
func (s *Sessions) PurgeExpired(ctx context.Context) (int64, error) {
	cutoff := s.svc.now().Add(-24 * time.Hour)
	return s.svc.store.PurgeSessions(ctx, cutoff, cutoff.Add(-s.idle), cutoff.Add(-s.absolute))
}

// decode returns the request's session cookie (a fresh one if it has none
// or an invalid one) and the token in it, or "".
func (s *Sessions) decode(r *http.Request) (*sessions.Session, string) {
	// New, unlike Get, does not cache the session in the request, so a
	// cookie set by Start is never mistaken for the one the request carried.
	cookie, err := s.store.New(r, SessionCookieName)
	if err != nil {
		return cookie, ""
	}
	token, _ := cookie.Values[tokenKey].(string)
	return cookie, token
}

// newToken returns 32 random bytes in unpadded base64url.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: read random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken returns the hex SHA-256 of a session or API key token. Tokens
// carry 256 random bits, so a fast hash is right here: there is nothing to
// guess, and a slow password hash would only cost time on every request.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
