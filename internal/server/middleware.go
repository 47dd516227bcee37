package server

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
)

const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

// identity is who made the request: a logged-in user or an API key.
type identity struct {
	Name    string
	Role    auth.Role
	UserID  int64 // 0 for API keys
	Source  string
	Session *auth.Session
}

const identityKey = "strata.identity"

func identityOf(c echo.Context) *identity {
	id, _ := c.Get(identityKey).(*identity)
	return id
}

// bodyLimit is the largest request body, as Echo's BodyLimit reads it.
const bodyLimit = "2M"

func (s *Server) useMiddleware() {
	s.echo.Use(middleware.RequestID())
	s.echo.Use(s.logRequests())
	s.echo.Use(middleware.Recover())
	s.echo.Use(s.securityHeaders)
	s.echo.Use(middleware.BodyLimit(bodyLimit))
	s.echo.Use(s.authenticate)
	s.echo.Use(s.checkCSRF)
}

func isAPI(c echo.Context) bool    { return strings.HasPrefix(c.Request().URL.Path, "/api/") }
func isStatic(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/static/") }

// hsts keeps browsers on HTTPS for two years once they have seen it.
const hsts = "max-age=63072000; includeSubDomains"

func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		// Behind a TLS-terminating proxy (--secure-cookies) the proxy's
		// X-Forwarded-Proto says whether the browser used HTTPS.
		if c.IsTLS() || s.secure && c.Scheme() == "https" {
			h.Set("Strict-Transport-Security", hsts)
		}
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if !isStatic(c) {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// authenticate finds who is calling: a bearer API key on /api/, a session
// cookie elsewhere. It never refuses; requireRole does, per route.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isStatic(c) {
			return next(c)
		}
		if isAPI(c) {
			token, ok := bearerToken(c.Request())
			if !ok {
				return next(c)
			}
			key, err := s.auth.AuthenticateAPIKey(c.Request().Context(), token)
			if err != nil {
				if !errors.Is(err, auth.ErrInvalidAPIKey) {
					return err
				}
				s.record(c, event{Action: audit.ActionAPIAuthFailed}, audit.OutcomeDenied, "invalid or revoked API key")
				return echo.NewHTTPError(http.StatusUnauthorized, "invalid or revoked API key")
			}
			c.Set(identityKey, &identity{Name: "apikey:" + key.Name, Role: key.Role, Source: audit.SourceAPI})
			return next(c)
		}
		sess, user, err := s.sessions.Load(c.Request())
		if err != nil {
			if !errors.Is(err, auth.ErrNoSession) {
				return err
			}
			return next(c)
		}
		if err := s.sessions.Touch(c.Request().Context(), sess); err != nil {
			s.log.Warn("session last-seen not updated", "error", err)
		}
		c.Set(identityKey, &identity{Name: user.Name, Role: user.Role, UserID: user.ID, Source: audit.SourceUI, Session: &sess})
		return next(c)
	}
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	t := strings.TrimSpace(h[7:])
	return t, t != ""
}

// requireRole enforces the role a route was declared with.
func (s *Server) requireRole(r Route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if r.Role == Public {
				return next(c)
			}
			id := identityOf(c)
			if id == nil {
				if !isSafeMethod(c.Request().Method) {
					s.record(c, event{Action: audit.ActionAccessDenied, Params: map[string]any{"method": r.Method, "path": c.Request().URL.Path}},
						audit.OutcomeDenied, "not logged in")
				}
				if isAPI(c) {
					return echo.NewHTTPError(http.StatusUnauthorized, "this API needs an API key: send Authorization: Bearer <token>")
				}
				if isSafeMethod(c.Request().Method) {
					return c.Redirect(http.StatusSeeOther, "/login?next="+urlQueryEscape(c.Request().URL.RequestURI()))
				}
				return echo.NewHTTPError(http.StatusUnauthorized, "log in first")
			}
			if !id.Role.Allows(r.Role) {
				s.record(c, event{Action: audit.ActionAccessDenied, Params: map[string]any{"method": r.Method, "path": c.Request().URL.Path}},
					audit.OutcomeDenied, "role "+string(id.Role)+" may not do this")
				return echo.NewHTTPError(http.StatusForbidden, "your role ("+string(id.Role)+") cannot do this; ask an admin")
			}
			return next(c)
		}
	}
}

// csrfKey is where checkCSRF puts the token for the request's pages.
const csrfKey = "strata.csrf"

// checkCSRF refuses a request that changes state unless it carries the
// token of its session (see auth.CSRF) in the _csrf field of a form body or
// in the X-CSRF-Token header (htmx), never in the URL, which leaks into logs
// and Referer headers. A browser's cross-site request is refused whatever
// it carries. The API is exempt: it takes bearer keys, never cookies, so a
// forged cross-site request carries no credentials there.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isAPI(c) || isStatic(c) {
			return next(c)
		}
		var sess *auth.Session
		if id := identityOf(c); id != nil {
			sess = id.Session
		}
		r := c.Request()
		token, err := s.csrf.Token(c.Response(), r, sess)
		if err != nil {
			return err
		}
		c.Set(csrfKey, token)
		if isSafeMethod(r.Method) {
			return next(c)
		}
		if r.Header.Get(echo.HeaderSecFetchSite) == "cross-site" {
			return s.csrfRejected(c, "cross-site request")
		}
		sent := r.Header.Get(echo.HeaderXCSRFToken)
		if sent == "" {
			sent = r.PostFormValue("_csrf")
		}
		if !s.csrf.Valid(r, sess, sent) {
			return s.csrfRejected(c, "missing or invalid CSRF token")
		}
		return next(c)
	}
}

func (s *Server) csrfRejected(c echo.Context, reason string) error {
	s.record(c, event{Action: audit.ActionCSRFRejected, Params: map[string]any{"method": c.Request().Method, "path": c.Request().URL.Path}},
		audit.OutcomeDenied, reason)
	return echo.NewHTTPError(http.StatusForbidden, "this form has expired or came from another site; reload the page and try again")
}

func (s *Server) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			} else if isStatic(c) || c.Request().URL.Path == "/healthz" || c.Request().URL.Path == "/readyz" {
				level = slog.LevelDebug
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("path", v.URIPath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency.Round(time.Microsecond)), slog.String("request_id", v.RequestID),
				slog.String("client", v.RemoteIP),
			}
			if v.Error != nil {
				attrs = append(attrs, slog.String("error", v.Error.Error()))
			}
			s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
