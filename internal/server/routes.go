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

	s.page(http.MethodGet, "/clusters", auth.RoleAuditor, s.clustersList)
	s.page(http.MethodPost, "/clusters", auth.RoleAdmin, s.clusterCreate)
	s.page(http.MethodGet, "/clusters/:name", auth.RoleAuditor, s.clusterShow)
	s.page(http.MethodGet, "/clusters/:name/test", auth.RoleAuditor, s.clusterTest)
	s.page(http.MethodPost, "/clusters/:name/remove", auth.RoleAdmin, s.clusterRemove)
	s.page(http.MethodPost, "/clusters/:name/managed", auth.RoleAdmin, s.managedUpdate)
	s.page(http.MethodGet, "/clusters/:name/replica-identity", auth.RoleAuditor, s.clusterIdentity)
	s.page(http.MethodPost, "/clusters/:name/replica-identity", auth.RoleAdmin, s.clusterIdentitySet)

	s.page(http.MethodGet, "/collections", auth.RoleAuditor, s.collectionsList)
	s.page(http.MethodPost, "/collections", auth.RoleAdmin, s.collectionCreate)
	s.page(http.MethodGet, "/collections/:name", auth.RoleAuditor, s.collectionShow)
	s.page(http.MethodGet, "/collections/:name/backup", auth.RoleAuditor, s.backupShow)
	s.page(http.MethodPost, "/collections/:name/chains/remove", auth.RoleAdmin, s.chainRemove)

	// The forms that start backups and restores are admin pages.
	s.page(http.MethodGet, "/backups/new", auth.RoleAdmin, s.backupNew)
	s.page(http.MethodPost, "/backups", auth.RoleAdmin, s.backupCreate)
	s.page(http.MethodGet, "/restore", auth.RoleAdmin, s.restoreWizard)
	s.page(http.MethodPost, "/restores", auth.RoleAdmin, s.restoreCreate)

	s.page(http.MethodGet, "/jobs", auth.RoleAuditor, s.jobsList)
	s.page(http.MethodGet, "/jobs/:id", auth.RoleAuditor, s.jobShow)
	s.page(http.MethodGet, "/jobs/:id/progress", auth.RoleAuditor, s.jobProgress)
	for _, action := range []string{"pause", "resume", "cancel"} {
		s.page(http.MethodPost, "/jobs/:id/"+action, auth.RoleAdmin, s.jobAction(action))
		s.page(http.MethodPost, "/api/v1/jobs/:id/"+action, auth.RoleAdmin, s.apiJobAction(action))
	}

	s.scheduleRoutes()
	s.retentionRoutes()
	s.alertRoutes()

	s.page(http.MethodGet, "/api/v1/whoami", auth.RoleAuditor, s.apiWhoami)
	s.page(http.MethodGet, "/api/v1/users", auth.RoleAuditor, s.apiUsersList)
	s.page(http.MethodPost, "/api/v1/users", auth.RoleAdmin, s.apiUserCreate)
	s.page(http.MethodGet, "/api/v1/audit", auth.RoleAuditor, s.apiAuditList)
	s.page(http.MethodGet, "/api/v1/clusters", auth.RoleAuditor, s.apiClustersList)
	s.page(http.MethodPost, "/api/v1/clusters", auth.RoleAdmin, s.apiClusterCreate)
	s.page(http.MethodGet, "/api/v1/clusters/:name/databases/:db/tables-without-identity", auth.RoleAuditor, s.apiTablesWithoutIdentity)
	s.page(http.MethodPost, "/api/v1/clusters/:name/databases/:db/replica-identity", auth.RoleAdmin, s.apiReplicaIdentitySet)
	s.page(http.MethodGet, "/api/v1/collections", auth.RoleAuditor, s.apiCollectionsList)
	s.page(http.MethodPost, "/api/v1/collections", auth.RoleAdmin, s.apiCollectionCreate)
	s.page(http.MethodGet, "/api/v1/collections/:name/backups", auth.RoleAuditor, s.apiCollectionBackups)
	s.page(http.MethodPost, "/api/v1/backups", auth.RoleAdmin, s.apiBackupCreate)
	s.page(http.MethodPost, "/api/v1/restores", auth.RoleAdmin, s.apiRestoreCreate)
	s.page(http.MethodGet, "/api/v1/jobs", auth.RoleAuditor, s.apiJobsList)
	s.page(http.MethodGet, "/api/v1/jobs/:id", auth.RoleAuditor, s.apiJobShow)
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
