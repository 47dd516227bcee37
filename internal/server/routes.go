package server

import (
	"fmt"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/web/static"
)

// Public marks a route that needs no login.
const Public auth.Role = ""

// Route is one registered route and the role it needs.
type Route struct {
	Method string
	Path   string
	Role   auth.Role
	// SelfService routes change only the caller's own state (logging out),
	// so any logged-in role may use them.
	SelfService bool
}

func (s *Server) registerRoutes() {
	s.public(http.MethodGet, "/healthz", s.healthz)
	s.public(http.MethodGet, "/readyz", s.readyz)
	s.public(http.MethodGet, "/login", s.loginForm)
	s.public(http.MethodPost, "/login", s.login)
	s.public(http.MethodGet, "/setup", s.setupForm)
	s.public(http.MethodPost, "/setup", s.setup)
	s.serveStatic()

	s.selfService(http.MethodPost, "/logout", s.logout)

	s.page(http.MethodGet, "/", auth.RoleAuditor, s.home)

	s.page(http.MethodGet, "/users", auth.RoleAuditor, s.usersList)
	s.page(http.MethodPost, "/users", auth.RoleAdmin, s.userCreate)
	s.page(http.MethodGet, "/users/:id", auth.RoleAuditor, s.userShow)
	s.page(http.MethodPost, "/users/:id/role", auth.RoleAdmin, s.userSetRole)
	s.page(http.MethodPost, "/users/:id/disable", auth.RoleAdmin, s.userDisable)
	s.page(http.MethodPost, "/users/:id/enable", auth.RoleAdmin, s.userEnable)
	s.page(http.MethodPost, "/users/:id/password", auth.RoleAdmin, s.userResetPassword)

	s.page(http.MethodGet, "/apikeys", auth.RoleAuditor, s.apiKeysList)
	s.page(http.MethodPost, "/apikeys", auth.RoleAdmin, s.apiKeyCreate)
	s.page(http.MethodPost, "/apikeys/:id/revoke", auth.RoleAdmin, s.apiKeyRevoke)

	s.page(http.MethodGet, "/audit", auth.RoleAuditor, s.auditList)
	s.page(http.MethodGet, "/audit/export", auth.RoleAuditor, s.auditExport)
	s.page(http.MethodGet, "/audit/verify", auth.RoleAuditor, s.auditVerify)
	s.page(http.MethodGet, "/audit/:id", auth.RoleAuditor, s.auditShow)

	s.page(http.MethodGet, "/api/v1/whoami", auth.RoleAuditor, s.apiWhoami)
	s.page(http.MethodGet, "/api/v1/users", auth.RoleAuditor, s.apiUsersList)
	s.page(http.MethodPost, "/api/v1/users", auth.RoleAdmin, s.apiUserCreate)
	s.page(http.MethodGet, "/api/v1/audit", auth.RoleAuditor, s.apiAuditList)
}

// page registers a route that needs a login with at least role. Every
// state-changing route needs admin: declaring anything else panics at start-up,
// so a route cannot be added with a weaker role by mistake.
func (s *Server) page(method, path string, role auth.Role, h echo.HandlerFunc) {
	if role == Public {
		panic(fmt.Sprintf("route %s %s: use public() for routes without login", method, path))
	}
	if !isSafeMethod(method) && role != auth.RoleAdmin {
		panic(fmt.Sprintf("route %s %s changes state and must need the admin role", method, path))
	}
	s.add(Route{Method: method, Path: path, Role: role}, h)
}

func (s *Server) public(method, path string, h echo.HandlerFunc) {
	s.add(Route{Method: method, Path: path, Role: Public}, h)
}

func (s *Server) selfService(method, path string, h echo.HandlerFunc) {
	s.add(Route{Method: method, Path: path, Role: auth.RoleAuditor, SelfService: true}, h)
}

func (s *Server) add(r Route, h echo.HandlerFunc) {
	s.routes = append(s.routes, r)
	s.echo.Add(r.Method, r.Path, h, s.requireRole(r))
}

func (s *Server) serveStatic() {
	sub, err := fs.Sub(static.FS, ".")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	s.public(http.MethodGet, "/static/*", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	})
}

// Routes lists every registered route with its role, for tests and docs.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
