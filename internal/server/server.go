package server

import (
	"context"
	"log/slog"
	"net"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/app"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/slothealth"
)

// Options wires the server to the rest of the console.
type Options struct {
	// Health says whether the console can serve: its state store answers.
	Health         func(context.Context) error
	Auth           *auth.Service
	Sessions       *auth.Sessions
	Audit          *audit.Log
	App            *app.App
	Alerts         *alerts.Notifier
	Runner         Waker
	Logger         *slog.Logger
	CookieKeys     [2][]byte // the session hash and block keys: the flash cookie, and keys derived for CSRF tokens and device cookies
	SecureCookies  bool
	TrustedProxies []*net.IPNet
	// SlotWAL are the retained-WAL thresholds for replication slots; zero
	// means slothealth.Defaults.
	SlotWAL slothealth.Thresholds
}

// Waker is told when a job was queued or resumed, so it starts at once
// (the job runner).
type Waker interface{ Wake() }

// Server is the console's HTTP handler.
type Server struct {
	echo       *echo.Echo
	health     func(context.Context) error
	auth       *auth.Service
	sessions   *auth.Sessions
	audit      *audit.Log
	refusals   *audit.Refusals
	app        *app.App
	runner     Waker
	alerts     *alerts.Notifier
	log        *slog.Logger
	flash      *securecookie.SecureCookie
	csrf       *auth.CSRF
	devices    *auth.Devices
	secure     bool
	auditChain *auditChecker
	slotWAL    slothealth.Thresholds
	routes     []Route
}

// New builds the server with every route registered.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.SlotWAL == (slothealth.Thresholds{}) {
		o.SlotWAL = slothealth.Defaults
	}
	s := &Server{
		echo:       echo.New(),
		health:     o.Health,
		auth:       o.Auth,
		sessions:   o.Sessions,
		audit:      o.Audit,
		refusals:   audit.NewRefusals(o.Audit, nil),
		app:        o.App,
		runner:     o.Runner,
		alerts:     o.Alerts,
		log:        o.Logger,
		flash:      securecookie.New(o.CookieKeys[0], o.CookieKeys[1]),
		csrf:       auth.NewCSRF(o.CookieKeys[0], o.SecureCookies),
		devices:    auth.NewDevices(o.CookieKeys[0], o.SecureCookies, nil),
		secure:     o.SecureCookies,
		auditChain: newAuditChecker(o.Audit, o.Logger),
		slotWAL:    o.SlotWAL,
	}
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.IPExtractor = ipExtractor(o.TrustedProxies)
	s.echo.HTTPErrorHandler = s.handleError
	s.useMiddleware()
	s.registerRoutes()
	return s
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() *echo.Echo { return s.echo }

// Refusals returns the limiter of audited refusals, whose summaries must
// be flushed now and then and at shutdown.
func (s *Server) Refusals() *audit.Refusals { return s.refusals }

// Chain returns the background verifier of the audit chain, for start-up wiring.
func (s *Server) AuditChain() *auditChecker { return s.auditChain }
