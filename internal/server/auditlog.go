package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/web/templates"
)

const auditPageSize = 50

var auditFilterKeys = []string{"from", "to", "actor", "action", "target", "outcome"}

// auditQuery reads the filters and cursor of the audit page and API from the URL.
func auditQuery(c echo.Context) (audit.Filter, url.Values, int64, error) {
	q := url.Values{}
	for _, k := range auditFilterKeys {
		if v := strings.TrimSpace(c.QueryParam(k)); v != "" {
			q.Set(k, v)
		}
	}
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target"), Outcome: q.Get("outcome")}
	var err error
	if f.From, err = parseFilterTime("from", q.Get("from")); err != nil {
		return f, q, 0, err
	}
	if f.To, err = parseFilterTime("to", q.Get("to")); err != nil {
		return f, q, 0, err
	}
	var before int64
	if b := c.QueryParam("before"); b != "" {
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before < 0 {
			return f, q, 0, echo.NewHTTPError(http.StatusBadRequest, "before must be an entry id (a positive whole number)")
		}
		q.Set("before", b)
	}
	return f, q, before, nil
}

// parseFilterTime reads the filter's time named name; empty is none.
func parseFilterTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, ok := parseFormTime(v); ok {
		return t, nil
	}
	return time.Time{}, echo.NewHTTPError(http.StatusBadRequest,
		fmt.Sprintf("%s: %q is not a time; use YYYY-MM-DDTHH:MM in UTC or RFC 3339 such as 2026-01-02T15:04:05Z", name, v))
}

func (s *Server) auditList(c echo.Context) error {
	f, q, before, err := auditQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	entries, next, err := s.audit.List(ctx, f, before, auditPageSize)
	if err != nil {
		return err
	}
	v := templates.AuditView{Entries: entries, Query: q, Next: next, Before: before, Chain: s.auditChain.Status()}
	if c.Request().Header.Get("HX-Request") == "true" {
		return render(c, http.StatusOK, templates.AuditResults(v))
	}
	if v.Actions, err = s.audit.Actions(ctx); err != nil {
		return err
	}
	if v.Actors, err = s.audit.Actors(ctx); err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.AuditPage(s.pageFor(c, "Audit log", "audit"), v))
}

func (s *Server) auditShow(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	e, err := s.audit.Get(c.Request().Context(), id)
	if err != nil {
		return notFoundIf(err, audit.ErrNotFound)
	}
	return render(c, http.StatusOK, templates.AuditEntryPage(s.pageFor(c, fmt.Sprintf("Audit entry %d", id), "audit"), e))
}

func (s *Server) auditExport(c echo.Context) error {
	f, _, _, err := auditQuery(c)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	contentType := map[string]string{"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}[format]
	if contentType == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "format must be csv or jsonl")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="strata-audit-%s.%s"`, time.Now().UTC().Format("20060102T150405Z"), format))
	c.Response().WriteHeader(http.StatusOK)
	if err := s.audit.Export(c.Request().Context(), f, c.Response(), format); err != nil {
		// The header is sent; all we can do is log and cut the download short.
		s.log.Error("audit export failed", "error", err)
	}
	return nil
}

func (s *Server) auditVerify(c echo.Context) error {
	st, err := s.auditChain.Verify(c.Request().Context())
	if err != nil {
		return err
	}
	if st.OK {
		return s.redirectWithFlash(c, "/audit", "ok", fmt.Sprintf("Audit chain intact: %d entries verified in %s.", st.Entries, st.Duration))
	}
	return s.redirectWithFlash(c, "/audit", "error", "Audit chain broken: "+st.Summary())
}
