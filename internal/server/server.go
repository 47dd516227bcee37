package server

import (
	"context"
	"log/slog"
	"net"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/alerts"
	"github.com/stratabackup/strata/internal/app/clusters"
	"github.com/stratabackup/strata/internal/app/status"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/operations"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/slothealth"
)

// Options wires the server to the rest of the console.
type Options struct {
	DB             Pinger
	Alerts         alerts.Store
	Auth           *auth.Service
	Sessions       *auth.Sessions
	Audit          *audit.Log
	Registry       *registry.Registry
	Jobs           *jobs.Store
	Runner         Waker
	Ops            *operations.Service
	Schedules      *schedule.Store
	Scheduler      *operations.Scheduler
	Expiry         *operations.Expiry
	Logger         *slog.Logger
	CookieKeys     [2][]byte // the session hash and block keys: the flash cookie, and keys derived for CSRF tokens and device cookies
	SecureCookies  bool
	TrustedProxies []*net.IPNet
	// SlotWAL are the retained-WAL thresholds for replication slots; zero
	// means slothealth.Defaults.
	SlotWAL slothealth.Thresholds
}

// Pinger is the state store, checked by readiness probes.
type Pinger interface{ PingContext(context.Context) error }

// Waker is told when a job was queued or resumed, so it starts at once
// (the job runner).
type Waker interface{ Wake() }

// Server is the console's HTTP handler.
type Server struct {
	echo       *echo.Echo
	db         Pinger
	auth       *auth.Service
	sessions   *auth.Sessions
	audit      *audit.Log
	refusals   *audit.Refusals
	registry   *registry.Registry
	jobs       *jobs.Store
	runner     Waker
	ops        *operations.Service
	schedules  *schedule.Store
	scheduler  *operations.Scheduler
	expiry     *operations.Expiry
	alerts     *alerts.Notifier
	log        *slog.Logger
	flash      *securecookie.SecureCookie
	csrf       *auth.CSRF
	devices    *auth.Devices
	secure     bool
	auditChain *auditChecker
	status     *status.Reader
	clusters   *clusters.Service
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
		db:         o.DB,
		auth:       o.Auth,
		sessions:   o.Sessions,
		audit:      o.Audit,
		refusals:   audit.NewRefusals(o.Audit, nil),
		registry:   o.Registry,
		jobs:       o.Jobs,
		runner:     o.Runner,
		ops:        o.Ops,
		schedules:  o.Schedules,
		scheduler:  o.Scheduler,
		expiry:     o.Expiry,
		alerts:     alerts.New(o.Alerts, o.Schedules, o.Jobs, o.Logger),
		log:        o.Logger,
		flash:      securecookie.New(o.CookieKeys[0], o.CookieKeys[1]),
		csrf:       auth.NewCSRF(o.CookieKeys[0], o.SecureCookies),
		devices:    auth.NewDevices(o.CookieKeys[0], o.SecureCookies, nil),
		secure:     o.SecureCookies,
		auditChain: newAuditChecker(o.Audit, o.Logger),
		slotWAL:    o.SlotWAL,
	}
	s.status = &status.Reader{Registry: o.Registry, Jobs: o.Jobs, Schedules: o.Schedules, Alerts: s.alerts, Ops: o.Ops, Auth: o.Auth, Audit: o.Audit}
	s.clusters = clusters.New(o.Registry, o.Ops, o.Scheduler, o.Logger)
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
